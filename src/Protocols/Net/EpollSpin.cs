using System.Diagnostics;
using System.Globalization;

namespace Protocols.Net;

/// <summary>
/// How long an <see cref="EpollLoop"/> polls (epoll_wait with a timeout of 0) after a batch of events before it sleeps:
/// while the loop's waits for the next events have been short, it keeps its processor running through them (on this
/// VM an idle processor halts at once, and its wake-up is an interrupt and a VM entry, paid once for each sleep of the
/// loop); when they stop being short (an idle server, a slow trickle, a machine busy enough that the peers wait for a
/// processor, a peer that shares the loop's processor and can only answer once the spin ends), there is no spin. The
/// budget is the whole bound while the moving average of the waits is within half of it, else none; a wait longer than
/// the bound counts as <see cref="SlowGapWeight"/> bounds' worth, so a few quick ones bring the spin back, and events
/// that were there at once (no wait at all) do not count. Nor is there a spin while more tasks are runnable than there
/// are processors (<see cref="BusyCheckInterval"/>, from /proc/loadavg): then the spin takes a processor from someone
/// who waits for it, often the very peer whose next command it waits for. One per loop, used on its thread only.
/// <c>PROTOCOLS_LOOP_SPIN</c> sets the bound in microseconds (0 turns the spin off; at most
/// <see cref="MaxMicroseconds"/>); no spin on a single processor.
/// </summary>
internal sealed class EpollSpin
{
    /// <summary>The bound without <c>PROTOCOLS_LOOP_SPIN</c>, in microseconds.</summary>
    public const int DefaultMicroseconds = 50;

    /// <summary>The largest bound <c>PROTOCOLS_LOOP_SPIN</c> may set, in microseconds (a longer spin costs more than the sleep it saves).</summary>
    public const int MaxMicroseconds = 1000;

    /// <summary>A gap longer than the bound counts as this many bounds (the moving average is not pulled up without limit by an idle second).</summary>
    public const int SlowGapWeight = 2;

    // Between two probes: Thread.SpinWait's unit (pause instructions), about a microsecond with the probe.
    internal const int SpinBetweenProbes = 20;

    /// <summary>A gap under this (2 us) was no wait: the next events were there when the batch ended.</summary>
    internal static readonly long NoWaitTicks = 2 * Stopwatch.Frequency / 1_000_000;

    /// <summary>How often the count of runnable tasks is read again (10 ms).</summary>
    internal static readonly long BusyCheckInterval = Stopwatch.Frequency / 100;

    private readonly Func<int> _runnable;
    private readonly int _processors;
    private long _busyCheckedAt = long.MinValue / 2;
    private bool _busy;
    private long _gapTicks; // moving average of the gaps between the end of a batch and the next events (0: none yet)

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

    /// <summary>The moving average of the gaps, in ticks (for tests).</summary>
    internal long GapTicks => _gapTicks;

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

    /// <summary>How long to poll before sleeping, in ticks: the bound while the waits average within half of it, else 0.</summary>
    public long Budget() => MaxTicks == 0 || _gapTicks > MaxTicks / 2 || Busy() ? 0 : MaxTicks;

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

    /// <summary>
    /// Records a gap (ticks from the end of a batch to the next events, whether they came during the spin or the sleep);
    /// one under <see cref="NoWaitTicks"/> was no wait (the events were there at once) and is left out.
    /// </summary>
    public void Record(long gapTicks)
    {
        if (MaxTicks == 0 || gapTicks < NoWaitTicks) return;
        gapTicks = Math.Clamp(gapTicks, 1, SlowGapWeight * MaxTicks);
        _gapTicks = _gapTicks == 0 ? gapTicks : _gapTicks + (gapTicks - _gapTicks) / 8;
    }
}
