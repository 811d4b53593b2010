using System.Text;
using MimeKit;
using Protocols.Servers.Smtp;

namespace Protocols.Servers.MailUi;

/// <summary>An attachment of a captured message; its content is decoded on first use.</summary>
internal sealed class MailAttachment(string fileName, string contentType, MimeEntity entity)
{
    private byte[]? _content;

    public string FileName { get; } = fileName;

    public string ContentType { get; } = contentType;

    /// <summary>The decoded bytes (base64 / quoted-printable undone; a message/rfc822 attachment as written).</summary>
    public ReadOnlyMemory<byte> Content => _content ??= Decode(entity);

    private static byte[] Decode(MimeEntity entity)
    {
        using var output = new MemoryStream();
        try
        {
            switch (entity)
            {
                case MimePart { Content: { } content }: content.DecodeTo(output); break;
                case MessagePart { Message: { } message }: message.WriteTo(output); break;
            }
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            // A broken encoding: whatever decoded so far.
        }
        return output.ToArray();
    }
}

/// <summary>One MIME entity in the tree: its own header fields, type and encoding, and its children.</summary>
internal sealed record MailPart(string ContentType, string? TransferEncoding, string? FileName, IReadOnlyList<KeyValuePair<string, string>> Headers,
    IReadOnlyList<MailPart> Children);

/// <summary>
/// What the page shows of a message, made with MimeKit: decoded headers, the text and HTML bodies, attachments, the
/// part tree. Parsing never throws: a message MimeKit cannot parse, or one past <see cref="MailParser.MaxParsedSize"/>,
/// shows its header fields (when they parse) and its raw text.
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

    /// <summary>The Content-IDs of the message's parts (what <c>cid:</c> URLs in the HTML may refer to).</summary>
    public IReadOnlyList<string> ContentIds { get; init; } = [];

    /// <summary>The MIME tree, the message's top-level entity first; null for an unparsable message.</summary>
    public MailPart? Body { get; init; }

    public static MailView Parse(ReadOnlyMemory<byte> raw)
    {
        MimeMessage message;
        try
        {
            message = MailParser.Load(raw);
        }
        catch (Exception e) when (e is FormatException or MessageTooLargeToParseException)
        {
            return Unparsed(raw, e.Message);
        }
        return new MailView
        {
            Headers = Decoded(message.Headers),
            Subject = message.Subject,
            From = Addresses(message.From),
            To = Addresses(message.To),
            Cc = Addresses(message.Cc),
            Date = message.Headers[HeaderId.Date],
            // MimeKit decodes text with the platform's line ends; the page and API give LF on every OS.
            Text = message.TextBody?.ReplaceLineEndings("\n"),
            Html = message.HtmlBody?.ReplaceLineEndings("\n"),
            Attachments = [.. message.Attachments.Select((part, i) => new MailAttachment(
                FileNameOf(part) is { } name && !string.IsNullOrWhiteSpace(name) ? SafeFileName(name) : $"attachment-{i + 1}",
                part.ContentType.MimeType, part))],
            Body = message.Body is null ? null : Tree(message.Body, 0),
            ContentIds = Mail.Analysis.HtmlReport.ContentIdsOf(message),
        };
    }

    /// <summary>The summary fields from the header section alone (no MIME parse).</summary>
    public static MailView HeadersOnly(ReadOnlyMemory<byte> raw)
    {
        HeaderList headers;
        try
        {
            headers = MailParser.LoadHeaders(raw);
        }
        catch (FormatException)
        {
            return new MailView { Headers = [] };
        }
        return new MailView
        {
            Headers = Decoded(headers),
            Subject = headers[HeaderId.Subject],
            From = AddressHeader(headers, HeaderId.From),
            To = AddressHeader(headers, HeaderId.To),
            Cc = AddressHeader(headers, HeaderId.Cc),
            Date = headers[HeaderId.Date],
        };
    }

    private static MailView Unparsed(ReadOnlyMemory<byte> raw, string why)
    {
        var headers = HeadersOnly(raw);
        return new MailView
        {
            Headers = headers.Headers,
            Subject = headers.Subject ?? "(unparsable: " + why + ")",
            From = headers.From,
            To = headers.To,
            Cc = headers.Cc,
            Date = headers.Date,
            Text = Encoding.UTF8.GetString(raw.Span),
        };
    }

    private static IReadOnlyList<KeyValuePair<string, string>> Decoded(HeaderList headers) =>
        [.. headers.Select(h => new KeyValuePair<string, string>(h.Field, h.Value))];

    /// <summary>"Name &lt;address&gt;" (or the bare address), groups as "Name: members;", for display.</summary>
    private static string? Addresses(InternetAddressList list) => list.Count == 0 ? null : string.Join(", ", list.Select(Display));

    private static string Display(InternetAddress address) => address switch
    {
        MailboxAddress m => string.IsNullOrEmpty(m.Name) ? m.Address : $"{m.Name} <{m.Address}>",
        GroupAddress g => $"{g.Name}: {string.Join(", ", g.Members.Select(Display))};",
        _ => address.ToString(),
    };

    private static string? AddressHeader(HeaderList headers, HeaderId id)
    {
        if (headers[id] is null) return null;
        var raw = headers.First(h => h.Id == id).RawValue;
        return InternetAddressList.TryParse(raw, out var list) ? Addresses(list) : headers[id];
    }

    private static string? FileNameOf(MimeEntity entity) => entity switch
    {
        MimePart part => part.FileName,
        _ => entity.ContentDisposition?.FileName ?? entity.ContentType.Name,
    };

    /// <summary>Depth is bounded by the parser (<see cref="MailParser.MaxNestingDepth"/>); the guard is for the recursion.</summary>
    private static MailPart Tree(MimeEntity entity, int depth)
    {
        var children = depth >= MailParser.MaxNestingDepth ? [] : entity switch
        {
            Multipart multipart => [.. multipart.Select(child => Tree(child, depth + 1))],
            // The attached message's own header fields (From, Subject...) go with its top-level entity.
            MessagePart { Message: { Body: { } inner } attached } => new[] { Tree(inner, depth + 1) with { Headers = Decoded(attached.Headers) } },
            _ => Array.Empty<MailPart>(),
        };
        return new MailPart(entity.ContentType.MimeType, entity.Headers[HeaderId.ContentTransferEncoding]?.Trim(),
            FileNameOf(entity), Decoded(entity.Headers), children);
    }

    /// <summary>The last path segment of a name a sender chose, without control characters.</summary>
    private static string SafeFileName(string name)
    {
        var last = name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "attachment";
        var clean = new string([.. last.Where(c => !char.IsControl(c))]).Trim();
        return clean.Length == 0 || clean is "." or ".." ? "attachment" : clean;
    }
}
