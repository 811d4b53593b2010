using System.Diagnostics.Tracing;
using System.Globalization;

namespace Protocols.Benchmarks.Profiling;

/// <summary>
/// <c>alloc-profile MODE ARGS...</c>: runs another mode of this exe with the runtime's allocation sampling on
/// (EventPipe's GCAllocationTick, one event per ~100 KB allocated, in process through an <see cref="EventListener"/>)
/// and prints, on stderr, which types the allocations went to: a sampled profile, proportional to bytes.
/// </summary>
internal sealed class AllocationProfile : EventListener
{
    private readonly Dictionary<string, (long Bytes, int Samples)> _types = [];
    private readonly Lock _lock = new();
    private bool _on;

    public AllocationProfile() => _on = true;

    protected override void OnEventSourceCreated(EventSource source)
    {
        // GC keyword (0x1) at verbose level: GCAllocationTick_V4 carries the type name and the amount since the last.
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_on || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null) return;
        var name = e.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? e.Payload![t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload![a], CultureInfo.InvariantCulture) : 100_000;
        lock (_lock)
        {
            _types.TryGetValue(name, out var seen);
            _types[name] = (seen.Bytes + amount, seen.Samples + 1);
        }
    }

    /// <summary>Stops sampling and prints the top types by sampled bytes.</summary>
    public void Print(int top = 25)
    {
        _on = false;
        List<KeyValuePair<string, (long Bytes, int Samples)>> rows;
        lock (_lock) rows = [.. _types.OrderByDescending(kv => kv.Value.Bytes)];
        var total = rows.Sum(r => r.Value.Bytes);
        Console.Error.WriteLine(FormattableString.Invariant($"allocation profile: {rows.Sum(r => r.Value.Samples)} samples, {total / 1e6:0.0} MB sampled"));
        foreach (var (name, (bytes, samples)) in rows.Take(top))
            Console.Error.WriteLine(FormattableString.Invariant($"{bytes * 100.0 / Math.Max(1, total),6:0.0}%  {samples,6}  {name}"));
    }
}
