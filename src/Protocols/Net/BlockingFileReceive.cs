using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Protocols.Net;

/// <summary>
/// Receives a socket's bytes into a file on one thread until the peer closes: recv(2) into one large buffer and a write
/// to the file, waiting in poll(2) while nothing has arrived, as curl does. The receiving counterpart of
/// <see cref="BlockingFileSend"/>: .NET's asynchronous receive takes two wake-ups per read (its epoll thread, then a
/// thread-pool thread), and on a busy machine each waits for a core while the peer fills the socket buffer and stalls.
/// poll(2) reports the socket readable only once <see cref="WakeLowWater"/> bytes are there (SO_RCVLOWAT), or the peer
/// closed: without it each arriving segment woke the thread for what one recv takes (8,000-12,000 wake-ups per GiB
/// from vsftpd, each one also waking vsftpd to refill). Fewer bytes than that are still taken at each poll slice, so a
/// peer that pauses mid-file loses at most a slice, and the idle limit counts from the last byte taken. Linux only
/// (<see cref="IsSupported"/>).
/// </summary>
internal static class BlockingFileReceive
{
    /// <summary>How it ended: the peer closed (all received), the connection broke, nothing arrived for the timeout, cancelled, or the file write failed.</summary>
    public enum Outcome { Ended, Broken, TimedOut, Cancelled, WriteFailed }

    private const int PollSliceMilliseconds = 100; // how often a wait looks at the cancellation token and the clock

    /// <summary>The bytes that must have arrived before poll(2) wakes the thread (SO_RCVLOWAT); Linux grows the receive buffer to fit.</summary>
    internal const int WakeLowWater = 512 * 1024;

    public static bool IsSupported { get; } = OperatingSystem.IsLinux();

    /// <summary>
    /// Receives into <paramref name="file"/> (written at its position, which moves on) on a thread of its own, with a
    /// buffer of <paramref name="bufferSize"/> bytes, calling <paramref name="received"/> there after each
    /// <paramref name="chunk"/> bytes (and the last part). <paramref name="idleTimeout"/> bounds each wait for bytes.
    /// A failed write ends it with <see cref="Outcome.WriteFailed"/> and the exception.
    /// </summary>
    public static Task<(Outcome Outcome, Exception? WriteError)> ReceiveAsync(Socket socket, FileStream file, int bufferSize, int chunk, Action<int> received,
        TimeSpan idleTimeout, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Receive(socket.SafeHandle, file, bufferSize, chunk, received, idleTimeout, cancellationToken),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static (Outcome, Exception?) Receive(SafeSocketHandle socket, FileStream file, int bufferSize, int chunk, Action<int> received,
        TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        var socketRef = false;
        var unreported = 0;
        try
        {
            // Held until the end: an abort meanwhile shuts the socket down (the poll wakes, the recv fails) and the
            // descriptor is closed only once this releases it.
            socket.DangerousAddRef(ref socketRef);
            var fd = (int)socket.DangerousGetHandle();
            var idleLimit = idleTimeout == Timeout.InfiniteTimeSpan ? long.MaxValue : (long)idleTimeout.TotalMilliseconds;
            var lastTaken = Environment.TickCount64;
            // Best effort: without it the thread wakes for every segment, as before.
            var lowWater = WakeLowWater;
            SocketCalls.setsockopt(fd, SocketCalls.SolSocket, SocketCalls.SoReceiveLowWater, ref lowWater, sizeof(int));
            var buffer = GC.AllocateUninitializedArray<byte>(bufferSize, pinned: true);
            var address = Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0);
            while (true)
            {
                if (cancellationToken.IsCancellationRequested) return (Outcome.Cancelled, null);
                var n = (int)SocketCalls.recv(fd, address, (nuint)buffer.Length, 0);
                if (n > 0)
                {
                    try
                    {
                        file.Write(buffer, 0, n);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
                    {
                        return (Outcome.WriteFailed, e);
                    }
                    unreported += n;
                    lastTaken = Environment.TickCount64;
                    if (unreported >= chunk)
                    {
                        received(unreported);
                        unreported = 0;
                    }
                    continue;
                }
                if (n == 0) return (Outcome.Ended, null);
                var error = Marshal.GetLastPInvokeError();
                if (error == SocketCalls.Interrupted) continue;
                if (error != SocketCalls.WouldBlock) return (Outcome.Broken, null);
                if (Environment.TickCount64 - lastTaken >= idleLimit) return (Outcome.TimedOut, null);
                var wait = new SocketCalls.PollFd { Fd = fd, Events = SocketCalls.PollIn };
                if (SocketCalls.poll(ref wait, 1, PollSliceMilliseconds) < 0 && Marshal.GetLastPInvokeError() != SocketCalls.Interrupted) return (Outcome.Broken, null);
            }
        }
        finally
        {
            if (unreported > 0) received(unreported);
            if (socketRef) socket.DangerousRelease();
        }
    }
}
