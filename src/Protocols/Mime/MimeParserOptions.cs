namespace Protocols.Mime;

/// <summary>Limits for <see cref="MimeParser"/>; going over one throws <see cref="MimeFormatException"/>.</summary>
public sealed class MimeParserOptions
{
    /// <summary>Shared defaults. Do not modify.</summary>
    public static MimeParserOptions Default { get; } = new();

    /// <summary>
    /// Header fields per entity. Default 1,000: generous for real mail (long Received chains stay under 100), bounded
    /// so a flood of headers cannot cost unbounded memory.
    /// </summary>
    public int MaxHeaderCount { get; init; } = 1000;

    /// <summary>
    /// Octets in one physical header line, line end excluded. Default 16,384: RFC 5322 §2.1.1 allows 998, but real
    /// mail goes over it (unfolded DKIM and List headers); this keeps a bound.
    /// </summary>
    public int MaxHeaderLineLength { get; init; } = 16384;

    /// <summary>How deep multiparts and message/rfc822 parts may nest. Default 100 (postfix mime_nesting_limit).</summary>
    public int MaxNestingDepth { get; init; } = 100;

    /// <summary>MIME entities in one message, the message itself included. Default 10,000.</summary>
    public int MaxParts { get; init; } = 10000;

    /// <summary>
    /// Octets <see cref="MimeMessage.LoadAsync(Stream, MimeParserOptions?, CancellationToken)"/> reads from a stream.
    /// Default 64 MiB (above common submission limits: postfix 10 MB, Gmail 25 MB before encoding).
    /// </summary>
    public long MaxMessageSize { get; init; } = 64L * 1024 * 1024;
}
