using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Protocols.Servers.Smtp;

/// <summary>
/// A write-only stream that collects one message in pooled 64 KiB chunks (no large-object-heap churn, no copy on
/// growth), up to a limit past which it counts but stops storing. Past <see cref="SpoolThreshold"/> it moves what it
/// has to a spool file in <see cref="SpoolDirectory"/> and writes the rest there through one chunk, so a message of
/// any size costs at most the threshold plus 64 KiB of memory. <see cref="TakeContent"/> hands the message over: the
/// spool file, or the one exact copy the message keeps; when the client declared the size (MAIL FROM SIZE=,
/// <see cref="Expect"/>) the bytes go straight into the array the message keeps, with no copy at the end.
/// </summary>
internal sealed class MessageBuffer : Stream
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>Largest declared size written into one array from the start (a larger or lying SIZE= gets chunks).</summary>
    public const int MaxExpected = 4 * 1024 * 1024;

    private readonly List<byte[]> _chunks = [];
    private byte[]? _whole;
    private int _lastUsed = ChunkSize;
    private long _stored;
    private SafeFileHandle? _file;
    private string? _filePath;
    private long _fileLength;

    /// <summary>Bytes stored beyond this are counted, not kept.</summary>
    public long Limit { get; set; } = long.MaxValue;

    /// <summary>Bytes written, kept or not.</summary>
    public long Written { get; private set; }

    /// <summary>Whether more than <see cref="Limit"/> bytes were written.</summary>
    public bool Overflowed => Written > Limit;

    /// <summary>Stored bytes past which the message goes to a file in <see cref="SpoolDirectory"/>. Default: never.</summary>
    public long SpoolThreshold { get; set; } = long.MaxValue;

    /// <summary>Where spool files go; null keeps every message in memory.</summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>Whether the spool file could not be written (disk full, no permission): the message was dropped and the
    /// rest of it is counted, not kept; the server answers 451.</summary>
    public bool SpoolFailed { get; private set; }

    /// <summary>Whether the spool failed because its disk is full (or over quota): the server answers 452 4.3.1.</summary>
    public bool SpoolFull { get; private set; }

    /// <summary>Whether the bytes so far are in a spool file.</summary>
    public bool IsSpooling => _file is not null;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException(); }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Written += buffer.Length;
        if (Written > Limit || SpoolFailed)
        {
            Release();
            return;
        }
        if (_whole is not null)
        {
            if (_stored + buffer.Length <= _whole.Length)
            {
                buffer.CopyTo(_whole.AsSpan((int)_stored));
                _stored += buffer.Length;
                return;
            }
            SpillWhole(); // more than declared: on in chunks
        }
        try
        {
            Append(buffer);
            if (_file is null && _stored > SpoolThreshold && SpoolDirectory is not null) StartSpool();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Release();
            SpoolFailed = true;
            SpoolFull = StorageFullException.IsFull(e);
        }
    }

    /// <summary>Creates the spool file, writes every chunk to it, and keeps one chunk as the file's write buffer.</summary>
    private void StartSpool()
    {
        (_filePath, _file) = MessageSpool.Create(SpoolDirectory!);
        var parts = new ReadOnlyMemory<byte>[_chunks.Count];
        for (var i = 0; i < _chunks.Count; i++) parts[i] = _chunks[i].AsMemory(0, i == _chunks.Count - 1 ? _lastUsed : ChunkSize);
        RandomAccess.Write(_file, parts, 0);
        _fileLength = _stored;
        for (var i = 1; i < _chunks.Count; i++) ArrayPool<byte>.Shared.Return(_chunks[i]);
        _chunks.RemoveRange(1, _chunks.Count - 1);
        _lastUsed = 0;
    }

    /// <summary>Writes the spool's buffer chunk to the file and empties it.</summary>
    private void FlushChunk()
    {
        RandomAccess.Write(_file!, _chunks[0].AsSpan(0, _lastUsed), _fileLength);
        _fileLength += _lastUsed;
        _lastUsed = 0;
    }

    private void Append(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            if (_lastUsed == ChunkSize && _file is not null) FlushChunk();
            else if (_lastUsed == ChunkSize)
            {
                _chunks.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
                _lastUsed = 0;
            }
            var target = _chunks[^1].AsSpan(_lastUsed, ChunkSize - _lastUsed);
            var n = Math.Min(target.Length, buffer.Length);
            buffer[..n].CopyTo(target);
            buffer = buffer[n..];
            _lastUsed += n;
            _stored += n;
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>Writes the next message into one array of <paramref name="declared"/> bytes (the client's SIZE=),
    /// when it is small enough and within <see cref="Limit"/>; call on an empty buffer.</summary>
    public void Expect(long declared)
    {
        if (declared is <= 0 or > MaxExpected || declared > Limit || declared > SpoolThreshold || Written != 0) return;
        _whole = GC.AllocateUninitializedArray<byte>((int)declared);
    }

    /// <summary>The message for the store: its spool file (then the buffer lets go of it: the content deletes it when
    /// released), else the bytes in memory (<see cref="TakeMessage"/>).</summary>
    public MessageContent TakeContent()
    {
        if (_file is null) return MessageContent.FromMemory(TakeMessage());
        if (_lastUsed > 0) FlushChunk();
        _file.Dispose();
        var content = MessageContent.FromSpool(_filePath!, _fileLength);
        _file = null;
        _filePath = null;
        Release();
        return content;
    }

    /// <summary>
    /// The stored bytes, for the message to keep: the declared-size array itself when they went there and fill most
    /// of it (then the buffer lets go of it), else one exact copy.
    /// </summary>
    public ReadOnlyMemory<byte> TakeMessage()
    {
        if (_whole is { } whole && _stored >= whole.Length / 2)
        {
            _whole = null;
            return whole.AsMemory(0, (int)_stored);
        }
        return ToArray();
    }

    private void SpillWhole()
    {
        var whole = _whole!;
        var stored = (int)_stored;
        _whole = null;
        _stored = 0;
        Append(whole.AsSpan(0, stored));
    }

    /// <summary>The stored bytes as one exact array.</summary>
    public byte[] ToArray()
    {
        if (_file is not null) throw new InvalidOperationException("the message is spooled to a file: use TakeContent");
        if (_whole is not null) return _whole.AsSpan(0, (int)_stored).ToArray();
        var result = GC.AllocateUninitializedArray<byte>(checked((int)_stored));
        var offset = 0;
        for (var i = 0; i < _chunks.Count; i++)
        {
            var n = i == _chunks.Count - 1 ? _lastUsed : ChunkSize;
            _chunks[i].AsSpan(0, n).CopyTo(result.AsSpan(offset));
            offset += n;
        }
        return result;
    }

    /// <summary>Empties the buffer for the next message and returns its chunks to the pool.</summary>
    public void Reset()
    {
        Release();
        Written = 0;
        Limit = long.MaxValue;
        SpoolFailed = false;
        SpoolFull = false;
    }

    private void Release()
    {
        if (_file is not null)
        {
            _file.Dispose();
            _file = null;
            MessageSpool.Delete(_filePath!);
            _filePath = null;
            _fileLength = 0;
        }
        _whole = null;
        foreach (var chunk in _chunks) ArrayPool<byte>.Shared.Return(chunk);
        _chunks.Clear();
        _lastUsed = ChunkSize;
        _stored = 0;
    }

    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) Release();
        base.Dispose(disposing);
    }
}
