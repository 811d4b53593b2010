using System.Buffers;

namespace Protocols.Servers.Smtp;

/// <summary>
/// A write-only stream that collects one message in pooled 64 KiB chunks (no large-object-heap churn, no copy on
/// growth), up to a limit past which it counts but stops storing. <see cref="ToArray"/> makes the one exact copy
/// the message keeps.
/// </summary>
internal sealed class MessageBuffer : Stream
{
    private const int ChunkSize = 64 * 1024;
    private readonly List<byte[]> _chunks = [];
    private int _lastUsed = ChunkSize;
    private long _stored;

    /// <summary>Bytes stored beyond this are counted, not kept.</summary>
    public long Limit { get; set; } = long.MaxValue;

    /// <summary>Bytes written, kept or not.</summary>
    public long Written { get; private set; }

    /// <summary>Whether more than <see cref="Limit"/> bytes were written.</summary>
    public bool Overflowed => Written > Limit;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException(); }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Written += buffer.Length;
        if (Written > Limit)
        {
            Release();
            return;
        }
        while (!buffer.IsEmpty)
        {
            if (_lastUsed == ChunkSize)
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

    /// <summary>The stored bytes as one exact array.</summary>
    public byte[] ToArray()
    {
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
    }

    private void Release()
    {
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
