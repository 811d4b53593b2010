namespace Protocols.Servers.Smtp;

/// <summary>A read-only, seekable stream over a message held in several blocks (<see cref="MessageContent"/>): what
/// <see cref="MessageContent.OpenRead"/> gives for one, so a reader never needs the blocks joined.</summary>
internal sealed class SegmentStream(ReadOnlyMemory<byte>[] segments, long length) : Stream
{
    private long _position;
    private int _segment; // the block holding _position (or segments.Length at the end)
    private int _offset;  // _position within it

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
            _segment = 0;
            var rest = value;
            while (_segment < segments.Length && rest >= segments[_segment].Length)
            {
                rest -= segments[_segment].Length;
                _segment++;
            }
            _offset = (int)Math.Min(rest, int.MaxValue);
        }
    }

    public override int Read(Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length && _segment < segments.Length)
        {
            var source = segments[_segment].Span[_offset..];
            var n = Math.Min(source.Length, buffer.Length - read);
            source[..n].CopyTo(buffer[read..]);
            read += n;
            _offset += n;
            if (_offset == segments[_segment].Length)
            {
                _segment++;
                _offset = 0;
            }
        }
        _position += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<int>(cancellationToken) : new(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        while (_segment < segments.Length)
        {
            var source = segments[_segment][_offset..];
            await destination.WriteAsync(source, cancellationToken).ConfigureAwait(false);
            _position += source.Length;
            _segment++;
            _offset = 0;
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
