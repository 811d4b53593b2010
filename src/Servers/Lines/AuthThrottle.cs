using System.Collections.Concurrent;
using System.Net;

namespace Protocols.Servers.Lines;

/// <summary>
/// Slows authentication guessing per client address, across connections: after each failure from an address the
/// answer waits <see cref="BaseDelay"/>, doubling with each further failure up to <see cref="MaxDelay"/> (vsftpd's
/// <c>delay_failed_login</c>, made to grow). An address's count is forgotten <see cref="ForgetAfter"/> after its last
/// failure, and a success halves it. A new connection does not reset it: reconnecting buys nothing. One per server;
/// thread-safe; tracks at most <see cref="MaxAddresses"/> addresses (the oldest entries are dropped past it).
/// </summary>
public sealed class AuthThrottle
{
    private readonly ConcurrentDictionary<IPAddress, Entry> _entries = new();
    private readonly TimeProvider _time;

    public AuthThrottle(TimeProvider? timeProvider = null) => _time = timeProvider ?? TimeProvider.System;

    /// <summary>Wait after the first failure. Default 250 ms (a person retyping never notices; a guesser pays).</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait. Default 5 s (vsftpd's default delay is 1 s per failure, flat).</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an address's failures are remembered after its last one. Default 15 minutes.</summary>
    public TimeSpan ForgetAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Addresses tracked at once. Default 10,000.</summary>
    public int MaxAddresses { get; set; } = 10_000;

    /// <summary>Failures counted for <paramref name="address"/> now.</summary>
    public int FailuresOf(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return _entries.TryGetValue(address, out var e) && !Expired(e) ? e.Failures : 0;
    }

    /// <summary>Counts a failure from <paramref name="address"/> and returns how long to wait before answering it.</summary>
    public TimeSpan Failed(IPAddress? address)
    {
        if (address is null) return BaseDelay;
        if (_entries.Count >= MaxAddresses) Trim();
        var now = _time.GetTimestamp();
        var entry = _entries.AddOrUpdate(address,
            static (_, now) => new Entry(1, now),
            (_, old, now) => new Entry(Expired(old) ? 1 : old.Failures + 1, now), now);
        var shift = Math.Min(entry.Failures - 1, 20);
        var delay = TimeSpan.FromTicks(Math.Min(BaseDelay.Ticks << shift, MaxDelay.Ticks));
        return delay;
    }

    /// <summary>A success from <paramref name="address"/>: its count halves.</summary>
    public void Succeeded(IPAddress? address)
    {
        if (address is null) return;
        if (_entries.TryGetValue(address, out var e))
        {
            if (e.Failures <= 1) _entries.TryRemove(address, out _);
            else _entries.TryUpdate(address, e with { Failures = e.Failures / 2 }, e);
        }
    }

    private bool Expired(Entry e) => _time.GetElapsedTime(e.LastFailure) > ForgetAfter;

    private void Trim()
    {
        foreach (var (key, value) in _entries)
        {
            if (Expired(value)) _entries.TryRemove(key, out _);
        }
        if (_entries.Count < MaxAddresses) return;
        foreach (var (key, _) in _entries.OrderBy(p => p.Value.LastFailure).Take(_entries.Count / 10 + 1)) _entries.TryRemove(key, out _);
    }

    private readonly record struct Entry(int Failures, long LastFailure);
}
