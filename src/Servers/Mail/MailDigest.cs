using System.Text;
using System.Text.RegularExpressions;
using Protocols.Mime;

namespace Protocols.Servers.Mail;

/// <summary>
/// What the store keeps of a message besides its bytes, made once at append (on the appending thread, so parsing
/// runs in parallel with other sessions): the summary fields and the text the full-text index gets.
/// </summary>
internal sealed partial record MailDigest(string? From, string? To, string? Cc, string? Subject, string? Date, bool HasHtml,
    int AttachmentCount, string Addresses, string Text)
{
    /// <summary>Most characters of body text indexed per message (the rest is stored, not searchable).</summary>
    public const int MaxIndexedText = 64 * 1024;

    public static MailDigest Create(ReadOnlyMemory<byte> raw, string envelopeFrom, IReadOnlyList<string> envelopeTo)
    {
        var envelope = envelopeFrom + " " + string.Join(' ', envelopeTo);
        MimeMessage message;
        try
        {
            message = MimeParser.Parse(raw);
        }
        catch (MimeFormatException e)
        {
            // Over a parser limit: keep it, searchable by envelope and by the first of its text.
            var head = Encoding.UTF8.GetString(raw.Span[..Math.Min(raw.Length, MaxIndexedText)]);
            return new MailDigest(null, null, null, "(unparsable: " + e.Message + ")", null, false, 0, envelope, head);
        }
        static string? Addresses(AddressList list) => list.Count == 0 ? null : list.ToString(allowUtf8: true);
        var from = Addresses(message.From);
        var to = Addresses(message.To);
        var cc = Addresses(message.Cc);
        var html = message.HtmlBody;
        var text = message.TextBody ?? (html is null ? null : Tags().Replace(html, " "));
        if (text is { Length: > MaxIndexedText }) text = text[..MaxIndexedText];
        return new MailDigest(from, to, cc, message.Subject, message.Headers["Date"], html is not null, message.Attachments.Count(),
            string.Join(' ', envelope, from, to, cc), text ?? "");
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();
}
