using System.Text;

namespace Protocols.Servers.Mail;

/// <summary>
/// The digest of the common small message without MimeKit's object tree: one text part (no Content-Type, or
/// <c>text/plain</c> with a us-ascii or utf-8 charset; 7bit/8bit), a header of printable ASCII with no folding and no
/// encoded words, and address fields of plain forms (<c>a@b</c>, <c>&lt;a@b&gt;</c>, <c>Name Words &lt;a@b&gt;</c>, comma
/// separated). For those, MimeKit's parse (about 10 KB of objects per message) says exactly what this says; anything
/// outside that narrow grammar answers null and goes to MimeKit. That the two agree is tested over a corpus and
/// mutated input (<c>tests/Protocols.Tests/Mail/PlainDigestTests.cs</c>).
/// </summary>
internal static class PlainDigest
{
    /// <summary>The fields of the digest (From, To, Cc, Subject, Date, body text), or false when the message is not plain.</summary>
    public static bool TryRead(ReadOnlySpan<byte> raw, out string? from, out string? to, out string? cc, out string? subject, out string? date,
        out string text)
    {
        from = to = cc = subject = date = null;
        text = "";
        int position = 0, fromAt = -1, toAt = -1, ccAt = -1, subjectAt = -1, dateAt = -1, typeAt = -1, encodingAt = -1;
        int fromEnd = 0, toEnd = 0, ccEnd = 0, subjectEnd = 0, dateEnd = 0, typeEnd = 0, encodingEnd = 0;
        var headers = 0;
        while (true)
        {
            var rest = raw[position..];
            var eol = rest.IndexOf((byte)'\n');
            if (eol < 1 || rest[eol - 1] != '\r') return false; // a bare LF, no CRLF, or no blank line: MimeKit's
            if (eol == 1) break; // the blank line
            var line = rest[..(eol - 1)];
            var colon = line.IndexOf((byte)':');
            if (colon < 1) return false;
            foreach (var b in line[..colon])
            {
                if (!char.IsAsciiLetterOrDigit((char)b) && b != '-') return false;
            }
            // The value: after the colon and one optional space; printable ASCII, not folded.
            var start = colon + 1 < line.Length && line[colon + 1] == ' ' ? colon + 2 : colon + 1;
            var value = line[start..];
            foreach (var b in value)
            {
                if (b is < 0x20 or > 0x7E) return false;
            }
            // The next line must not continue this one (folding).
            if (position + eol + 1 < raw.Length && raw[position + eol + 1] is (byte)' ' or (byte)'\t') return false;
            var name = line[..colon];
            int at = position + start, end = position + start + value.Length;
            if (IsUsed(name) && (value.IsEmpty || value[0] == ' ' || value[^1] == ' ' || value.IndexOf("=?"u8) >= 0)) return false;
            if (Ascii.EqualsIgnoreCase(name, "From"u8)) { if (!Take(ref fromAt, ref fromEnd, at, end)) return false; }
            else if (Ascii.EqualsIgnoreCase(name, "To"u8)) { if (!Take(ref toAt, ref toEnd, at, end)) return false; }
            else if (Ascii.EqualsIgnoreCase(name, "Cc"u8)) { if (!Take(ref ccAt, ref ccEnd, at, end)) return false; }
            else if (Ascii.EqualsIgnoreCase(name, "Subject"u8)) { if (!Take(ref subjectAt, ref subjectEnd, at, end)) return false; }
            else if (Ascii.EqualsIgnoreCase(name, "Date"u8)) { if (!Take(ref dateAt, ref dateEnd, at, end)) return false; }
            else if (Ascii.EqualsIgnoreCase(name, "Content-Type"u8)) { if (!Take(ref typeAt, ref typeEnd, at, end)) return false; }
            else if (Ascii.EqualsIgnoreCase(name, "Content-Transfer-Encoding"u8)) { if (!Take(ref encodingAt, ref encodingEnd, at, end)) return false; }
            else if (name.Length > 8 && Ascii.EqualsIgnoreCase(name[..8], "Content-"u8)) return false; // Disposition, ...: MimeKit's
            headers++;
            position += eol + 1;
        }
        if (headers == 0) return false;
        if (typeAt >= 0 && !IsPlainType(raw[typeAt..typeEnd])) return false;
        if (encodingAt >= 0 && !IsIdentity(raw[encodingAt..encodingEnd])) return false;
        var body = raw[(position + 2)..];
        var head = body[..Math.Min(body.Length, MailDigest.MaxIndexedText)];
        if (!Ascii.IsValid(head)) return false; // every charset allowed reads ASCII alike; other bytes are MimeKit's
        if ((fromAt >= 0 && !TryAddresses(raw[fromAt..fromEnd], out from))
            || (toAt >= 0 && !TryAddresses(raw[toAt..toEnd], out to))
            || (ccAt >= 0 && !TryAddresses(raw[ccAt..ccEnd], out cc))) return false;
        if (subjectAt >= 0) subject = Encoding.ASCII.GetString(raw[subjectAt..subjectEnd]);
        if (dateAt >= 0) date = Encoding.ASCII.GetString(raw[dateAt..dateEnd]);
        text = Encoding.ASCII.GetString(head);
        return true;
    }

