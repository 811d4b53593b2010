using Protocols.Servers.FileSystem;

namespace Protocols.Servers.Smtp;

/// <summary>
/// The bytes of one received message: in memory (up to <see cref="SmtpServerLimits.SpoolThreshold"/>), or in a spool
/// file the session wrote while the message arrived. Read it with <see cref="OpenRead"/> (a stream either way; bounded
/// memory) or <see cref="Memory"/> (the whole message as one block: free in memory, loaded from the file on first use
/// for a spooled one). The session releases it after the store returns: a spool file the store did not take
/// (<see cref="TryMoveTo"/>) is deleted then, so a store or hook that keeps the message past
/// <see cref="IMessageStore.SaveAsync"/> must read what it needs (or <see cref="Memory"/>) before returning.
/// </summary>
public sealed class MessageContent
{
    private readonly object _gate = new();
    private ReadOnlyMemory<byte> _memory;
    private string? _path;
    private bool _loaded;
    private bool _owned;
    private bool _released;

    private MessageContent(ReadOnlyMemory<byte> memory)
    {
        _memory = memory;
        _loaded = true;
        Length = memory.Length;
    }

    private MessageContent(string path, long length)
    {
        _path = path;
        _owned = true;
        Length = length;
    }

    /// <summary>Bytes already in memory.</summary>
    public static MessageContent FromMemory(ReadOnlyMemory<byte> bytes) => new(bytes);

    /// <summary>A spool file of <paramref name="length"/> bytes, owned: deleted on <see cref="Release"/> unless moved.</summary>
    internal static MessageContent FromSpool(string path, long length) => new(path, length);

    /// <summary>Size in octets.</summary>
    public long Length { get; }

    /// <summary>Whether the bytes are in a file (the message was larger than the spool threshold).</summary>
    public bool IsSpooled => _path is not null;

    /// <summary>Whether this content still owns a spool file (deleted on <see cref="Release"/>): no store took it.</summary>
    internal bool OwnsFile { get { lock (_gate) return _owned && !_released; } }

    /// <summary>The spool file (or where the store moved it), or null in memory.</summary>
    public string? FilePath { get { lock (_gate) return _path; } }

    /// <summary>The whole message as one block. For a spooled message this reads the file into memory on first use
    /// and keeps it (prefer <see cref="OpenRead"/>); throws <see cref="InvalidOperationException"/> when the spool file
    /// was released before anyone read it.</summary>
    public ReadOnlyMemory<byte> Memory
    {
        get
        {
            lock (_gate)
            {
                if (_loaded) return _memory;
                if (_released && _owned) throw Gone();
                _memory = File.ReadAllBytes(_path!);
                _loaded = true;
                return _memory;
            }
        }
    }

    /// <summary>A read-only stream over the bytes (a file stream for a spooled message, nothing loaded).</summary>
    public Stream OpenRead()
    {
        lock (_gate)
        {
            if (_loaded) return Open(_memory);
            if (_released && _owned) throw Gone();
            return new FileStream(_path!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
        }
    }

    /// <summary>
    /// For a store keeping messages as files: moves the spool file to <paramref name="destination"/> (same file system:
    /// a rename, so the bytes are not written twice), flushing it first when <paramref name="durable"/> and then the
    /// destination's directory. False when the bytes are not in a spool file this content still owns (write them
    /// instead). Throws <see cref="IOException"/> when <paramref name="destination"/> exists.
    /// </summary>
    public bool TryMoveTo(string destination, bool durable)
    {
        ArgumentNullException.ThrowIfNull(destination);
        lock (_gate)
        {
            if (_path is null || !_owned || _released) return false;
            if (durable)
            {
                using var handle = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite);
                RandomAccess.FlushToDisk(handle);
            }
            File.Move(_path, destination, overwrite: false);
            _path = destination;
            _owned = false;
            if (durable) DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(destination))!);
            return true;
        }
    }

    /// <summary>Deletes the spool file unless a store took it; memory content is untouched. Called by the session once the
    /// store and hooks are done with the message.</summary>
    public void Release()
    {
        lock (_gate)
        {
            if (_released) return;
            _released = true;
            if (_owned && _path is not null) MessageSpool.Delete(_path);
        }
    }

    private static MemoryStream Open(ReadOnlyMemory<byte> bytes) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);

    private static InvalidOperationException Gone() =>
        new("the message was spooled to a file, released when its store returned; read it (OpenRead or Memory) inside SaveAsync");
}
