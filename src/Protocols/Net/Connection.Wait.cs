using System.Diagnostics;

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

    // How long replies on this connection took (Stopwatch ticks, a moving average of the waits that found bytes): the
    // spin before the sleep is sized by it (see SpinBudget).
    private long _replyTicks;

    /// <summary>True when this socket's waits complete on .NET's socket thread (<see cref="ConnectionOptions.QuickReplies"/> on a plain socket, on Linux).</summary>
    internal bool CompletesInline => _completesInline;

    /// <summary>The socket's descriptor, for tests that look at it from outside (/proc); null when not a socket.</summary>
    internal int? SocketDescriptor => _socket is { } socket ? (int)socket.SafeHandle.DangerousGetHandle() : null;

    /// <summary>After sending a request: <see cref="WaitReadable"/> for as long as suits the peer (<see cref="LoopbackReplyWaitMilliseconds"/> on this machine, else <see cref="ReplyWaitMilliseconds"/>).</summary>
    internal bool WaitForReply(CancellationToken cancellationToken = default) =>
        WaitReadable(_loopbackPeer ? LoopbackReplyWaitMilliseconds : ReplyWaitMilliseconds, cancellationToken);

    /// <summary>
    /// For a reply expected in well under a millisecond (a keep-alive request to a near server): waits on the calling
    /// thread for bytes, so that the next read completes at once on this thread (nothing goes through .NET's socket
    /// thread and the thread pool). First it spins, probing with poll(2) at a timeout of 0, for up to
    /// <see cref="ConnectionOptions.ReplySpin"/> while replies on this connection have come within that time and the
    /// peer's last reply was processed on another processor than this thread's (<see cref="SpinBudget"/>,
    /// <see cref="PeerOnAnotherProcessor"/>): the reply then finds a running thread instead of one to wake, and this
    /// processor does not go idle (on a virtual machine the wake-up of an idle processor is an interrupt and a VM
    /// entry). Then it sleeps in poll(2) up to <paramref name="timeoutMilliseconds"/>. Only on a plain socket opened
    /// with <see cref="ConnectionOptions.QuickReplies"/>, with nothing buffered, on a thread without a
    /// <see cref="SynchronizationContext"/> of its own (a UI thread's, a test runner's), when few other callers wait
    /// so (<see cref="MaxCallerWaits"/>), and not for the next <see cref="SkipAfterMiss"/> replies after one that
    /// took longer. A cancelled <paramref name="cancellationToken"/> ends the spin (the sleep is bounded by its
    /// timeout). True when bytes are there; false otherwise (at once, after the timeout, or cancelled): the read then
    /// waits asynchronously as usual.
    /// </summary>
    internal bool WaitReadable(int timeoutMilliseconds, CancellationToken cancellationToken = default)
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
            var started = Stopwatch.GetTimestamp();
            if (SpinBudget() is > 0 and var budget && (SpinForAnyPeer || PeerOnAnotherProcessor(wait.Fd)))
            {
                Spins++;
                while (true)
                {
                    if (SocketCalls.poll(ref wait, 1, 0) > 0) return Replied(started);
                    if (cancellationToken.IsCancellationRequested) return false;
                    if (Stopwatch.GetTimestamp() - started >= budget) break;
                    Thread.SpinWait(SpinBetweenProbes);
                }
            }
            if (cancellationToken.IsCancellationRequested) return false;
            if (SocketCalls.poll(ref wait, 1, timeoutMilliseconds) > 0) return Replied(started);
            _waitsToSkip = SkipAfterMiss;
            Record(long.MaxValue);
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

    /// <summary>For tests: spin whichever processor the peer's bytes came through (see <see cref="PeerOnAnotherProcessor"/>).</summary>
    internal bool SpinForAnyPeer { get; set; }

    /// <summary>For tests: how many waits on this connection spun before they slept.</summary>
    internal int Spins { get; private set; }

    // Between two probes of the spin (Thread.SpinWait's unit: pause instructions, about a microsecond in all with
    // the probe). The processor is not yielded: a peer that runs on this processor is not spun for at all.
    private const int SpinBetweenProbes = 20;

    /// <summary>
    /// How long to spin before sleeping (Stopwatch ticks; 0 for no spin): twice the time replies have taken, at most
    /// <see cref="ConnectionOptions.ReplySpin"/>, and none while they take longer than that (the spin would only add
    /// its own time), nor on a single processor (the peer's reply would wait for the spin to end).
    /// </summary>
    internal long SpinBudget()
    {
        var max = _options.ReplySpinTicks;
        if (max == 0 || Environment.ProcessorCount < 2) return 0;
        var typical = _replyTicks;
        if (typical > max) return 0;
        return typical == 0 ? max : Math.Min(max, 2 * typical);
    }

    /// <summary>
    /// Whether the peer's last bytes were processed on another processor than this thread's (SO_INCOMING_CPU: for a
    /// peer on this machine, the processor its send ran on). A peer that shares this processor (a loaded machine puts
    /// both there) could only answer once the spin ends, so there is no spin for it; true when unknown.
    /// </summary>
    internal static bool PeerOnAnotherProcessor(int fd)
    {
        int cpu = -1, length = sizeof(int);
        if (SocketCalls.getsockopt(fd, SocketCalls.SolSocket, SocketCalls.SoIncomingCpu, ref cpu, ref length) != 0 || cpu < 0) return true;
        return cpu != SocketCalls.sched_getcpu();
    }

    // A slow reply counts as at most this many spins' worth, so that a few quick ones bring the spin back.
    private const int SlowReplyWeight = 2;

    private bool Replied(long started)
    {
        Record(Stopwatch.GetTimestamp() - started);
        return true;
    }

    private void Record(long took)
    {
        took = Math.Max(1, Math.Min(took, SlowReplyWeight * _options.ReplySpinTicks));
        _replyTicks = _replyTicks == 0 ? took : _replyTicks + (took - _replyTicks) / 8;
    }
}
