using System.Text;

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
        var text = Encoding.UTF8.GetString(raw.Span);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headerText = split < 0 ? text : text[..split];
        var body = split < 0 ? "" : text[(split + 4)..];
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in headerText.Split("\r\n"))
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && headers.Count > 0)
            {
                headers[^1] = new(headers[^1].Key, headers[^1].Value + " " + line.Trim());
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }
        string? Get(string name) => headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
        var isHtml = Get("Content-Type")?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true;
        return new MailView
        {
            Headers = headers,
            Subject = Get("Subject"),
            From = Get("From"),
            To = Get("To"),
            Cc = Get("Cc"),
            Date = Get("Date"),
            Text = isHtml ? null : body,
            Html = isHtml ? body : null,
        };
    }
}
