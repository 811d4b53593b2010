using System.Net.Sockets;

namespace Protocols.Net;

public sealed partial class Connection
{
    /// <summary>
    /// Sends a whole file: with sendfile(2) (the kernel copies from the page cache to the socket) when the connection
    /// is a plain socket, else through the writer in chunks. Returns the bytes sent.
    /// </summary>
    public async Task<long> SendFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (CanSendFile)
        {
            await Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
            var length = new FileInfo(path).Length;
            await _socket!.SendFileAsync(path, cancellationToken).ConfigureAwait(false);
            return length;
        }
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            long sent = 0;
            long n;
            while ((n = await SendFileChunkAsync(file, _options.ReceiveBufferSize, cancellationToken).ConfigureAwait(false)) > 0) sent += n;
            return sent;
        }
    }

    /// <summary>
    /// Sends the rest of <paramref name="file"/> from its position (and moves the position to its end), calling
    /// <paramref name="sent"/> after each <paramref name="chunk"/> bytes: on a plain socket on Linux on one thread that
    /// reads and sends, waiting in poll(2) while the socket is full (see <see cref="BlockingFileSend"/>; no wake-ups
    /// through the thread pool), else chunk by chunk through <see cref="SendFileChunkAsync"/>. Each wait for the peer
    /// to take more is bounded by <see cref="ConnectionWriter.WriteTimeout"/>; a timeout or a cancellation during a
    /// send resets the connection. Returns the bytes sent.
    /// </summary>
    public async Task<long> SendFileRestAsync(FileStream file, int chunk, Action<int>? sent = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        long total = 0;
        if (!BlockingFileSend.IsSupported || !CanSendFile || !file.CanSeek)
        {
            int n;
            while ((n = await SendFileChunkAsync(file, chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += n;
                sent?.Invoke(n);
            }
            return total;
        }
        var count = file.Length - file.Position;
        if (count <= 0) return 0;
        await Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        // The native descriptor must not block (the wait is poll's): .NET keeps it non-blocking once set so, and
        // emulates blocking calls on it when Blocking is set back.
        var blocking = _socket!.Blocking;
        _socket.Blocking = false;
        _socket.Blocking = blocking;
        var start = file.Position;
        var outcome = await BlockingFileSend.SendAsync(_socket, file.SafeFileHandle, start, count, chunk, n =>
        {
            total += n;
            sent?.Invoke(n);
        }, Writer.WriteTimeout, cancellationToken).ConfigureAwait(false);
        file.Position = start + total;
        switch (outcome)
        {
            case BlockingFileSend.Outcome.Sent:
                return total;
            case BlockingFileSend.Outcome.Cancelled:
                Abort();
                throw new OperationCanceledException(cancellationToken);
            case BlockingFileSend.Outcome.TimedOut:
                Abort();
                throw new TimeoutException($"writing timed out after {Writer.WriteTimeout.TotalSeconds:0.###} s");
            case BlockingFileSend.Outcome.FileEnded:
                Abort();
                throw new IOException("the file got shorter while it was being sent");
            default:
                cancellationToken.ThrowIfCancellationRequested();
                throw new ConnectionClosedException("the peer closed the connection while we were sending a file");
        }
    }

    /// <summary>True when file bytes can go to the peer by sendfile(2): a plain socket, no TLS.</summary>
    public bool CanSendFile => _socket is not null && _tls is null;

    /// <summary>
    /// Sends up to <paramref name="maxCount"/> bytes of <paramref name="file"/> from its position (and moves the
    /// position past them): by sendfile(2) on a plain socket, else read into the writer and drained. Returns the bytes
    /// sent, 0 at the end of the file. Bounded by <see cref="ConnectionWriter.WriteTimeout"/>; a timeout or a
    /// cancellation during a sendfile resets the connection (the kernel cannot take the bytes back).
    /// </summary>
    public async Task<int> SendFileChunkAsync(FileStream file, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        if (!CanSendFile || !file.CanSeek)
        {
            var memory = Writer.Buffer.GetMemory(Math.Min(maxCount, 1 << 20));
            var n = await file.ReadAsync(memory[..Math.Min(memory.Length, maxCount)], cancellationToken).ConfigureAwait(false);
            if (n == 0) return 0;
            Writer.Buffer.Advance(n);
            await Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
            return n;
        }
        var count = (int)Math.Min(maxCount, file.Length - file.Position);
        if (count <= 0) return 0;
        await Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (Writer.WriteTimeout != Timeout.InfiniteTimeSpan) timeout.CancelAfter(Writer.WriteTimeout);
        using var args = new SocketAsyncEventArgs { SendPacketsElements = [new SendPacketsElement(file, file.Position, count)] };
        var done = new TaskCompletionSource<SocketError>(TaskCreationOptions.RunContinuationsAsynchronously);
        args.Completed += (_, e) => done.TrySetResult(e.SocketError);
        SocketError result;
        await using (timeout.Token.UnsafeRegister(static state => ((Connection)state!).Abort(), this).ConfigureAwait(false))
        {
            if (!_socket!.SendPacketsAsync(args)) done.TrySetResult(args.SocketError);
            result = await done.Task.ConfigureAwait(false);
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (timeout.IsCancellationRequested) throw new TimeoutException($"writing timed out after {Writer.WriteTimeout.TotalSeconds:0.###} s");
        if (result != SocketError.Success) throw new ConnectionClosedException("the peer closed the connection while we were sending a file", new SocketException((int)result));
        file.Position += count;
        return count;
    }
}
