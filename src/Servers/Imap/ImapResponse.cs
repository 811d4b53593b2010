using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Protocols.Servers.Imap;

/// <summary>
/// Writes response syntax (RFC 9051 section 7) into a buffer: atoms, numbers, strings (quoted when they can be,
/// a literal when they hold CR, LF, NUL, 8-bit bytes, or are long), NIL, lists. Nothing is flushed here.
/// </summary>
internal readonly struct ImapResponse(IBufferWriter<byte> output)
{
    /// <summary>Strings longer than this go out as literals (quoting a long string only costs the reader).</summary>
    private const int MaxQuoted = 1024;

    public IBufferWriter<byte> Output => output;

    public ImapResponse Raw(ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        return this;
    }

    public ImapResponse Raw(string ascii)
    {
        var span = output.GetSpan(ascii.Length);
        var n = Encoding.ASCII.GetBytes(ascii, span);
        output.Advance(n);
        return this;
    }

    public ImapResponse Space() => Raw(" "u8);

    public ImapResponse Crlf() => Raw("\r\n"u8);

    public ImapResponse Number(long value)
    {
        var span = output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var n);
        output.Advance(n);
        return this;
    }

    public ImapResponse Nil() => Raw("NIL"u8);

    /// <summary>An nstring: NIL for null, else a string.</summary>
    public ImapResponse NString(string? value) => value is null ? Nil() : String(value);

    public ImapResponse String(string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max <= 512)
        {
            Span<byte> bytes = stackalloc byte[max];
            var n = Encoding.UTF8.GetBytes(value, bytes);
            return String(bytes[..n]);
        }
        return String(Encoding.UTF8.GetBytes(value));
    }

    public ImapResponse NString(ReadOnlySpan<byte> value, bool isNull) => isNull ? Nil() : String(value);

    public ImapResponse String(ReadOnlySpan<byte> value)
    {
        if (!CanQuote(value)) return Literal(value);
        var escapes = 0;
        foreach (var c in value) if (c is (byte)'"' or (byte)'\\') escapes++;
        var span = output.GetSpan(value.Length + escapes + 2);
        span[0] = (byte)'"';
        var i = 1;
        foreach (var c in value)
        {
            if (c is (byte)'"' or (byte)'\\') span[i++] = (byte)'\\';
            span[i++] = c;
        }
        span[i++] = (byte)'"';
        output.Advance(i);
        return this;
    }

    public ImapResponse Literal(ReadOnlySpan<byte> value)
    {
        LiteralHeader(value.Length);
        output.Write(value);
        return this;
    }

    /// <summary>Writes <c>{n}CRLF</c>; the caller writes the n bytes.</summary>
    public ImapResponse LiteralHeader(long length)
    {
        Raw("{"u8).Number(length).Raw("}\r\n"u8);
        return this;
    }

    /// <summary>An astring: an atom when the text is one, else a string.</summary>
    public ImapResponse AString(string value)
    {
        if (value.Length > 0 && value.Length < 256 && value.All(c => c < 0x80 && ImapCommandParser.IsAtomChar((byte)c))) return Raw(value);
        return String(value);
    }

    public ImapResponse Open() => Raw("("u8);

    public ImapResponse Close() => Raw(")"u8);

    internal static bool CanQuote(ReadOnlySpan<byte> value)
    {
        if (value.Length > MaxQuoted) return false;
        foreach (var c in value) if (c is 0 or (byte)'\r' or (byte)'\n' or >= 0x80) return false;
        return true;
    }
}
