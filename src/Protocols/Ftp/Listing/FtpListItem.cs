namespace Protocols.Ftp.Listing;

/// <summary>What a listing line names.</summary>
public enum FtpObjectType
{
    File,
    Directory,
    Link,
    /// <summary>A device, fifo, socket or anything else that is neither a file, a directory nor a link.</summary>
    Other,
}

/// <summary>One entry of a directory listing (LIST, MLSD) or an MLST reply.</summary>
public sealed record FtpListItem
{
    /// <summary>The name as sent by the server (for MLST the path it sent).</summary>
    public required string Name { get; init; }

    public required FtpObjectType Type { get; init; }

    /// <summary>Size in bytes, or -1 when the server did not say (device files, directories in MLSD without size).</summary>
    public long Size { get; init; } = -1;

    /// <summary>Last modification time. LIST gives minutes at best and usually no zone: read as UTC.</summary>
    public DateTimeOffset? Modified { get; init; }

    /// <summary>Where a symbolic link points (LIST <c>a -&gt; b</c>; MLSD <c>OS.unix=slink:b</c>).</summary>
    public string? LinkTarget { get; init; }

    /// <summary>The Unix mode string (<c>-rw-r--r--</c>) for LIST, the <c>perm</c> fact for MLSD.</summary>
    public string? Permissions { get; init; }

    public string? Owner { get; init; }
    public string? Group { get; init; }

    /// <summary>All MLSD/MLST facts, keys lower-cased; empty for LIST lines.</summary>
    public IReadOnlyDictionary<string, string> Facts { get; init; } = EmptyFacts;

    /// <summary>The line this item was parsed from.</summary>
    public string RawLine { get; init; } = "";

    internal static readonly IReadOnlyDictionary<string, string> EmptyFacts =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}
