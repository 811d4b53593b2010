namespace Protocols.Mime;

/// <summary>How a message is written.</summary>
public sealed class MimeWriteOptions
{
    /// <summary>Shared defaults. Do not modify.</summary>
    public static MimeWriteOptions Default { get; } = new();

    /// <summary>Write the Bcc header. Default false: blind copies stay blind (RFC 5322 §3.6.3).</summary>
    public bool IncludeBcc { get; init; }
}
