using System.Buffers;
using System.Text;
using Protocols.Net;

namespace Protocols.Lines;

/// <summary>
/// Parses one reply from buffered bytes, a pure function (see <see cref="IMessageReader{TMessage}"/>).
/// Strict (SMTP, RFC 5321 §4.2.1): every line carries the same code and a <c>-</c> or space separator.
/// Lenient (FTP, RFC 959 §4.2): lines between the first <c>ddd-</c> and the last <c>ddd </c> may be any text.
/// Anything else is a <see cref="ProtocolException"/>. Lines end in CRLF; a bare LF is tolerated.
/// </summary>
public readonly struct ReplyParser(bool strict = true, bool parseEnhancedCodes = false, int maxLines = 1000) : IMessageReader<Reply>
{
    public bool TryParseMessage(in ReadOnlySequence<byte> input, ref SequencePosition consumed, ref SequencePosition examined, out Reply message)
    {
        message = null!;
        var reader = new SequenceReader<byte>(input);
        var code = -1;
        var lines = new List<string>(1);
        EnhancedStatusCode? enhanced = null;
        while (reader.TryReadTo(out ReadOnlySequence<byte> raw, (byte)'\n'))
        {
            var line = TrimCr(raw);
            if (lines.Count >= maxLines) throw new ProtocolException($"the reply has more than {maxLines} lines");
            var lineSpan = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
            var hasCode = TryCode(lineSpan, out var lineCode, out var separator);
            if (code < 0)
            {
                if (!hasCode) throw new ProtocolException($"not a reply line: '{Printable(lineSpan)}'");
                code = lineCode;
            }
            else if (!hasCode || lineCode != code)
            {
                if (strict) throw new ProtocolException($"a reply line does not carry the code {code}: '{Printable(lineSpan)}'");
                lines.Add(Encoding.UTF8.GetString(lineSpan));
                continue;
            }
            var text = lineSpan.Length > 4 ? Encoding.UTF8.GetString(lineSpan[4..]) : "";
            if (parseEnhancedCodes && EnhancedStatusCode.TryParse(text, out var e, out var length))
            {
                enhanced ??= e;
                text = length < text.Length ? text[(length + 1)..] : "";
            }
            lines.Add(text);
            if (separator != (byte)'-')
            {
                consumed = reader.Position;
                examined = consumed;
                message = new Reply(code, lines, enhanced);
                return true;
            }
        }
        examined = input.End;
        return false;
    }

    private static ReadOnlySequence<byte> TrimCr(ReadOnlySequence<byte> line) =>
        line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r' ? line.Slice(0, line.Length - 1) : line;

    /// <summary>Reads the code and separator of a line: <c>ddd</c> then <c>-</c>, space, or the end.</summary>
    public static bool TryCode(ReadOnlySpan<byte> line, out int code, out byte separator)
    {
        code = 0;
        separator = 0;
        if (line.Length < 3) return false;
        if (line[0] is < (byte)'1' or > (byte)'5' || !IsDigit(line[1]) || !IsDigit(line[2])) return false;
        code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (line.Length == 3) return true;
        separator = line[3];
        return separator is (byte)' ' or (byte)'-';
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static string Printable(ReadOnlySpan<byte> line)
    {
        var text = Encoding.ASCII.GetString(line[..Math.Min(line.Length, 80)]);
        return new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }
}

/// <summary>Reads replies from a connection.</summary>
public static class ReplyReader
{
    /// <summary>Longest reply accepted, all lines together: 64 KiB (RFC 5321 allows 512 per line; EHLO and FEAT lists run long).</summary>
    public const int DefaultMaxReplyBytes = 64 * 1024;

    /// <summary>Reads one reply. <paramref name="strict"/> for SMTP, false for FTP (RFC 959 multi-line text).</summary>
    public static ValueTask<Reply> ReadAsync(ConnectionReader reader, bool strict = true, bool parseEnhancedCodes = false, int maxBytes = DefaultMaxReplyBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.ReadAsync<ReplyParser, Reply>(new ReplyParser(strict, parseEnhancedCodes), maxBytes, cancellationToken);
    }
}
