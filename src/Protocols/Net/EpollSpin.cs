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
/// that were there at once (no wait at all) do not count. One per loop, used on its thread only.
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

    private long _gapTicks; // moving average of the gaps between the end of a batch and the next events (0: none yet)

    public EpollSpin(int microseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(microseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(microseconds, MaxMicroseconds);
        MaxTicks = microseconds * Stopwatch.Frequency / 1_000_000;
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
    public long Budget() => MaxTicks == 0 || _gapTicks > MaxTicks / 2 ? 0 : MaxTicks;

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
