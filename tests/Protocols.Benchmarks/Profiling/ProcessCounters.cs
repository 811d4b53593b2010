using System.Globalization;
using System.Runtime.InteropServices;

namespace Protocols.Benchmarks.Profiling;

/// <summary>
/// The process's own counters on one line, printed on SIGHUP by the server modes (<c>smtp-serve-memory</c>,
/// <c>smtpserver-sink</c>): thread-pool work items completed, bytes allocated, GCs, threads. A script sends SIGHUP
/// before and after a run and divides the difference by the messages: work items per message counts the thread hops
/// of a session, bytes per message what Kestrel and the session allocate on the real socket path. Both hold still on
/// a loaded machine, unlike the rate.
/// </summary>
internal static class ProcessCounters
{
    public static string Line() => string.Create(CultureInfo.InvariantCulture,
        $"counters workItems={ThreadPool.CompletedWorkItemCount} allocated={GC.GetTotalAllocatedBytes(precise: false)} gc0={GC.CollectionCount(0)} gc1={GC.CollectionCount(1)} gc2={GC.CollectionCount(2)} threads={ThreadPool.ThreadCount} {Spin()}");

    // The event loop's spins (Protocols.Net.EpollSpin): caught events, missed, skipped for long waits, for a busy machine.
    private static string Spin()
    {
        var (caught, missed, slow, busy) = Protocols.Net.EpollLoop.SpinCounts();
        return string.Create(CultureInfo.InvariantCulture, $"spinCaught={caught} spinMissed={missed} spinSlow={slow} spinBusy={busy}");
    }

    /// <summary>Prints <see cref="Line"/> (with <paramref name="extra"/>) at each SIGHUP until disposed.</summary>
    public static IDisposable PrintOnHangup(Func<string> extra) =>
        PosixSignalRegistration.Create(PosixSignal.SIGHUP, c =>
        {
            c.Cancel = true;
            Console.WriteLine($"{Line()} {extra()}");
        });
}
