using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Protocols.Net;

/// <summary>
/// Sends a whole range of a file to a socket on one thread: pread into a 256 KiB buffer and send(2), waiting in poll(2)
/// while the socket's buffer is full, as curl does. .NET's asynchronous send takes two wake-ups per full buffer (its
/// epoll thread, then a thread-pool thread) and a chunked loop two more per chunk; on a busy machine each waits for a
/// core while the peer drains the buffer and idles. Copies rather than sendfile(2): to vsftpd on this machine
/// sendfile was the slower of the two (1 GiB, five interleaved runs at load 5-6: median 1.34 s with sendfile, 1.16 s
/// copying, curl 1.02 s; Python's socket calls showed the same). At most <see cref="UnsentLowWater"/> bytes wait
/// unsent in the socket (TCP_NOTSENT_LOWAT): a peer that reads slower than we send keeps its receive window nearly
/// closed, and unsent bytes go out when its window update arrives, in whichever thread processes that update, which on
/// loopback is the reader's own (vsftpd transmitted 99.5% of our data segments, with the socket's default of
/// megabytes unsent). With little left unsent, our thread is woken and transmits them itself: the reader, the slower
/// side, does less per byte: 1 GiB to vsftpd 8-11% faster in quiet minutes. On cores busy with other work the extra
/// wake-ups can cost more than that (see docs/performance.md, ftpup2). Linux only (<see cref="IsSupported"/>).
/// </summary>
internal static class BlockingFileSend
{
    /// <summary>How it ended: all sent, the peer gone (or the connection aborted meanwhile), nothing taken for the timeout, cancelled, or the file shorter than the range.</summary>
    public enum Outcome { Sent, Broken, TimedOut, Cancelled, FileEnded }

    private const int NoSignal = 0x4000; // MSG_NOSIGNAL
    private const int CopyBufferSize = 256 * 1024; // 1 GiB into vsftpd: 0.50-0.62 s of CPU; with 64 KiB (curl's) 0.63-0.73 s
    private const int PollSliceMilliseconds = 100; // how often a wait looks at the cancellation token and the clock

    /// <summary>The most bytes left unsent in the socket (TCP_NOTSENT_LOWAT); poll(2) reports room when fewer than half remain.</summary>
    internal const int UnsentLowWater = 128 * 1024;

    public static bool IsSupported { get; } = OperatingSystem.IsLinux();

    /// <summary>
    /// Sends <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="offset"/> on a thread of
    /// its own, calling <paramref name="sent"/> there after each <paramref name="chunk"/> bytes (and the last part).
    /// <paramref name="idleTimeout"/> bounds each wait for the socket to take more.
    /// </summary>
    public static Task<Outcome> SendAsync(Socket socket, SafeFileHandle file, long offset, long count, int chunk, Action<int> sent,
        TimeSpan idleTimeout, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Send(socket.SafeHandle, file, offset, count, chunk, sent, idleTimeout, cancellationToken),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static Outcome Send(SafeSocketHandle socket, SafeFileHandle file, long offset, long count, int chunk, Action<int> sent,
        TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        bool socketRef = false, fileRef = false;
        try
        {
            // Held until the end: an abort meanwhile shuts the socket down (the poll wakes, the send fails) and the
            // descriptor is closed only once this releases it.
            socket.DangerousAddRef(ref socketRef);
            file.DangerousAddRef(ref fileRef);
            var outFd = (int)socket.DangerousGetHandle();
            var idleLimit = idleTimeout == Timeout.InfiniteTimeSpan ? long.MaxValue : (long)idleTimeout.TotalMilliseconds;
            var lastTaken = Environment.TickCount64;
            var unreported = 0;
            // Best effort: without the option (a kernel before 3.12) the socket keeps its default, as before.
            var lowWater = UnsentLowWater;
            SocketCalls.setsockopt(outFd, SocketCalls.IpProtoTcp, SocketCalls.TcpNotSentLowWater, ref lowWater, sizeof(int));
            var buffer = GC.AllocateUninitializedArray<byte>(CopyBufferSize, pinned: true);
            var address = Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0);
            int filled = 0, at = 0;
            while (count > 0)
            {
                if (cancellationToken.IsCancellationRequested) return Outcome.Cancelled;
                if (at == filled)
                {
                    filled = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, count)), offset);
                    if (filled == 0) return Outcome.FileEnded;
                    offset += filled;
                    at = 0;
                }
                var n = (int)SocketCalls.send(outFd, address + at, (nuint)(filled - at), NoSignal);
                if (n > 0)
                {
                    at += n;
                    count -= n;
                    unreported += n;
                    lastTaken = Environment.TickCount64;
                    if (unreported >= chunk || count == 0)
                    {
                        sent(unreported);
                        unreported = 0;
                    }
                    continue;
                }
                var error = Marshal.GetLastPInvokeError();
                if (error == SocketCalls.Interrupted) continue;
                if (error != SocketCalls.WouldBlock) return Outcome.Broken;
                if (Environment.TickCount64 - lastTaken >= idleLimit) return Outcome.TimedOut;
                var wait = new SocketCalls.PollFd { Fd = outFd, Events = SocketCalls.PollOut };
                if (SocketCalls.poll(ref wait, 1, PollSliceMilliseconds) < 0 && Marshal.GetLastPInvokeError() != SocketCalls.Interrupted) return Outcome.Broken;
            }
            return Outcome.Sent;
        }
        finally
        {
            if (fileRef) file.DangerousRelease();
            if (socketRef) socket.DangerousRelease();
        }
    }
}
