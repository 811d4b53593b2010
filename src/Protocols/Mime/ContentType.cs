using System.Text;

namespace Protocols.Mime;

/// <summary>A Content-Type value (RFC 2045 §5): media type, subtype and parameters.</summary>
public sealed class ContentType
{
    public ContentType(string mediaType, string mediaSubtype)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mediaType);
        ArgumentException.ThrowIfNullOrWhiteSpace(mediaSubtype);
        MediaType = mediaType.ToLowerInvariant();
        MediaSubtype = mediaSubtype.ToLowerInvariant();
    }

    /// <summary>"text" in text/plain.</summary>
    public string MediaType { get; }

    /// <summary>"plain" in text/plain.</summary>
    public string MediaSubtype { get; }

    /// <summary>"type/subtype", lower case.</summary>
    public string MimeType => MediaType + "/" + MediaSubtype;

    public ParameterList Parameters { get; private set; } = new();

    public string? Charset
    {
        get => Parameters["charset"];
        set => Parameters["charset"] = value;
    }

    public string? Boundary
    {
        get => Parameters["boundary"];
        set => Parameters["boundary"] = value;
    }

    public string? Name
    {
        get => Parameters["name"];
        set => Parameters["name"] = value;
    }

    public bool IsMultipart => MediaType == "multipart";

    public bool IsText => MediaType == "text";

    public bool Is(string mediaType, string mediaSubtype) =>
        string.Equals(MediaType, mediaType, StringComparison.OrdinalIgnoreCase) &&
        (mediaSubtype == "*" || string.Equals(MediaSubtype, mediaSubtype, StringComparison.OrdinalIgnoreCase));

    /// <summary>The default when there is no Content-Type (RFC 2045 §5.2): text/plain; charset=us-ascii.</summary>
    public static ContentType Default => new("text", "plain");

    /// <summary>Parses a header value; malformed media types become text/plain (RFC 2045 §5.2). Never throws.</summary>
    public static ContentType Parse(string? value)
    {
        if (value is null)
        {
            return Default;
        }

        var tokenizer = new HeaderTokenizer(value);
        tokenizer.SkipCfws();
        var type = tokenizer.ReadToken();
        tokenizer.SkipCfws();
        string subtype = string.Empty;
        if (tokenizer.TryConsume('/'))
        {
            tokenizer.SkipCfws();
            subtype = tokenizer.ReadToken();
        }

        var result = type.Length > 0 && subtype.Length > 0 ? new ContentType(type, subtype) : Default;
        result.Parameters = ParameterList.Parse(value, tokenizer.Position);
        return result;
    }

    /// <summary>The header value, unfolded.</summary>
    public override string ToString()
    {
        var output = new StringBuilder(MimeType);
        Parameters.AppendTo(output);
        return output.ToString();
    }
}
