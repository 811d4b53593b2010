namespace Protocols.Mime;

/// <summary>A node of the MIME tree: a leaf <see cref="MimePart"/>, a <see cref="Multipart"/> or a <see cref="MessagePart"/>.</summary>
public abstract class MimeEntity
{
    private string? contentTypeSnapshot;
    private string? dispositionSnapshot;

    protected MimeEntity(ContentType contentType)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        ContentType = contentType;
    }

    /// <summary>This entity's header fields (Content-* and any others).</summary>
    public HeaderList Headers { get; } = new();

    public ContentType ContentType { get; set; }

    public ContentDisposition? ContentDisposition { get; set; }

    /// <summary>The Content-ID without angle brackets, or null.</summary>
    public string? ContentId
    {
        get => Headers["Content-ID"]?.Trim().TrimStart('<').TrimEnd('>');
        set => Headers["Content-ID"] = value is null ? null : "<" + value.Trim().TrimStart('<').TrimEnd('>') + ">";
    }

    /// <summary>True when Content-Disposition says attachment.</summary>
    public bool IsAttachment => ContentDisposition?.IsAttachment == true;

    /// <summary>The file name from Content-Disposition, else from the Content-Type name parameter.</summary>
    public string? FileName => ContentDisposition?.FileName ?? ContentType.Name;

    /// <summary>Sets entity state from its parsed headers.</summary>
    internal void LoadHeaders()
    {
        var type = Headers.Find("Content-Type");
        if (type is not null)
        {
            ContentType = ContentType.Parse(type.Value);
            contentTypeSnapshot = ContentType.ToString();
        }

        var disposition = Headers.Find("Content-Disposition");
        if (disposition is not null)
        {
            ContentDisposition = ContentDisposition.Parse(disposition.Value);
            dispositionSnapshot = ContentDisposition.ToString();
        }

        OnHeadersLoaded();
    }

    private protected virtual void OnHeadersLoaded()
    {
    }

    /// <summary>Brings the Content-* headers in line with the properties before a write.</summary>
    internal virtual void SyncHeaders()
    {
        var type = ContentType.ToString();
        if (type != contentTypeSnapshot || !Headers.Contains("Content-Type"))
        {
            Headers["Content-Type"] = type;
            contentTypeSnapshot = type;
        }

        if (ContentDisposition is null)
        {
            if (dispositionSnapshot is not null)
            {
                Headers.Remove("Content-Disposition");
                dispositionSnapshot = null;
            }
        }
        else
        {
            var disposition = ContentDisposition.ToString();
            if (disposition != dispositionSnapshot || !Headers.Contains("Content-Disposition"))
            {
                Headers["Content-Disposition"] = disposition;
                dispositionSnapshot = disposition;
            }
        }
    }

    /// <summary>This entity and every entity below it, depth first.</summary>
    public virtual IEnumerable<MimeEntity> Descendants()
    {
        yield return this;
    }
}
