using System.Text;

namespace Protocols.Mime;

/// <summary>A leaf part: text, an attachment, an inline image. <see cref="Content"/> is the decoded content.</summary>
public class MimePart : MimeEntity
{
    private ReadOnlyMemory<byte> content;
    private bool decoded = true;
    private string? encodingSnapshot;
    private ContentEncoding parsedEncoding;

    public MimePart(ContentType contentType)
        : base(contentType)
    {
    }

    public MimePart(string mediaType, string mediaSubtype)
        : base(new ContentType(mediaType, mediaSubtype))
    {
    }

    /// <summary>The decoded content. Setting it replaces what was parsed.</summary>
    public ReadOnlyMemory<byte> Content
    {
        get
        {
            if (!decoded)
            {
                content = ContentTransferEncoding switch
                {
                    ContentEncoding.Base64 => Base64Codec.DecodeToMemory(EncodedContent.Span),
                    ContentEncoding.QuotedPrintable => QuotedPrintableCodec.Decode(EncodedContent.Span),
                    _ => EncodedContent,
                };
                decoded = true;
            }

            return content;
        }

        set
        {
            content = value;
            decoded = true;
            EncodedContent = default;
            HasEncodedContent = false;
        }
    }

    /// <summary>
    /// The transfer encoding. For a parsed part, the one it came in; for a new part, <see cref="ContentEncoding.Default"/>
    /// (chosen on write) unless set.
    /// </summary>
    public ContentEncoding ContentTransferEncoding { get; set; }

    /// <summary>The content as it was on the wire (parsed parts only).</summary>
    public ReadOnlyMemory<byte> EncodedContent { get; private set; }

    /// <summary>True while the part holds the encoded bytes it was parsed from.</summary>
    public bool HasEncodedContent { get; private set; }

    /// <summary>A text part (text/plain by default) in UTF-8 with CRLF line ends.</summary>
    public static MimePart CreateText(string text, string subtype = "plain")
    {
        ArgumentNullException.ThrowIfNull(text);
        var part = new MimePart("text", subtype);
        part.ContentType.Charset = "utf-8";
        part.Content = Encoding.UTF8.GetBytes(NormalizeLineEnds(text));
        return part;
    }

    /// <summary>An attachment with a file name; the content type comes from the extension unless given.</summary>
    public static MimePart CreateAttachment(string fileName, ReadOnlyMemory<byte> data, ContentType? contentType = null, bool inline = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        var part = new MimePart(contentType ?? MimeTypes.FromFileName(fileName))
        {
            ContentDisposition = new ContentDisposition(inline ? ContentDisposition.Inline : ContentDisposition.Attachment) { FileName = fileName },
            Content = data,
        };
        part.ContentType.Name = fileName;
        return part;
    }

    /// <summary>The content as text, decoded with the part's charset (fallbacks for missing or unknown ones).</summary>
    public string GetText() => Charsets.Decode(Content.Span, ContentType.Charset);

    /// <summary>True for text/* parts.</summary>
    public bool IsText => ContentType.IsText;

    internal void SetEncodedContent(ReadOnlyMemory<byte> encoded)
    {
        EncodedContent = encoded;
        HasEncodedContent = true;
        decoded = false;
    }

    private protected override void OnHeadersLoaded()
    {
        var value = Headers["Content-Transfer-Encoding"];
        ContentTransferEncoding = ContentEncodings.Parse(value);
        parsedEncoding = ContentTransferEncoding;
        encodingSnapshot = value;
    }

    /// <summary>Whether the parsed bytes can go back on the wire as they are (CRLF-normalized).</summary>
    internal bool CanWriteEncodedContent()
    {
        if (!HasEncodedContent || ContentTransferEncoding != parsedEncoding || Headers["Content-Transfer-Encoding"] != encodingSnapshot)
        {
            return false;
        }

        var stats = ContentEncodings.Analyze(EncodedContent.Span);
        return stats.MaxLineLength <= ContentEncodings.MaxLineLength && !stats.HasBareCr && !stats.HasNul;
    }

    /// <summary>The encoding this part will be written with.</summary>
    internal ContentEncoding GetWriteEncoding()
    {
        if (CanWriteEncodedContent())
        {
            return ContentTransferEncoding;
        }

        return ContentEncodings.Choose(Content.Span, IsText || ContentType.Is("message", "*"), ContentTransferEncoding);
    }

    internal override void SyncHeaders()
    {
        base.SyncHeaders();
        if (CanWriteEncodedContent())
        {
            return;
        }

        var encoding = GetWriteEncoding();
        var value = ContentEncodings.ToHeaderValue(encoding);
        if (encoding == ContentEncoding.SevenBit && !Headers.Contains("Content-Transfer-Encoding"))
        {
            return;
        }

        Headers["Content-Transfer-Encoding"] = value;
        encodingSnapshot = value;
    }

    /// <summary>CRLF, bare CR and bare LF all become CRLF (only those: other Unicode line separators are text).</summary>
    internal static string NormalizeLineEnds(string text) =>
        text.AsSpan().IndexOfAny('\r', '\n') < 0
            ? text
            : text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Replace("\n", "\r\n", StringComparison.Ordinal);
}
