namespace Protocols.Lines;

/// <summary>Limits of the dot-stuffed data reader.</summary>
public sealed class DotReaderOptions
{
    /// <summary>Most unstuffed bytes stored; past it the reader keeps reading to the end marker but stores nothing more. Default: no limit.</summary>
    public long MaxSize { get; set; } = long.MaxValue;

    /// <summary>Longest text line, CRLF included, before <see cref="DotReadResult.LineTooLong"/> is set: 1000 (RFC 5321 §4.5.3.1.6).</summary>
    public int MaxLineLength { get; set; } = 1000;
}

/// <summary>What the dot-stuffed data reader saw.</summary>
public readonly record struct DotReadResult(long Size, bool TooLarge, long LongestLine, int BareLineFeeds, int BareCarriageReturns)
{
    /// <summary>True when some line was longer than the limit it was given.</summary>
    public bool LineTooLong { get; init; }

    /// <summary>True when the data held a CR or an LF that was not part of a CRLF pair (RFC 5321 §2.3.8 forbids them).</summary>
    public bool HasBareLineEnds => BareLineFeeds > 0 || BareCarriageReturns > 0;
}
