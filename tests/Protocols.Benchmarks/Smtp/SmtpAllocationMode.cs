using System.Diagnostics;
using System.Globalization;

namespace Protocols.Benchmarks.Smtp;

/// <summary>
/// <c>Protocols.Benchmarks smtp-session-alloc [runs]</c>: the <see cref="SmtpSessionBenchmarks"/> script (100 pipelined
/// 100-byte messages per session over an in-memory pair), run many times after a warm-up; prints bytes allocated per
/// message (client side included) and the wall time. Allocation counts hold on a loaded machine; times do not.
/// </summary>
internal static class SmtpAllocationMode
{
    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] != "smtp-session-alloc") return null;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var bench = new SmtpSessionBenchmarks { Size = 100 };
        bench.Setup();
        for (var i = 0; i < 20; i++) await bench.PipelinedMessages();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++) await bench.PipelinedMessages();
        clock.Stop();
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - before;
        var messages = runs * 100.0;
        Console.WriteLine(FormattableString.Invariant($"smtp-session-alloc: {runs} sessions x 100 messages: {bytes / messages:0} B allocated per message, {clock.Elapsed.TotalMicroseconds / messages:0.0} us per message"));
        return 0;
    }
}
