using System.Diagnostics;
using System.Globalization;

namespace Protocols.Net;

/// <summary>
/// How long an <see cref="EpollLoop"/> polls (epoll_wait with a timeout of 0) after a batch of events before it sleeps:
/// while its spins find the next events quickly, the loop keeps its processor running through the gaps (on this VM an
/// idle processor halts at once, and its wake-up is an interrupt and a VM entry, paid once for each sleep of the loop);
/// when they stop finding them quickly (an idle server, a slow trickle, a peer that shares the loop's processor and can
/// only answer once the spin ends), there is no spin. The budget is the whole bound while the moving average of the
/// spins' outcomes is within it (a spin that found events counts its time; one that ran out counts as
/// <see cref="MissWeight"/> bounds; events that were there at the first probe do not count), else none, except for
/// one spin every <see cref="RetryAfter"/> batches that tries again (the sleeps' own times cannot tell: they include
/// the wake-up's latency). Nor is there a spin while more tasks are runnable than there are processors
/// (<see cref="BusyCheckInterval"/>, from /proc/loadavg): then the spin takes a processor from someone who waits for
/// it, often the very peer whose next command it waits for. One per loop, used on its thread only.
/// <c>PROTOCOLS_LOOP_SPIN</c> sets the bound in microseconds (0 turns the spin off; at most
/// <see cref="MaxMicroseconds"/>); no spin on a single processor.
/// </summary>
internal sealed class EpollSpin
{
    /// <summary>The bound without <c>PROTOCOLS_LOOP_SPIN</c>, in microseconds: off. The lead's two quiet A/Bs of round
    /// seven (100 B, new connection per message, against spin off in alternation) showed no rate gain and 7-21% more
    /// CPU per message with a 50 us spin, so it is opt-in (<c>PROTOCOLS_LOOP_SPIN=50</c>) until a quiet run shows it pays.</summary>
    public const int DefaultMicroseconds = 0;

    /// <summary>The largest bound <c>PROTOCOLS_LOOP_SPIN</c> may set, in microseconds (a longer spin costs more than the sleep it saves).</summary>
    public const int MaxMicroseconds = 1000;

    /// <summary>A spin that ran out counts as this many bounds, so that a few quick ones bring the spin back after it.</summary>
    public const int MissWeight = 2;

    /// <summary>While the spin is off, every this many batches one spin tries again (at most a bound's worth per this many batches).</summary>
    public const int RetryAfter = 64;

    // Between two probes: Thread.SpinWait's unit (pause instructions), about a microsecond with the probe.
    internal const int SpinBetweenProbes = 20;

    /// <summary>Events found this soon (2 us) were there at the first probe: no wait, nothing learnt.</summary>
    internal static readonly long NoWaitTicks = 2 * Stopwatch.Frequency / 1_000_000;

    /// <summary>How often the count of runnable tasks is read again (10 ms).</summary>
    internal static readonly long BusyCheckInterval = Stopwatch.Frequency / 100;

    private readonly Func<int> _runnable;
    private readonly int _processors;
    private long _busyCheckedAt = long.MinValue / 2;
    private bool _busy;
    private long _spinTicks; // moving average of the spins' outcomes (0: none yet)
    private int _sinceSpin; // batches without a spin since the spin went off

