using System.Text;

namespace Protocols.Mime;

/// <summary>A Content-Disposition value (RFC 2183): inline or attachment, with a file name.</summary>
public sealed class ContentDisposition
{
    public const string Attachment = "attachment";
    public const string Inline = "inline";

    public ContentDisposition(string disposition = Attachment)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(disposition);
        Disposition = disposition.ToLowerInvariant();
    }

    public string Disposition { get; set; }

    public bool IsAttachment => string.Equals(Disposition, Attachment, StringComparison.OrdinalIgnoreCase);

    public ParameterList Parameters { get; private set; } = new();

    /// <summary>The file name (decoded; RFC 2231 on the wire when not plain ASCII).</summary>
    public string? FileName
    {
        get => Parameters["filename"];
        set => Parameters["filename"] = value;
    }

    /// <summary>Parses a header value. Never throws.</summary>
    public static ContentDisposition Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var tokenizer = new HeaderTokenizer(value);
        tokenizer.SkipCfws();
        var token = tokenizer.ReadToken();
        var result = new ContentDisposition(token.Length > 0 ? token : Attachment);
        result.Parameters = ParameterList.Parse(value, tokenizer.Position);
        return result;
    }

    public override string ToString()
    {
        var output = new StringBuilder(Disposition);
        Parameters.AppendTo(output);
        return output.ToString();
    }
}
