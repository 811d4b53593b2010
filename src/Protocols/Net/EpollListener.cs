using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Protocols.Net;

/// <summary>
/// A listening socket on an <see cref="EpollLoop"/> (level-triggered): at each wake-up it accepts with accept4(2)
/// (non-blocking and close-on-exec in the same call: no fcntl after) until the backlog is empty or
/// <see cref="MaxAcceptsPerWake"/> are taken (the rest wake it again), registers each socket on the loop and hands it
/// to <c>accepted</c> as an <see cref="EpollSocketStream"/> with its two ends, on the loop's thread with the event loop
/// (so the session's greeting is sent before the next accept) or on the thread pool without. Accepted sockets inherit
/// TCP_NODELAY from the listening socket. A failed accept for want of descriptors or memory pauses the listener for
/// <see cref="PauseAfterFailure"/> (the backlog waits meanwhile) and is reported to <c>failed</c>.
/// </summary>
internal sealed class EpollListener : IEpollEntry, IDisposable
{
    public const int MaxAcceptsPerWake = 64;
    public static readonly TimeSpan PauseAfterFailure = TimeSpan.FromMilliseconds(10);

    private readonly Socket _socket;
    private readonly int _fd;
    private readonly EpollLoop _loop;
    private readonly Action<EpollSocketStream, EndPoint, EndPoint> _accepted;
    private readonly Action<SocketError> _failed;
    private readonly IPEndPoint _local;
    private readonly bool _localIsFixed;
    private readonly byte[] _address = new byte[128];
    private int _stopped;

    private EpollListener(Socket socket, Action<EpollSocketStream, EndPoint, EndPoint> accepted, Action<SocketError> failed)
    {
        _socket = socket;
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        _loop = EpollLoop.Next();
        _accepted = accepted;
        _failed = failed;
        _local = (IPEndPoint)socket.LocalEndPoint!;
        // Bound to one address, every accepted socket's own end is that address: no getsockname per connection.
        _localIsFixed = !_local.Address.Equals(IPAddress.Any) && !_local.Address.Equals(IPAddress.IPv6Any);
    }

    /// <summary>
    /// Starts accepting on <paramref name="socket"/> (bound and listening; it stays the caller's to dispose, after
    /// <see cref="Dispose"/>). Sets TCP_NODELAY on it for the sockets it accepts.
    /// </summary>
    public static EpollListener Start(Socket socket, Action<EpollSocketStream, EndPoint, EndPoint> accepted, Action<SocketError> failed)
    {
        socket.Blocking = false;
        socket.NoDelay = true; // inherited by accepted sockets on Linux
        var listener = new EpollListener(socket, accepted, failed);
        listener.Arm();
        return listener;
    }

    int IEpollEntry.Descriptor => _fd;

    private void Arm()
    {
        if (Volatile.Read(ref _stopped) != 0) return;
        if (!_loop.TryAdd(this, SocketCalls.EpollIn, out var error))
            throw new SocketException(error == 12 ? (int)SocketError.NoBufferSpaceAvailable : (int)SocketError.SocketError);
    }

    void IEpollEntry.OnEvents(uint events)
    {
        var added = false;
        try
        {
            _socket.SafeHandle.DangerousAddRef(ref added);
            AcceptSome();
        }
        catch (ObjectDisposedException)
        {
            // Stopped: the listening socket is gone.
        }
        finally
        {
            if (added) _socket.SafeHandle.DangerousRelease();
        }
    }

    private void AcceptSome()
    {
        for (var i = 0; i < MaxAcceptsPerWake && Volatile.Read(ref _stopped) == 0; i++)
        {
            var length = _address.Length;
            var fd = SocketCalls.accept4(_fd, ref _address[0], ref length, SocketCalls.NonBlockingCloseOnExec);
            if (fd < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == SocketCalls.WouldBlock) return;
                if (errno is SocketCalls.Interrupted or SocketCalls.ConnectionAborted or 71 /* EPROTO */) continue;
                Pause(errno);
                return;
            }
            var remote = Parse(_address.AsSpan(0, length)) ?? (EndPoint)_local;
            EndPoint local = _localIsFixed ? _local : LocalOf(fd) ?? _local;
            var stream = EpollSocketStream.Register(_loop, fd);
            if (stream is null) continue; // the kernel would not watch it: closed, the client sees a reset
            if (EpollLoop.InlineCompletions) _accepted(stream, local, remote);
            else ThreadPool.UnsafeQueueUserWorkItem(static s => s.Listener._accepted(s.Stream, s.Local, s.Remote), (Listener: this, Stream: stream, Local: local, Remote: remote), preferLocal: false);
        }
    }

    // Out of descriptors or memory: leave the backlog alone for a breath (level-triggered, it would wake us at once).
    private void Pause(int errno)
    {
        _loop.Remove(this);
        _failed(errno switch
        {
            24 or 23 => SocketError.TooManyOpenSockets, // EMFILE, ENFILE
            105 or 12 => SocketError.NoBufferSpaceAvailable, // ENOBUFS, ENOMEM
            _ => SocketError.SocketError,
        });
        _ = Task.Delay(PauseAfterFailure).ContinueWith(static (_, state) => ((EpollListener)state!).Resume(), this, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Resume()
    {
        try
        {
            Arm();
        }
        catch (SocketException e)
        {
            Pause(e.ErrorCode);
        }
    }

    private static IPEndPoint? LocalOf(int fd)
    {
        Span<byte> address = stackalloc byte[128];
        var length = address.Length;
        return SocketCalls.getsockname(fd, ref MemoryMarshal.GetReference(address), ref length) == 0 ? Parse(address[..length]) : null;
    }

    /// <summary>A sockaddr_in or sockaddr_in6 as an endpoint (the port in network order); null for another family.</summary>
    internal static IPEndPoint? Parse(ReadOnlySpan<byte> address)
    {
        if (address.Length < 2) return null;
        var family = BinaryPrimitives.ReadUInt16LittleEndian(address);
        if (family == 2 && address.Length >= 8) // AF_INET
            return new IPEndPoint(new IPAddress(address.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(address[2..]));
        if (family == 10 && address.Length >= 28) // AF_INET6
            return new IPEndPoint(new IPAddress(address.Slice(8, 16), BinaryPrimitives.ReadUInt32LittleEndian(address[24..])), BinaryPrimitives.ReadUInt16BigEndian(address[2..]));
        return null;
    }

    /// <summary>Stops accepting (the caller then disposes the listening socket); connections already accepted go on.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        _loop.Remove(this);
    }
}
