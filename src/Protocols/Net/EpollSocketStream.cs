using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Protocols.Net;

/// <summary>
/// An accepted TCP socket as a <see cref="Stream"/> on an <see cref="EpollLoop"/>, in raw calls: recv(2) into the
/// caller's buffer (the connection's pipe), send(2) out of it, no <see cref="Socket"/> object. Readiness comes from
/// the loop's edges: a read is tried only after an edge it has not seen yet, and a read that filled less than its
/// buffer counts as having drained the socket (the next bytes bring a new edge), so a command costs one recv, not a
/// recv that finds nothing before each wait. A send is always tried first and waits only when the socket's buffer is
/// full. <see cref="ShutdownSend"/> asks for the FIN (sent before the next read or by the close, nothing when the peer
/// has quit), <see cref="Reset"/> closes with a reset, disposing closes. One reader and one writer at a time, as for any stream; either may run on any thread.
/// A bulk transfer (<see cref="IBulkTransport.SetBulk"/>, the reader's switch) takes the connection off the loop: its
/// waits then complete on the thread pool and its receives are <see cref="ReceiveMemory.BulkSize"/>, so one loop thread
/// does not unstuff every session's 1 MiB message while the other cores idle; at the transfer's end it comes back.
/// </summary>
internal sealed class EpollSocketStream : Stream, IEpollEntry, IBulkTransport
{
    // A/B switches for the measurements of branch bigdata2 (docs/performance.md); both on unless said.
    private static readonly (bool OffLoop, bool Receives) s_bulk = BulkSwitch.Parse(Environment.GetEnvironmentVariable("PROTOCOLS_BULK"));

    private readonly EpollLoop _loop;
    private readonly DescriptorHandle _handle;
    private readonly int _fd;
    private readonly EpollWait _readWait = new(), _writeWait = new();
    private int _readEdges, _writeEdges; // bumped by the loop at each edge
    private int _readSeen; // the read edge count at the last recv that found the socket drained
    private volatile bool _peerDone; // the peer has sent FIN (a read returned 0) or reset
    private volatile bool _finPending; // ShutdownSend was asked: sent at the next read, or by the close itself
    private volatile bool _offLoop; // a bulk transfer runs: waits complete on the thread pool
    private volatile bool _peerClosing; // the loop saw the peer's FIN or a reset: no more edges will come, read to the end
    private int _closed;

    private EpollSocketStream(EpollLoop loop, int fd)
    {
        _loop = loop;
        _fd = fd;
        _handle = new DescriptorHandle(fd);
    }

    /// <summary>Takes over <paramref name="fd"/> (non-blocking) and registers it on <paramref name="loop"/>; null (the descriptor closed) when epoll refuses it.</summary>
    public static EpollSocketStream? Register(EpollLoop loop, int fd)
    {
        var stream = new EpollSocketStream(loop, fd);
        if (loop.TryAdd(stream, SocketCalls.EpollIn | SocketCalls.EpollOut | SocketCalls.EpollRdHup | SocketCalls.EpollEt, out _)) return stream;
        stream._handle.Dispose();
        return null;
    }

    int IEpollEntry.Descriptor => _fd;

    internal bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>The receive buffers of the connection's pipe over this stream (their size follows the bulk switch); set by the connection.</summary>
    internal ReceiveMemory? ReceiveMemory { get; set; }

    /// <summary>Whether waits may complete on the loop's thread: the process runs the event loop (<see cref="EpollLoop.InlineCompletions"/>); a test may set it.</summary>
    internal bool LoopCompletions { get; set; } = EpollLoop.InlineCompletions;

    /// <summary>True when the next wait completes on the loop's thread (<see cref="LoopCompletions"/> and no bulk transfer running).</summary>
    internal bool CompletesOnLoop => LoopCompletions && !_offLoop;

    /// <summary>True while a bulk transfer keeps this connection off the loop.</summary>
    internal bool IsOffLoop => _offLoop;

    /// <summary>
    /// Called by the reader only (the one that arms the read wait), so the switch never races a wait: a wait armed
    /// before it completes as it was armed (on the loop or the pool: either is correct, only the thread differs), the
    /// next ones follow the switch. The pipe's next buffer takes the bulk size.
    /// </summary>
    void IBulkTransport.SetBulk(bool on)
    {
        _offLoop = on && s_bulk.OffLoop;
        if (ReceiveMemory is { } memory) memory.Bulk = on && s_bulk.Receives;
    }

    /// <summary>The descriptor (for a test that looks at it).</summary>
    internal int Descriptor => _fd;

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    void IEpollEntry.OnEvents(uint events)
    {
        const uint broken = SocketCalls.EpollErr | SocketCalls.EpollHup;
        if ((events & (SocketCalls.EpollIn | SocketCalls.EpollRdHup | broken)) != 0)
        {
            // Before the count moves (a full fence), so a reader that sees this edge sees the flag too.
            if ((events & (SocketCalls.EpollRdHup | broken)) != 0) _peerClosing = true;
            Interlocked.Increment(ref _readEdges);
            _readWait.Complete();
        }
        if ((events & (SocketCalls.EpollOut | broken)) != 0)
        {
            Interlocked.Increment(ref _writeEdges);
            _writeWait.Complete();
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return ValueTask.FromResult(0);
        if (_finPending) SendFin(); // the peer may be waiting for our FIN before it closes
        var edges = Volatile.Read(ref _readEdges);
        if (edges != _readSeen && TryReceive(buffer.Span, edges, out var read)) return ValueTask.FromResult(read);
        return ReadAfterWaitAsync(buffer, cancellationToken);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadAfterWaitAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            await _readWait.WaitAsync(this, ref _readEdges, _readSeen, cancellationToken).ConfigureAwait(false);
            var edges = Volatile.Read(ref _readEdges);
            if (TryReceive(buffer.Span, edges, out var read)) return read;
        }
    }

