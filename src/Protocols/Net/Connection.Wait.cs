namespace Protocols.Net;

public sealed partial class Connection
{
    // Callers blocked in WaitReadable across the process: bounded, so that many requests at once cannot tie up the
    // thread pool (the rest take the asynchronous path).
    internal static readonly int MaxCallerWaits = Math.Max(1, Environment.ProcessorCount / 2);
    private static int s_callerWaits;

    // How long WaitForReply waits: a peer on this machine that answers within this does so without any thread of
    // .NET's event loop (its socket was connected outside it and never waited asynchronously); a farther peer's
    // reply saves the hop from the socket thread to the pool when it comes within a millisecond.
    internal const int LoopbackReplyWaitMilliseconds = 10, ReplyWaitMilliseconds = 1;

    // After a wait that timed out, the next waits on this connection are skipped (the peer is slower than the wait).
    private const int SkipAfterMiss = 16;
    private int _waitsToSkip;

    /// <summary>True when this socket's waits complete on .NET's socket thread (<see cref="ConnectionOptions.QuickReplies"/> on a plain socket, on Linux).</summary>
    internal bool CompletesInline => _completesInline;

    /// <summary>The socket's descriptor, for tests that look at it from outside (/proc); null when not a socket.</summary>
    internal int? SocketDescriptor => _socket is { } socket ? (int)socket.SafeHandle.DangerousGetHandle() : null;

    /// <summary>After sending a request: <see cref="WaitReadable"/> for as long as suits the peer (<see cref="LoopbackReplyWaitMilliseconds"/> on this machine, else <see cref="ReplyWaitMilliseconds"/>).</summary>
    internal bool WaitForReply() => WaitReadable(_loopbackPeer ? LoopbackReplyWaitMilliseconds : ReplyWaitMilliseconds);

    /// <summary>
    /// For a reply expected in well under a millisecond (a keep-alive request to a near server): waits on the calling
    /// thread, in poll(2), up to <paramref name="timeoutMilliseconds"/> for bytes, so that the next read completes at
    /// once on this thread (the kernel wakes it directly; nothing goes through .NET's socket thread and the thread
    /// pool). Only on a plain socket opened with <see cref="ConnectionOptions.QuickReplies"/>, with nothing buffered,
    /// on a thread without a <see cref="SynchronizationContext"/> of its own (a UI thread's, a test runner's),
    /// when few other callers wait so (<see cref="MaxCallerWaits"/>), and not for the next
    /// <see cref="SkipAfterMiss"/> replies after one that took longer. True when bytes are there; false otherwise
    /// (at once, or after the timeout): the read then waits asynchronously as usual.
    /// </summary>
    internal bool WaitReadable(int timeoutMilliseconds)
    {
        if (!_completesInline || _tls is not null || Reader.BufferedLength > 0 || Reader.IsCompleted) return false;
        if (SynchronizationContext.Current is { } context && context.GetType() != typeof(SynchronizationContext)) return false; // a UI thread (or the like) is never held up
        if (_waitsToSkip > 0)
        {
            _waitsToSkip--;
            return false;
        }
        if (Interlocked.Increment(ref s_callerWaits) > MaxCallerWaits)
        {
            Interlocked.Decrement(ref s_callerWaits);
            return false;
        }
        var handle = _socket!.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var wait = new SocketCalls.PollFd { Fd = (int)handle.DangerousGetHandle(), Events = SocketCalls.PollIn };
            if (SocketCalls.poll(ref wait, 1, timeoutMilliseconds) > 0) return true;
            _waitsToSkip = SkipAfterMiss;
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false; // closed meanwhile: the read tells
        }
        finally
        {
            if (added) handle.DangerousRelease();
            Interlocked.Decrement(ref s_callerWaits);
        }
    }
}
