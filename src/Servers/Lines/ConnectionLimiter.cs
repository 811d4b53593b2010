using System.Diagnostics;
using System.Net;

namespace Protocols.Servers.Lines;

/// <summary>
/// The one connection limiter of an endpoint (or several): at most <see cref="MaxConnections"/> sessions in total and
/// <see cref="MaxConnectionsPerAddress"/> from one client address.
/// <para>
/// Slow or idle sessions cannot keep others out: when a limit is full, a session that has been waiting for its next
/// command for longer than <see cref="StressIdleTimeout"/> is evicted (it gets the protocol's timeout reply) and the
/// newcomer takes its place. Postfix does the same under stress: its <c>smtpd_timeout</c> drops from 300 s to 10 s
/// when every process is busy. When the address's own limit is full, only that address's sessions are candidates, so
/// one address never evicts another's; when the total is full, the longest-waiting session anywhere goes. A session
/// busy with a command or a transfer is never evicted (it has its own deadlines).
/// </para>
/// Thread-safe; one instance per server (pass the same one to several endpoints to share the limits).
/// </summary>
public sealed class ConnectionLimiter
{
    private readonly object _gate = new();
    private readonly HashSet<ConnectionLease> _leases = [];
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private int _occupied; // leases not evicted
    private int _maxConnections;
    private int _maxPerAddress;
    private TimeSpan _stressIdle = TimeSpan.FromSeconds(10);

    public ConnectionLimiter(int maxConnections = 100, int maxConnectionsPerAddress = 50)
    {
        MaxConnections = maxConnections;
        MaxConnectionsPerAddress = maxConnectionsPerAddress;
    }

    /// <summary>Sessions at once. Default 100 (Postfix <c>default_process_limit</c>).</summary>
    public int MaxConnections { get => _maxConnections; set => _maxConnections = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value)); }

    /// <summary>Sessions at once from one address. Default 50 (Postfix <c>smtpd_client_connection_count_limit</c>).</summary>
    public int MaxConnectionsPerAddress { get => _maxPerAddress; set => _maxPerAddress = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value)); }

    /// <summary>
    /// How long a session may wait for a command before a newcomer may evict it when a limit is full. Default 10 s
    /// (Postfix's <c>smtpd_timeout</c> under stress). <see cref="Timeout.InfiniteTimeSpan"/>: never evict.
    /// </summary>
    public TimeSpan StressIdleTimeout
    {
        get => _stressIdle;
        set => _stressIdle = value > TimeSpan.Zero || value == Timeout.InfiniteTimeSpan ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <summary>Sessions holding a slot now (evicted ones on their way out excluded).</summary>
    public int Active
    {
        get
        {
            lock (_gate) return _occupied;
        }
    }

    /// <summary>
    /// Takes a slot for a connection from <paramref name="remote"/>, evicting a stale session if a limit is full.
    /// Null with the reason when refused; dispose the lease when the session ends.
    /// </summary>
    public ConnectionLease? TryAcquire(EndPoint? remote, out LineReject refusal)
    {
        var address = AddressOf(remote);
        refusal = default;
        lock (_gate)
        {
            var fromAddress = address is null ? 0 : _perAddress.GetValueOrDefault(address);
            if (address is not null && fromAddress >= _maxPerAddress && !EvictOne(address))
            {
                refusal = LineReject.TooManyConnectionsFromAddress;
                return null;
            }
            if (_occupied >= _maxConnections && !EvictOne(null))
            {
                refusal = LineReject.TooManyConnections;
                return null;
            }
            var lease = new ConnectionLease(this, address);
            _leases.Add(lease);
            _occupied++;
            if (address is not null) _perAddress[address] = _perAddress.GetValueOrDefault(address) + 1;
            return lease;
        }
    }

    // Under the lock: evicts the session waiting longest for a command (from `address` when given), if it has waited
    // past the stress limit. Its slot counts as free at once; the count per address drops when it is released.
    private bool EvictOne(IPAddress? address)
    {
        if (_stressIdle == Timeout.InfiniteTimeSpan) return false;
        var now = Stopwatch.GetTimestamp();
        var limit = (long)(_stressIdle.TotalSeconds * Stopwatch.Frequency);
        ConnectionLease? victim = null;
        var oldest = long.MaxValue;
        foreach (var lease in _leases)
        {
            if (lease.IsEvicted || (address is not null && !address.Equals(lease.Address))) continue;
            var since = lease.IdleSince;
            if (since == 0 || now - since < limit || since >= oldest) continue;
            oldest = since;
            victim = lease;
        }
        if (victim is null) return false;
        victim.Evict();
        _occupied--;
        if (address is not null) _perAddress[address]--; // the evicted one no longer holds its address's slot
        return true;
    }

    internal void Release(ConnectionLease lease)
    {
        lock (_gate)
        {
            if (!_leases.Remove(lease)) return;
            if (!lease.IsEvicted) _occupied--;
            if (lease.Address is null || lease.AddressReleased) return;
            var left = _perAddress[lease.Address] - 1;
            if (left <= 0) _perAddress.Remove(lease.Address);
            else _perAddress[lease.Address] = left;
        }
    }

    internal static IPAddress? AddressOf(EndPoint? endPoint) =>
        (endPoint as IPEndPoint)?.Address is { } a ? (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a) : null;
}

/// <summary>One session's slot in a <see cref="ConnectionLimiter"/>. The session marks when it waits for a command.</summary>
public sealed class ConnectionLease : IDisposable
{
    private readonly ConnectionLimiter _owner;
    private CancellationTokenSource? _session;
    private long _idleSince;
    private int _disposed;

    internal ConnectionLease(ConnectionLimiter owner, IPAddress? address)
    {
        _owner = owner;
        Address = address;
    }

    internal IPAddress? Address { get; }

    internal bool AddressReleased { get; set; }

    internal long IdleSince => Volatile.Read(ref _idleSince);

    /// <summary>True once a newcomer evicted this session.</summary>
    public bool IsEvicted { get; private set; }

    /// <summary>The session's own run source: cancelled (outside the limiter's lock) when the session is evicted.</summary>
    public void Attach(CancellationTokenSource session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Volatile.Write(ref _session, session);
        if (IsEvicted) _ = session.CancelAsync();
    }

    /// <summary>The session starts waiting for a command (it may be evicted under stress from now on).</summary>
    public void MarkIdle() => Volatile.Write(ref _idleSince, Stopwatch.GetTimestamp());

    /// <summary>The session has a command to work on.</summary>
    public void MarkBusy() => Volatile.Write(ref _idleSince, 0);

    internal void Evict()
    {
        IsEvicted = true;
        if (Address is not null) AddressReleased = true;
        if (Volatile.Read(ref _session) is not { } session) return;
        try
        {
            _ = session.CancelAsync(); // its callbacks run outside the limiter's lock
        }
        catch (ObjectDisposedException)
        {
            // the session had just ended
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _owner.Release(this);
        Volatile.Write(ref _session, null);
    }
}
