using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Protocols.Servers.Http;

/// <summary>
/// What a response needs to know about a file: size, time, validators and type as ready header values, and for a
/// small file its bytes. Entries are checked against a fresh stat of the opened file on every request and rebuilt
/// when the size or time changed. <see cref="Path"/> is the real path (for the type and the cache key), never opened by.
/// </summary>
internal sealed class FileEntry
{
    private FileEntry(string path, long length, DateTime lastWriteUtc, byte[]? content)
    {
        Path = path;
        Length = length;
        LastWriteUtc = lastWriteUtc;
        Content = content;
        var seconds = new DateTimeOffset(lastWriteUtc).ToUnixTimeSeconds();
        // nginx's form: "hex(mtime)-hex(size)"; ticks keep sub-second changes apart.
        ETagText = string.Create(CultureInfo.InvariantCulture, $"\"{lastWriteUtc.Ticks:x}-{length:x}\"");
        ETag = ETagText;
        WeakETag = "W/" + ETagText;
        LastModifiedDate = DateTimeOffset.FromUnixTimeSeconds(seconds);
        LastModified = LastModifiedDate.ToString("r", CultureInfo.InvariantCulture);
        var type = ContentTypes.ForPath(path);
        ContentType = type;
        Compressible = ContentTypes.IsCompressible(type);
    }

    public string Path { get; }

    public long Length { get; }

    public DateTime LastWriteUtc { get; }

    /// <summary>The whole file for small files; null for large ones (sent from disk).</summary>
    public byte[]? Content { get; }

    public string ETagText { get; }

    public StringValues ETag { get; }

    public StringValues WeakETag { get; }

    public DateTimeOffset LastModifiedDate { get; }

    public StringValues LastModified { get; }

    public StringValues ContentType { get; }

    public bool Compressible { get; }

    /// <summary>A cache of entries keyed by real path.</summary>
    internal sealed class Cache(int smallFileBytes)
    {
        private const int MaxEntries = 4096;
        private readonly ConcurrentDictionary<string, FileEntry> _entries = new(StringComparer.Ordinal);

        /// <summary>The entry for an open regular file (its status read through the open entry), cached by real path.</summary>
        public async ValueTask<FileEntry> GetAsync(Protocols.Servers.FileSystem.OpenedEntry opened, HttpContext context)
        {
            var realPath = opened.RealPath;
            var length = opened.Length;
            var time = opened.LastWriteTimeUtc;
            if (_entries.TryGetValue(realPath, out var entry) && entry.Length == length && entry.LastWriteUtc == time)
                return entry;
            byte[]? content = null;
            if (length <= smallFileBytes)
            {
                content = await TryReadWholeAsync(opened, length, context.RequestAborted).ConfigureAwait(false);
                // Changed while read: serve from disk this time, cache nothing.
                if (content is null) return new FileEntry(realPath, length, time, null);
            }
            entry = new FileEntry(realPath, length, time, content);
            if (_entries.Count >= MaxEntries) _entries.Clear();
            _entries[realPath] = entry;
            return entry;
        }

        private static async Task<byte[]?> TryReadWholeAsync(Protocols.Servers.FileSystem.OpenedEntry opened, long length, CancellationToken cancellationToken)
        {
            try
            {
                var stream = opened.OpenRead(1);
                await using var _ = stream.ConfigureAwait(false);
                if (stream.Length != length) return null;
                var buffer = new byte[length];
                await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
                return stream.Length == length ? buffer : null;
            }
            catch (EndOfStreamException)
            {
                return null;
            }
        }
    }
}
