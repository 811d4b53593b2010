using System.Buffers;
using System.Text;

namespace Protocols.Servers.Imap;

/// <summary>
/// Finds a BODY[section] in a message (RFC 9051 section 6.4.5): a byte range of the raw message, or, for
/// HEADER.FIELDS, the header lines it names. Part 1 of a message whose body is not multipart is that body.
/// </summary>
internal static class SectionLocator
{
    /// <summary>The range (start, length) of the raw message the section covers; false for a part that does not exist.</summary>
    public static bool TryLocate(MessageNode top, BodySection section, out long start, out long length)
    {
        start = length = 0;
        MessageNode message = top;
        PartNode? part = null;
        foreach (var number in section.Part)
        {
            if (part is not null)
            {
                // Going deeper: into a multipart's children, or into the message a message/rfc822 part holds.
                if (part.IsMultipart)
                {
                    if (number > part.Children.Count) return false;
                    part = part.Children[number - 1];
                    continue;
                }
                if (part.Embedded is null) return false;
                message = part.Embedded;
            }
            var body = message.Body;
            if (body.IsMultipart)
            {
                if (number > body.Children.Count) return false;
                part = body.Children[number - 1];
            }
            else
            {
                if (number != 1) return false;
                part = body;
            }
        }
        if (part is not null && section.Kind is SectionKind.Header or SectionKind.HeaderFields or SectionKind.HeaderFieldsNot or SectionKind.Text)
        {
            if (part.Embedded is null) return false;
            message = part.Embedded;
            part = null;
        }
        (start, var end) = (section.Kind, part) switch
        {
            (SectionKind.All, null) => (message.Begin, message.End),
            (SectionKind.All, { } p) => (p.HeadersEnd, p.End),
            (SectionKind.Mime, { } p) => (p.Begin, p.HeadersEnd),
            (SectionKind.Text, _) => (message.HeadersEnd, message.End),
            _ => (message.Begin, message.HeadersEnd),
        };
        length = Math.Max(0, end - start);
        return true;
    }

    /// <summary>The lines of a header block whose field names are (or, with <paramref name="not"/>, are not) in <paramref name="fields"/>, and the blank line.</summary>
    public static byte[] FilterHeader(ReadOnlySpan<byte> header, IReadOnlyCollection<string> fields, bool not)
    {
        var output = new ArrayBufferWriter<byte>(Math.Max(16, header.Length));
        var keep = false;
        while (header.Length > 0)
        {
            var lf = header.IndexOf((byte)'\n');
            var line = lf < 0 ? header : header[..(lf + 1)];
            header = lf < 0 ? default : header[(lf + 1)..];
            var content = line.TrimEnd("\r\n"u8);
            if (content.Length == 0) break;
            if (content[0] is not ((byte)' ' or (byte)'\t'))
            {
                var colon = content.IndexOf((byte)':');
                var name = colon <= 0 ? "" : Encoding.ASCII.GetString(content[..colon]).TrimEnd();
                keep = colon > 0 && fields.Contains(name, StringComparer.OrdinalIgnoreCase) != not;
            }
            if (keep)
            {
                output.Write(content);
                output.Write("\r\n"u8);
            }
        }
        output.Write("\r\n"u8);
        return output.WrittenSpan.ToArray();
    }
}
