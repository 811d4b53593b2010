using System.Text;
using Protocols.Mime;

namespace Protocols.Servers.MailUi;

/// <summary>An attachment of a captured message.</summary>
internal sealed record MailAttachment(string FileName, string ContentType, ReadOnlyMemory<byte> Content);

/// <summary>
/// What the page shows of a message: headers, the text and HTML bodies, attachments. Parsing never throws: a
/// message that cannot be parsed shows its raw text.
/// </summary>
internal sealed class MailView
{
    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }

    public string? Subject { get; init; }

    public string? From { get; init; }

    public string? To { get; init; }

    public string? Cc { get; init; }

    public string? Date { get; init; }

    public string? Text { get; init; }

    public string? Html { get; init; }

    public IReadOnlyList<MailAttachment> Attachments { get; init; } = [];

    public static MailView Parse(ReadOnlyMemory<byte> raw)
    {
        MimeMessage message;
        try
        {
            message = MimeParser.Parse(raw);
        }
        catch (MimeFormatException e)
        {
            // Over a parser limit: show the source as text rather than nothing.
            return new MailView { Headers = [], Subject = "(unparsable: " + e.Message + ")", Text = Encoding.UTF8.GetString(raw.Span) };
        }
        static string? Addresses(AddressList list) => list.Count == 0 ? null : list.ToString(allowUtf8: true);
        return new MailView
        {
            Headers = [.. message.Headers.Select(h => new KeyValuePair<string, string>(h.Name, h.DecodedValue))],
            Subject = message.Subject,
            From = Addresses(message.From),
            To = Addresses(message.To),
            Cc = Addresses(message.Cc),
            Date = message.Headers["Date"],
            Text = message.TextBody,
            Html = message.HtmlBody,
            Attachments = [.. message.Attachments.Select((part, i) => new MailAttachment(
                string.IsNullOrWhiteSpace(part.FileName) ? $"attachment-{i + 1}" : SafeFileName(part.FileName),
                part.ContentType.MimeType, part.Content))],
        };
    }

    /// <summary>The last path segment of a name a sender chose, without control characters.</summary>
    private static string SafeFileName(string name)
    {
        var last = name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "attachment";
        var clean = new string([.. last.Where(c => !char.IsControl(c))]).Trim();
        return clean.Length == 0 || clean is "." or ".." ? "attachment" : clean;
    }
}