    /// <summary>The fields whose values the digest shows (the rest need only be well formed).</summary>
    private static bool IsUsed(ReadOnlySpan<byte> name) =>
        Ascii.EqualsIgnoreCase(name, "From"u8) || Ascii.EqualsIgnoreCase(name, "To"u8) || Ascii.EqualsIgnoreCase(name, "Cc"u8)
        || Ascii.EqualsIgnoreCase(name, "Subject"u8) || Ascii.EqualsIgnoreCase(name, "Date"u8) || Ascii.EqualsIgnoreCase(name, "Content-Type"u8)
        || Ascii.EqualsIgnoreCase(name, "Content-Transfer-Encoding"u8);

    /// <summary>A header seen once: its value's place; a second one is MimeKit's to merge.</summary>
    private static bool Take(ref int at, ref int end, int valueAt, int valueEnd)
    {
        if (at >= 0) return false;
        (at, end) = (valueAt, valueEnd);
        return true;
    }

    /// <summary><c>text/plain</c>, alone or with <c>; charset=us-ascii</c> or <c>utf-8</c> (quoted or not).</summary>
    private static bool IsPlainType(ReadOnlySpan<byte> value)
    {
        if (Ascii.EqualsIgnoreCase(value, "text/plain"u8)) return true;
        if (value.Length < 12 || !Ascii.EqualsIgnoreCase(value[..12], "text/plain; "u8)) return false;
        var parameter = value[12..];
        if (parameter.Length < 8 || !Ascii.EqualsIgnoreCase(parameter[..8], "charset="u8)) return false;
        var charset = parameter[8..];
        if (charset.Length >= 2 && charset[0] == '"' && charset[^1] == '"') charset = charset[1..^1];
        return Ascii.EqualsIgnoreCase(charset, "us-ascii"u8) || Ascii.EqualsIgnoreCase(charset, "utf-8"u8);
    }

    private static bool IsIdentity(ReadOnlySpan<byte> value) =>
        Ascii.EqualsIgnoreCase(value, "7bit"u8) || Ascii.EqualsIgnoreCase(value, "8bit"u8);

    /// <summary>A comma-separated list of <c>a@b</c>, <c>&lt;a@b&gt;</c> or <c>Words &lt;a@b&gt;</c>, shown as the digest
    /// shows MimeKit's (<c>Words &lt;a@b&gt;</c> or <c>a@b</c>, joined by ", ").</summary>
    private static bool TryAddresses(ReadOnlySpan<byte> value, out string? shown)
    {
        shown = null;
        var builder = new StringBuilder(value.Length + 8);
        while (true)
        {
            var comma = value.IndexOf((byte)',');
            var item = comma < 0 ? value : value[..comma];
            item = item.Trim((byte)' ');
            if (item.IsEmpty) return false;
            if (builder.Length > 0) builder.Append(", ");
            if (item[^1] == '>')
            {
                var open = item.IndexOf((byte)'<');
                if (open < 0) return false;
                var address = item[(open + 1)..^1];
                if (!IsAddress(address)) return false;
                if (open > 0)
                {
                    if (item[open - 1] != ' ') return false;
                    var name = item[..(open - 1)];
                    if (!IsPhrase(name)) return false;
                    builder.Append(Encoding.ASCII.GetString(name)).Append(" <").Append(Encoding.ASCII.GetString(address)).Append('>');
                }
                else builder.Append(Encoding.ASCII.GetString(address));
            }
            else
            {
                if (!IsAddress(item)) return false;
                builder.Append(Encoding.ASCII.GetString(item));
            }
            if (comma < 0) break;
            value = value[(comma + 1)..];
        }
        shown = builder.ToString();
        return true;
    }

    /// <summary>Words of letters and digits (and <c>_</c>, <c>-</c>), one space between each.</summary>
    private static bool IsPhrase(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty || name[0] == ' ' || name[^1] == ' ') return false;
        var previousSpace = false;
        foreach (var b in name)
        {
            if (b == ' ')
            {
                if (previousSpace) return false;
                previousSpace = true;
                continue;
            }
            previousSpace = false;
            if (!char.IsAsciiLetterOrDigit((char)b) && b != '_' && b != '-') return false;
        }
        return true;
    }

    /// <summary><c>local@domain</c>: a dot-atom of letters, digits and <c>._+-</c> at dot-separated labels of letters, digits
    /// and inner hyphens (no IDN: <c>xn--</c> labels are MimeKit's to decode).</summary>
    private static bool IsAddress(ReadOnlySpan<byte> address)
    {
        var at = address.IndexOf((byte)'@');
        if (at < 1 || at != address.LastIndexOf((byte)'@')) return false;
        var local = address[..at];
        var domain = address[(at + 1)..];
        if (local[0] == '.' || local[^1] == '.' || local.IndexOf(".."u8) >= 0) return false;
        foreach (var b in local)
        {
            if (!char.IsAsciiLetterOrDigit((char)b) && b is not ((byte)'.' or (byte)'_' or (byte)'+' or (byte)'-')) return false;
        }
        if (domain.IsEmpty) return false;
        foreach (var range in domain.Split((byte)'.'))
        {
            var label = domain[range];
            if (label.IsEmpty || label[0] == '-' || label[^1] == '-') return false;
            if (label.Length >= 4 && Ascii.EqualsIgnoreCase(label[..4], "xn--"u8)) return false;
            foreach (var b in label)
            {
                if (!char.IsAsciiLetterOrDigit((char)b) && b != '-') return false;
            }
        }
        return true;
    }
}
