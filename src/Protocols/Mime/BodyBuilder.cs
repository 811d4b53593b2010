using System.Collections.ObjectModel;
using System.Security.Cryptography;

namespace Protocols.Mime;

/// <summary>
/// Builds a body: text and/or HTML (multipart/alternative), inline resources for the HTML (multipart/related with
/// Content-ID), attachments (multipart/mixed).
/// </summary>
public sealed class BodyBuilder
{
    public string? TextBody { get; set; }

    public string? HtmlBody { get; set; }

    /// <summary>Write text parts as 8bit when the lines allow it (the message then needs 8BITMIME).</summary>
    public bool Allow8BitText { get; set; }

    public AttachmentCollection Attachments { get; } = new(inline: false);

    /// <summary>Resources the HTML refers to by "cid:" URLs (images, style sheets).</summary>
    public AttachmentCollection LinkedResources { get; } = new(inline: true);

    /// <summary>The body entity for <see cref="MimeMessage.Body"/>.</summary>
    public MimeEntity ToMessageBody()
    {
        MimeEntity? text = TextBody is null ? null : CreateText(TextBody, "plain");
        MimeEntity? html = HtmlBody is null ? null : CreateText(HtmlBody, "html");
        if (html is not null && LinkedResources.Count > 0)
        {
            var related = new Multipart("related") { html };
            related.ContentType.Parameters["type"] = "text/html";
            foreach (var resource in LinkedResources)
            {
                related.Add(resource);
            }

            html = related;
        }

        MimeEntity? body = (text, html) switch
        {
            (not null, not null) => new Multipart("alternative") { text, html },
            (not null, null) => text,
            (null, not null) => html,
            _ => null,
        };

        if (Attachments.Count == 0)
        {
            return body ?? CreateText(string.Empty, "plain");
        }

        var mixed = new Multipart("mixed");
        if (body is not null)
        {
            mixed.Add(body);
        }

        foreach (var attachment in Attachments)
        {
            mixed.Add(attachment);
        }

        return mixed;
    }

    private MimePart CreateText(string text, string subtype)
    {
        var part = MimePart.CreateText(text, subtype);
        if (Allow8BitText)
        {
            part.ContentTransferEncoding = ContentEncoding.EightBit;
        }

        return part;
    }
}

/// <summary>Attachments or linked resources of a <see cref="BodyBuilder"/>.</summary>
public sealed class AttachmentCollection : Collection<MimeEntity>
{
    private readonly bool inline;

    internal AttachmentCollection(bool inline)
    {
        this.inline = inline;
    }

    /// <summary>Adds a file's content; the content type comes from the extension unless given.</summary>
    public MimePart Add(string fileName, ReadOnlyMemory<byte> data, ContentType? contentType = null)
    {
        var part = MimePart.CreateAttachment(fileName, data, contentType, inline);
        if (inline)
        {
            part.ContentId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + "@" + "inline";
        }

        Add(part);
        return part;
    }

    /// <summary>Adds a file from disk.</summary>
    public async Task<MimePart> AddFileAsync(string path, ContentType? contentType = null, CancellationToken cancellationToken = default)
    {
        var data = await File.ReadAllBytesAsync(path, cancellationToken);
        return Add(Path.GetFileName(path), data, contentType);
    }

    /// <summary>Attaches a message as message/rfc822.</summary>
    public MessagePart Add(MimeMessage message)
    {
        var part = new MessagePart(message) { ContentDisposition = new ContentDisposition(inline ? ContentDisposition.Inline : ContentDisposition.Attachment) };
        Add(part);
        return part;
    }
}