    // One recv; false when the socket had nothing (then _readSeen says which edge that was as of).
    private bool TryReceive(Span<byte> buffer, int edges, out int read)
    {
        while (true)
        {
            nint n;
            var added = Enter();
            try
            {
                n = SocketCalls.Receive(_fd, ref MemoryMarshal.GetReference(buffer), (nuint)buffer.Length, 0);
            }
            finally
            {
                if (added) _handle.DangerousRelease();
            }
            if (n > 0)
            {
                // Drained: wait for the next edge before reading again; unless the peer has closed, whose FIN or reset
                // may have come with the same edge as these bytes: then the next recv returns the end (0) or the error.
                if (n < buffer.Length && !_peerClosing) _readSeen = edges;
                read = (int)n;
                return true;
            }
            if (n == 0)
            {
                _peerDone = true;
                read = 0;
                return true;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == SocketCalls.Interrupted) continue;
            if (errno == SocketCalls.WouldBlock)
            {
                _readSeen = edges;
                read = 0;
                return false;
            }
            if (errno == SocketCalls.ConnectionReset) _peerDone = true;
            throw Failure("reading", errno);
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var edges = Volatile.Read(ref _writeEdges);
            var sent = TrySend(buffer.Span);
            if (sent < 0) return WriteAfterWaitAsync(buffer, edges, cancellationToken);
            buffer = buffer[sent..];
        }
        return ValueTask.CompletedTask;
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteAfterWaitAsync(ReadOnlyMemory<byte> buffer, int edges, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            await _writeWait.WaitAsync(this, ref _writeEdges, edges, cancellationToken).ConfigureAwait(false);
            while (!buffer.IsEmpty)
            {
                edges = Volatile.Read(ref _writeEdges);
                var sent = TrySend(buffer.Span);
                if (sent < 0) break;
                buffer = buffer[sent..];
            }
        }
    }

    // One send; the count sent, or -1 when the socket's buffer is full.
    private int TrySend(ReadOnlySpan<byte> buffer)
    {
        while (true)
        {
            nint n;
            var added = Enter();
            try
            {
                n = SocketCalls.Send(_fd, ref MemoryMarshal.GetReference(buffer), (nuint)buffer.Length, SocketCalls.NoSignal);
            }
            finally
            {
                if (added) _handle.DangerousRelease();
            }
            if (n >= 0) return (int)n;
            var errno = Marshal.GetLastPInvokeError();
            if (errno == SocketCalls.Interrupted) continue;
            if (errno == SocketCalls.WouldBlock) return -1;
            if (errno is SocketCalls.ConnectionReset or SocketCalls.BrokenPipe) _peerDone = true;
            throw Failure("writing", errno);
        }
    }

    // Holds the descriptor open for a call (a close meanwhile waits for it); DangerousRelease after.
    private bool Enter()
    {
        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            return added;
        }
        catch (ObjectDisposedException e)
        {
            throw new ConnectionClosedException("the connection is closed", e);
        }
    }

    private static IOException Failure(string what, int errno)
    {
        var error = errno switch
        {
            SocketCalls.ConnectionReset => SocketError.ConnectionReset,
            SocketCalls.BrokenPipe => SocketError.Shutdown,
            SocketCalls.NotConnected => SocketError.NotConnected,
            SocketCalls.ConnectionAborted => SocketError.ConnectionAborted,
            110 => SocketError.TimedOut, // ETIMEDOUT
            _ => SocketError.SocketError,
        };
        var socket = new SocketException((int)error);
        return new IOException($"{what} failed: {socket.Message} (errno {errno})", socket);
    }

    /// <summary>
    /// Sends FIN: at once if a read follows (the peer may wait for it), else with the close, which sends it anyway
    /// (shutdown(2) then close(2) put the same packets on the wire as close(2) alone). Nothing when the peer has quit.
    /// </summary>
    public void ShutdownSend()
    {
        if (!_peerDone && !IsClosed) _finPending = true;
    }

    private void SendFin()
    {
        _finPending = false;
        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            SocketCalls.shutdown(_fd, SocketCalls.ShutdownWrite); // ENOTCONN: the peer reset meanwhile, nothing to send
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile: the close sent what there was to send.
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    /// <summary>Closes with a reset (SO_LINGER 0): nothing more is sent, the peer sees ECONNRESET.</summary>
    public void Reset()
    {
        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            var off = 1L; // struct linger { l_onoff = 1, l_linger = 0 }
            SocketCalls.setsockopt(_fd, SocketCalls.SolSocket, SocketCalls.SoLinger, ref off, sizeof(long));
        }
        catch (ObjectDisposedException)
        {
            return; // already closed
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
        Dispose();
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        _loop.Forget(this); // the kernel drops the registration with the descriptor; its number may be reused at once
        var closed = new ConnectionClosedException("the connection is closed");
        _readWait.Complete(closed);
        _writeWait.Complete(closed);
        _handle.Dispose();
        base.Dispose(disposing);
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>The descriptor, closed when the last call that holds it ends.</summary>
    private sealed class DescriptorHandle : SafeHandle
    {
        public DescriptorHandle(int fd)
            : base(-1, ownsHandle: true) => SetHandle(fd);

        public override bool IsInvalid => handle < 0;

        protected override bool ReleaseHandle() => SocketCalls.close((int)handle) == 0;
    }
}
