using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;

namespace Protocols.Net;

public sealed partial class Connection
{
    /// <summary>
    /// A plain TCP connection for one bulk transfer: connect(2) blocks on a worker thread (bounded by
    /// <see cref="ConnectionOptions.ConnectTimeout"/> through SO_SNDTIMEO, which Linux applies to a blocking connect), so
    /// the socket stays out of .NET's socket event loop (epoll) until something reads or writes it asynchronously. A
    /// transfer on a thread of its own (<see cref="SendFileRestAsync"/>, <see cref="ReceiveToFileAsync"/>) then wakes no
    /// event-loop and thread-pool thread each time the socket turns readable or writable (hundreds to thousands of
    /// times per GiB on loopback). Elsewhere than Linux it is <see cref="ConnectAsync"/>.
    /// </summary>
    public static async Task<Connection> ConnectForTransferAsync(IPAddress address, int port, ConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        options ??= ConnectionOptions.Default;
        if (!OperatingSystem.IsLinux() || options.Tls is not null) return await ConnectAsync(address.ToString(), port, options, cancellationToken).ConfigureAwait(false);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        return new Connection(await ConnectOutsideEventLoopAsync(address, port, options, cancellationToken).ConfigureAwait(false), options);
    }

    /// <summary>
    /// connect(2) blocking on a worker thread, bounded by <see cref="ConnectionOptions.ConnectTimeout"/> (SO_SNDTIMEO,
    /// which Linux applies to a blocking connect; expiry is a <see cref="TimeoutException"/>); a cancel closes the
    /// socket, which wakes the connect. The socket stays out of .NET's event loop until something waits on it asynchronously.
    /// </summary>
    private static async Task<Socket> ConnectOutsideEventLoopAsync(IPAddress address, int port, ConnectionOptions options, CancellationToken cancellationToken)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (options.ConnectTimeout != Timeout.InfiniteTimeSpan) socket.SendTimeout = (int)Math.Max(1, options.ConnectTimeout.TotalMilliseconds);
            await using (cancellationToken.UnsafeRegister(static s => ((Socket)s!).Dispose(), socket).ConfigureAwait(false))
            {
                await Task.Factory.StartNew(() => socket.Connect(address, port), CancellationToken.None, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default)
                    .ConfigureAwait(false);
            }
            socket.SendTimeout = 0;
            return socket;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            if (e is SocketException { SocketErrorCode: SocketError.InProgress or SocketError.WouldBlock or SocketError.TimedOut })
                throw new TimeoutException($"connecting to {address}:{port} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s", e);
            throw;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Receives everything the peer sends until it closes into <paramref name="file"/> at its position, calling
    /// <paramref name="received"/> after each <paramref name="chunk"/> bytes: on a plain socket on Linux on one thread
    /// that receives into a <see cref="ConnectionOptions.ReceiveBufferSize"/> buffer and writes (see
    /// <see cref="BlockingFileReceive"/>), else through the reader. Call it before anything else reads this connection
    /// (bytes the reader already holds go first). Each wait is bounded by <see cref="ConnectionReader.ReadTimeout"/>
    /// (<see cref="TimeoutException"/>); a cancellation resets the connection; a broken connection is a
    /// <see cref="ConnectionClosedException"/>; a failed file write is thrown as it is. Returns the bytes received.
    /// </summary>
    public async Task<long> ReceiveToFileAsync(FileStream file, int chunk, Action<int>? received = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        long total = 0;
        void Count(int n)
        {
            total += n;
            received?.Invoke(n);
        }
        while (!Reader.Buffered.IsEmpty || !CanSendFile || !BlockingFileReceive.IsSupported)
        {
            if (Reader.Buffered.IsEmpty)
            {
                if (Reader.IsCompleted) return total;
                try
                {
                    await Reader.FillAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (IOException e) when (e is not ConnectionClosedException)
                {
                    throw new ConnectionClosedException(e.Message, e);
                }
                continue;
            }
            var buffered = Reader.Buffered;
            foreach (var segment in buffered) await file.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
            Reader.Consume(buffered.End);
            Count((int)buffered.Length);
            if (Reader.IsCompleted) return total;
        }
        // The native descriptor must not block (the wait is poll's), as in SendFileRestAsync.
        var blocking = _socket!.Blocking;
        _socket.Blocking = false;
        _socket.Blocking = blocking;
        var (outcome, writeError) = await BlockingFileReceive.ReceiveAsync(_socket, file, _options.ReceiveBufferSize, chunk, Count, Reader.ReadTimeout, cancellationToken)
            .ConfigureAwait(false);
        switch (outcome)
        {
            case BlockingFileReceive.Outcome.Ended:
                return total;
            case BlockingFileReceive.Outcome.Cancelled:
                Abort();
                throw new OperationCanceledException(cancellationToken);
            case BlockingFileReceive.Outcome.TimedOut:
                Abort();
                throw new TimeoutException($"reading timed out after {Reader.ReadTimeout.TotalSeconds:0.###} s");
            case BlockingFileReceive.Outcome.WriteFailed:
                Abort();
                ExceptionDispatchInfo.Throw(writeError!);
                return total;
            default:
                cancellationToken.ThrowIfCancellationRequested();
                throw new ConnectionClosedException("the connection broke while we were receiving a file");
        }
    }
}
