using System.Buffers;
using System.Text;
using Protocols.Net;

namespace Protocols.Lines;

/// <summary>
/// A 3-digit reply of SMTP (RFC 5321 §4.2) or FTP (RFC 959 §4.2), single or multi-line. The code is an integer;
/// an RFC 3463 enhanced status code, when parsed, is kept apart from the text.
/// </summary>
public sealed class Reply
{
    public Reply(int code, IReadOnlyList<string> lines, EnhancedStatusCode? enhancedCode = null)
    {
        if (code is < 100 or > 599) throw new ArgumentOutOfRangeException(nameof(code), "a reply code is 100-599");
        ArgumentNullException.ThrowIfNull(lines);
        Code = code;
        Lines = lines.Count == 0 ? [""] : lines;
        EnhancedCode = enhancedCode;
    }

    public Reply(int code, string text, EnhancedStatusCode? enhancedCode = null)
        : this(code, (text ?? "").Split('\n', StringSplitOptions.None).Select(l => l.TrimEnd('\r')).ToArray(), enhancedCode) { }

    /// <summary>The 3-digit code.</summary>
    public int Code { get; }

    /// <summary>The text of each line, without code, separator or enhanced code.</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>The enhanced status code (RFC 3463), when present and asked for.</summary>
    public EnhancedStatusCode? EnhancedCode { get; }

    /// <summary>The lines joined with LF.</summary>
    public string Text => Lines.Count == 1 ? Lines[0] : string.Join('\n', Lines);

    /// <summary>1yz: positive preliminary (FTP).</summary>
    public bool IsPreliminary => Code is >= 100 and < 200;

    /// <summary>2yz: positive completion.</summary>
    public bool IsSuccess => Code is >= 200 and < 300;

    /// <summary>3yz: positive intermediate (send more).</summary>
    public bool IsIntermediate => Code is >= 300 and < 400;

    /// <summary>4yz: transient negative; trying again later may work.</summary>
    public bool IsTransientFailure => Code is >= 400 and < 500;

    /// <summary>5yz: permanent negative.</summary>
    public bool IsPermanentFailure => Code >= 500;

    /// <summary>Formats the reply into <paramref name="output"/>: <c>250-first</c> ... <c>250 last</c>, each line CRLF-terminated.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Span<byte> head = stackalloc byte[4];
        head[0] = (byte)('0' + Code / 100);
        head[1] = (byte)('0' + Code / 10 % 10);
        head[2] = (byte)('0' + Code % 10);
        var enhanced = EnhancedCode?.ToString();
        for (var i = 0; i < Lines.Count; i++)
        {
            head[3] = i == Lines.Count - 1 ? (byte)' ' : (byte)'-';
            output.Write(head);
            if (enhanced is not null)
            {
                Encoding.ASCII.GetBytes(enhanced, output);
                if (Lines[i].Length > 0) output.Write(" "u8);
            }
            Encoding.UTF8.GetBytes(Lines[i], output);
            output.Write("\r\n"u8);
        }
    }

    /// <summary>Buffers the reply on a connection's writer (drain to send).</summary>
    public void WriteTo(ConnectionWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        WriteTo(writer.Buffer);
    }

    /// <summary>The reply as it goes on the wire.</summary>
    public byte[] ToBytes()
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The wire form without the final CRLF, e.g. <c>250 2.0.0 OK</c>.</summary>
    public override string ToString() => Encoding.UTF8.GetString(ToBytes()).TrimEnd('\r', '\n');
}
