using System.Buffers;
using Protocols.Net;

namespace Protocols.Http;

/// <summary>
/// A response body read straight from the connection's receive buffer. Subclasses frame it (Content-Length, chunked,
/// until close); this class copies out, counts, and reports the end once, with whether the connection may be reused.
/// </summary>
internal abstract class BodyStream : Stream
{
    private readonly PooledConnection _lease;

    protected BodyStream(PooledConnection lease)
    {
        Reader = lease.Connection.Reader;
        _lease = lease;
    }

    protected ConnectionReader Reader { get; }

    /// <summary>True once the whole body has been read.</summary>
    public bool IsEnded { get; private set; }

    /// <summary>Body bytes read so far (as sent, before decoding).</summary>
    public long BytesRead { get; private set; }

    /// <summary>Told the running count of body bytes (as sent).</summary>
    public IProgress<long>? Progress { get; set; }

    /// <summary>
    /// Returns how many body bytes can be taken from the start of <see cref="ConnectionReader.Buffered"/> now, waiting
    /// for some if needed; 0 at the end of the body (after calling <see cref="End"/>).
    /// </summary>
    protected abstract ValueTask<long> NextAsync(CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="count"/> of the bytes offered by <see cref="NextAsync"/> were taken.</summary>
    protected abstract void Advance(long count);

    protected void End(bool reusable)
    {
        if (IsEnded) return;
        IsEnded = true;
        _lease.EndOfBody(reusable && Reader.BufferedLength == 0);
    }

    /// <summary>Where in the body a close would cut it, for the error message (built only when it happens).</summary>
    protected virtual string WhereCut => "in the middle of the body";

    /// <summary>
    /// Before waiting for the rest of a small body that is on its way (a head sent apart from its body): waits for it
    /// on this thread when it comes quickly, as for the head (<see cref="Connection.WaitForReply"/>).
    /// </summary>
    protected void WaitForQuickRest(CancellationToken cancellationToken) => _lease.Connection.WaitForReply(cancellationToken);

    /// <summary>Waits for bytes, turning "the stream ended" into a typed truncation.</summary>
    protected ValueTask FillOrThrowAsync(CancellationToken cancellationToken) =>
        Reader.IsCompleted
            ? throw new HttpProtocolException(HttpError.Truncated, $"the connection closed {WhereCut}")
            : Reader.FillAsync(cancellationToken);

    private async ValueTask<long> SafeNextAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await NextAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IncompleteReadException e)
        {
            throw new HttpProtocolException(HttpError.Truncated, "the connection closed in the middle of the body", e);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (IsEnded || buffer.IsEmpty) return 0;
        var available = await SafeNextAsync(cancellationToken).ConfigureAwait(false);
        if (available == 0) return 0;
        var count = (int)Math.Min(available, buffer.Length);
        Reader.Buffered.Slice(0, count).CopyTo(buffer.Span);
        Take(count);
        return count;
    }

    /// <summary>Copies the rest of the body without an intermediate buffer: the receive buffer's segments go straight to the destination.</summary>
    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        while (!IsEnded)
        {
            var available = await SafeNextAsync(cancellationToken).ConfigureAwait(false);
            if (available == 0) break;
            var chunk = Reader.Buffered.Slice(0, available);
            foreach (var segment in chunk)
            {
                await destination.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
            }
            Take(available);
        }
    }

    /// <summary>Reads and drops the rest of the body if it is at most <paramref name="maxBytes"/>; true when the end was reached.</summary>
    public async ValueTask<bool> DrainAsync(long maxBytes, CancellationToken cancellationToken)
    {
        long dropped = 0;
        while (!IsEnded)
        {
            var available = await SafeNextAsync(cancellationToken).ConfigureAwait(false);
            if (available == 0) break;
            dropped += available;
            if (dropped > maxBytes) return false;
            Take(available);
        }
        return true;
    }

    private void Take(long count)
    {
        Reader.Consume(count);
        Advance(count);
        BytesRead += count;
        Progress?.Report(BytesRead);
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A body of Content-Length bytes.</summary>
internal sealed class ContentLengthBodyStream : BodyStream
{
    private long _remaining;

    public ContentLengthBodyStream(PooledConnection lease, long length) : base(lease)
    {
        _remaining = length;
        if (length == 0) End(reusable: true);
    }

    protected override async ValueTask<long> NextAsync(CancellationToken cancellationToken)
    {
        if (_remaining == 0)
        {
            End(reusable: true);
            return 0;
        }
        while (Reader.BufferedLength == 0)
        {
            if (_remaining <= QuickRestLength) WaitForQuickRest(cancellationToken);
            await FillOrThrowAsync(cancellationToken).ConfigureAwait(false);
        }
        return Math.Min(_remaining, Reader.BufferedLength);
    }

    // The rest of a body up to this size is waited for like a reply; a larger one (a download) waits asynchronously.
    private const long QuickRestLength = 64 * 1024;

    protected override string WhereCut => $"with {_remaining} bytes of the body still to come";

    protected override void Advance(long count)
    {
        _remaining -= count;
        if (_remaining == 0) End(reusable: true);
    }
}

/// <summary>A body that runs until the server closes the connection (no length, not chunked; RFC 9112 §6.3 rule 8).</summary>
internal sealed class CloseDelimitedBodyStream(PooledConnection lease) : BodyStream(lease)
{
    protected override async ValueTask<long> NextAsync(CancellationToken cancellationToken)
    {
        while (Reader.BufferedLength == 0)
        {
            if (Reader.IsCompleted)
            {
                End(reusable: false);
                return 0;
            }
            await Reader.FillAsync(cancellationToken).ConfigureAwait(false);
        }
        return Reader.BufferedLength;
    }

    protected override void Advance(long count) { }
}
