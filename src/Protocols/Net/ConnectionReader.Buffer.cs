using System.Buffers;
using System.IO.Pipelines;

namespace Protocols.Net;

public sealed partial class ConnectionReader
{
    /// <summary>
    /// Copies <paramref name="count"/> bytes (or, when null, everything to the end of the stream) into
    /// <paramref name="destination"/> as they arrive, never holding more than one receive buffer. Returns the bytes copied.
    /// </summary>
    public ValueTask<long> CopyToAsync(Stream destination, long? count = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return CopyAsync(async (chunk, token) =>
        {
            foreach (var segment in chunk) await destination.WriteAsync(segment, token).ConfigureAwait(false);
        }, count, cancellationToken);
    }

    /// <summary>Copies like <see cref="CopyToAsync(Stream, long?, CancellationToken)"/> into a <see cref="PipeWriter"/>, flushing each chunk.</summary>
    public ValueTask<long> CopyToAsync(PipeWriter destination, long? count = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return CopyAsync(async (chunk, token) =>
        {
            foreach (var segment in chunk) destination.Write(segment.Span);
            var flush = await destination.FlushAsync(token).ConfigureAwait(false);
            if (flush.IsCompleted) throw new ConnectionClosedException("the destination stopped reading");
        }, count, cancellationToken);
    }

    /// <summary>The one copy loop: hands each buffered chunk to <paramref name="write"/>, refilling until done; a transfer for the bulk switch.</summary>
    private async ValueTask<long> CopyAsync(Func<ReadOnlySequence<byte>, CancellationToken, ValueTask> write, long? count, CancellationToken cancellationToken)
    {
        long copied = 0;
        BeginTransfer();
        try
        {
            while (count is null || copied < count)
            {
                if (_buffer.IsEmpty)
                {
                    if (_completed)
                    {
                        if (count is { } expected) throw new IncompleteReadException($"the stream ended after {copied} of {expected} expected bytes");
                        break;
                    }
                    await FillAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                var chunk = count is { } n && _buffer.Length > n - copied ? _buffer.Slice(0, n - copied) : _buffer;
                await write(chunk, cancellationToken).ConfigureAwait(false);
                copied += chunk.Length;
                Take(chunk.End);
            }
        }
        finally
        {
            EndTransfer();
        }
        return copied;
    }

    // Low-level access for parsers in this library (the dot-stuffed DATA reader, HTTP bodies).

    /// <summary>The received bytes not yet consumed; valid until the next fill.</summary>
    internal ReadOnlySequence<byte> Buffered => _buffer;

    /// <summary>Where consumed bytes are shown for the protocol log; null when the connection is not logged.</summary>
    internal ProtocolTap? Tap { get; set; }

    /// <summary>True when the transport completes waits on .NET's socket thread (<see cref="SocketThread"/>): a wait that happened then hops to the thread pool.</summary>
    internal bool CompletesInline { get; set; }

    /// <summary>True when the peer has finished sending (what is buffered is all there will be).</summary>
    internal bool IsCompleted => _completed;

    /// <summary>Marks the buffered bytes up to <paramref name="position"/> as read.</summary>
    internal void Consume(SequencePosition position) => Take(position);

    /// <summary>Marks <paramref name="count"/> buffered bytes as read.</summary>
    internal void Consume(long count)
    {
        if (Tap is { } tap) tap.Read(_buffer.Slice(0, count));
        _buffer = _buffer.Slice(count);
    }

    /// <summary>
    /// Releases what has been consumed and waits for more bytes than are buffered now (or for the end of the stream).
    /// Invalidates every slice handed out before.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    internal async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_completed) return;
        if (_holding)
        {
            _holding = false;
            _input.AdvanceTo(_buffer.Start, _buffer.End);
        }
        // Released: the unconsumed bytes come back with the next read, even if this one fails.
        var had = _buffer.Length;
        _buffer = default;
        ReadResult result;
        var token = _timer.Start(cancellationToken);
        try
        {
            var read = _input.ReadAsync(token);
            result = await (read.IsCompleted || !CompletesInline ? read : SocketThread.LeaveAsync(read)).ConfigureAwait(false);
        }
        catch (OperationCanceledException e)
        {
            throw _timer.Translate(e, cancellationToken, "reading");
        }
        finally
        {
            _timer.Stop();
        }
        if (result.IsCanceled) throw new OperationCanceledException("the read was cancelled");
        _buffer = result.Buffer;
        _holding = true;
        _completed = result.IsCompleted;
        if (_transferred >= 0) CountTransfer(_buffer.Length - had);
    }

    /// <summary>
    /// Before a TLS upgrade: reports how many plaintext bytes were waiting, dropping them, and leaves the old pipe
    /// reader at a clean position. What the reader already holds arrived with or before the upgrade command, so it
    /// can only be an injection. <paramref name="includeTransport"/> also drains what the transport holds: right only
    /// while the peer cannot yet send its handshake (before the server's go-ahead reply, or on the client side,
    /// where the server speaks second in TLS); after a server's go-ahead it would eat the peer's ClientHello.
    /// </summary>
    internal long ReleaseForUpgrade(bool includeTransport)
    {
        long pending = _buffer.Length;
        if (_holding)
        {
            _holding = false;
            _input.AdvanceTo(_buffer.End);
        }
        _buffer = default;
        if (includeTransport && !_completed && _input.TryRead(out var more))
        {
            pending += more.Buffer.Length;
            _input.AdvanceTo(more.Buffer.End);
        }
        return pending;
    }

    /// <summary>Switches to a new pipe reader (after a TLS upgrade).</summary>
    internal void Reset(PipeReader input)
    {
        _input = input;
        _buffer = default;
        _holding = false;
        _completed = false;
    }

    /// <summary>Releases the buffer and completes the pipe reader.</summary>
    internal void Complete()
    {
        if (_holding)
        {
            _holding = false;
            _input.AdvanceTo(_buffer.End);
        }
        _buffer = default;
        _input.Complete();
    }

    public void Dispose() => _timer.Dispose();
}