    /// <summary>
    /// A spin of at most <paramref name="microseconds"/>; <paramref name="runnable"/> counts the machine's runnable tasks
    /// (by default <see cref="RunnableTasks"/>; below 0 when unknown), against <paramref name="processors"/>.
    /// </summary>
    public EpollSpin(int microseconds, Func<int>? runnable = null, int processors = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(microseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(microseconds, MaxMicroseconds);
        MaxTicks = microseconds * Stopwatch.Frequency / 1_000_000;
        _runnable = runnable ?? RunnableTasks;
        _processors = processors > 0 ? processors : Environment.ProcessorCount;
    }

    /// <summary>The bound in <see cref="Stopwatch"/> ticks; 0 for no spin.</summary>
    public long MaxTicks { get; }

    /// <summary>The moving average of the spins' outcomes, in ticks (for tests).</summary>
    internal long SpinTicks => _spinTicks;

    /// <summary>
    /// The bound from <c>PROTOCOLS_LOOP_SPIN</c> (<paramref name="value"/>) in microseconds: <see cref="DefaultMicroseconds"/>
    /// when unset, 0 on a single processor (<paramref name="processors"/>) or when the value is not a whole number from 0
    /// to <see cref="MaxMicroseconds"/> (an A/B switch: a wrong value leaves the spin off rather than stopping the server).
    /// </summary>
    public static int MicrosecondsFrom(string? value, int processors)
    {
        if (processors < 2) return 0;
        if (value is null) return DefaultMicroseconds;
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var us) && us <= MaxMicroseconds ? us : 0;
    }

    /// <summary>How long to poll before sleeping, in ticks: the bound while the spins' outcomes average within it (or for a retry), else 0.</summary>
    public long Budget()
    {
        if (MaxTicks == 0) return 0;
        if (_spinTicks > MaxTicks && ++_sinceSpin < RetryAfter)
        {
            SkippedSlow++;
            return 0;
        }
        if (Busy())
        {
            SkippedBusy++;
            return 0;
        }
        _sinceSpin = 0;
        return MaxTicks;
    }

    /// <summary>The spin found events after <paramref name="ticks"/> (from the end of the batch before it).</summary>
    public void Found(long ticks)
    {
        Caught++;
        if (ticks >= NoWaitTicks) Record(Math.Min(ticks, MaxTicks));
    }

    /// <summary>The spin ran out of budget: the loop sleeps.</summary>
    public void RanOut()
    {
        Missed++;
        Record(MissWeight * MaxTicks);
    }

    private void Record(long ticks) => _spinTicks = _spinTicks == 0 ? ticks : _spinTicks + (ticks - _spinTicks) / 8;

    // What the spin did, for a benchmark's counters (written by the loop's thread only, read by anyone, roughly).
    /// <summary>Spins that found events.</summary>
    public long Caught { get; private set; }

    /// <summary>Spins that ran out of budget (the loop then slept).</summary>
    public long Missed { get; private set; }

    /// <summary>Times there was no spin because the spins had not paid.</summary>
    public long SkippedSlow { get; private set; }

    /// <summary>Times there was no spin because the machine was busy.</summary>
    public long SkippedBusy { get; private set; }

    // More runnable tasks than processors (this thread included), as of at most BusyCheckInterval ago.
    private bool Busy()
    {
        var now = Stopwatch.GetTimestamp();
        if (now - _busyCheckedAt < BusyCheckInterval) return _busy;
        _busyCheckedAt = now;
        return _busy = _runnable() > _processors;
    }

    private static readonly Lock s_loadLock = new();
    private static Microsoft.Win32.SafeHandles.SafeFileHandle? s_load;

    /// <summary>The machine's runnable tasks now (the fourth field of /proc/loadavg before its slash), or -1 when unknown.</summary>
    internal static int RunnableTasks()
    {
        try
        {
            Span<byte> text = stackalloc byte[128];
            int read;
            lock (s_loadLock)
            {
                s_load ??= File.OpenHandle("/proc/loadavg");
                read = RandomAccess.Read(s_load, text, 0);
            }
            return ParseRunnable(text[..read]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return -1;
        }
    }

    /// <summary>The runnable count of a /proc/loadavg line ("0.40 0.27 0.66 1/87 30989"), or -1.</summary>
    internal static int ParseRunnable(ReadOnlySpan<byte> line)
    {
        for (var field = 0; field < 3; field++)
        {
            var space = line.IndexOf((byte)' ');
            if (space < 0) return -1;
            line = line[(space + 1)..];
        }
        var slash = line.IndexOf((byte)'/');
        return slash > 0 && System.Buffers.Text.Utf8Parser.TryParse(line[..slash], out int count, out var used) && used == slash ? count : -1;
    }
}
