using System.Collections.Concurrent;
using System.Diagnostics;
using Protocols.Net;

namespace Protocols.Http;

/// <summary>
/// Kept-alive connections per origin (scheme, host, port): at most <see cref="HttpClientOptions.MaxConnectionsPerOrigin"/>
/// open at once per origin (more requests wait their turn), idle ones closed after <see cref="HttpClientOptions.IdleConnectionTimeout"/>.
/// </summary>
internal sealed class ConnectionPool : IAsyncDisposable
{
    private readonly ConcurrentDictionary<HttpOrigin, OriginPool> _origins = new();
    private readonly HttpClientOptions _options;
    private readonly Timer? _sweeper;
    private int _disposed;

    public ConnectionPool(HttpClientOptions options)
    {
        _options = options;
        if (options.IdleConnectionTimeout != Timeout.InfiniteTimeSpan)
        {
            var period = options.IdleConnectionTimeout / 2;
            _sweeper = new Timer(static state => ((ConnectionPool)state!).Sweep(), this, period, period);
        }
    }

    /// <summary>Idle connections across origins (for tests and diagnostics).</summary>
    public int IdleCount => _origins.Values.Sum(o => o.IdleCount);

    /// <summary>Takes an idle connection to the origin or opens one, waiting for a free slot first.</summary>
    public async ValueTask<PooledConnection> RentAsync(HttpOrigin origin, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var pool = _origins.GetOrAdd(origin, static (o, options) => new OriginPool(o, options.MaxConnectionsPerOrigin), _options);
        return await pool.RentAsync(_options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes an idle connection to the origin without waiting, when one is there and a slot is free: the keep-alive
    /// fast path, which needs no cancellation source of its own (the connection's <see cref="KeptConnection.RequestTimer"/> serves).
    /// </summary>
    public bool TryRentIdle(HttpOrigin origin, out PooledConnection lease)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        lease = null!;
        return _origins.TryGetValue(origin, out var pool) && pool.TryRentIdle(_options, out lease);
    }

    private void Sweep()
    {
        foreach (var pool in _origins.Values) pool.CloseIdle(_options.IdleConnectionTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_sweeper is not null) await _sweeper.DisposeAsync().ConfigureAwait(false);
        foreach (var pool in _origins.Values) pool.Close();
    }

    private sealed class OriginPool
    {
        private readonly HttpOrigin origin;
        private readonly SemaphoreSlim _slots;
        private readonly Stack<(KeptConnection Connection, long IdleSince)> _idle = new();
        private readonly Lock _lock = new();
        private readonly Action<KeptConnection, bool> _return;
        private bool _closed;

        public OriginPool(HttpOrigin origin, int maxConnections)
        {
            this.origin = origin;
            _slots = new(maxConnections, maxConnections);
            _return = Return;
        }

        public int IdleCount
        {
            get { lock (_lock) return _idle.Count; }
        }

        public async ValueTask<PooledConnection> RentAsync(HttpClientOptions options, CancellationToken cancellationToken)
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                while (TryTakeIdle(options.IdleConnectionTimeout, out var idle))
                {
                    return new PooledConnection(_return, idle, origin, reused: true);
                }
                var connection = await OpenAsync(options, cancellationToken).ConfigureAwait(false);
                return new PooledConnection(_return, new KeptConnection(connection), origin, reused: false);
            }
            catch
            {
                _slots.Release();
                throw;
            }
        }

        public bool TryRentIdle(HttpClientOptions options, out PooledConnection lease)
        {
            lease = null!;
            if (!_slots.Wait(0)) return false;
            if (TryTakeIdle(options.IdleConnectionTimeout, out var idle))
            {
                lease = new PooledConnection(_return, idle, origin, reused: true);
                return true;
            }
            _slots.Release();
            return false;
        }

        private async ValueTask<Connection> OpenAsync(HttpClientOptions options, CancellationToken cancellationToken)
        {
            var log = options.ProtocolLogger;
            log?.LogConnect(ProtocolLog.ConnectUri(origin.Scheme, origin.Host, origin.Port));
            var connection = options.ConnectCallback is { } connect
                ? await connect(origin, cancellationToken).ConfigureAwait(false)
                : await Connection.ConnectAsync(origin.Host, origin.Port, options.ToConnectionOptions(origin), cancellationToken).ConfigureAwait(false);
            if (log is not null) connection.LogTo(log, WireProtocol.Http);
            if (connection.Tls is { } tls)
            {
                var alpn = tls.NegotiatedApplicationProtocol;
                log?.LogInfo($"TLS {tls.SslProtocol}, {tls.NegotiatedCipherSuite}, ALPN {(alpn.Protocol.IsEmpty ? "none" : alpn.ToString())}");
                if (!alpn.Protocol.IsEmpty && alpn != System.Net.Security.SslApplicationProtocol.Http11)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    throw new HttpProtocolException(HttpError.BadAlpn, $"the server chose ALPN {alpn}, not http/1.1");
                }
            }
            log?.LogInfo($"Connected to {connection.RemoteEndPoint?.ToString() ?? origin.Host}");
            return connection;
        }

        private bool TryTakeIdle(TimeSpan idleTimeout, out KeptConnection connection)
        {
            while (true)
            {
                (KeptConnection Connection, long IdleSince) entry;
                lock (_lock)
                {
                    if (!_idle.TryPop(out entry))
                    {
                        connection = null!;
                        return false;
                    }
                }
                if (idleTimeout == Timeout.InfiniteTimeSpan || Stopwatch.GetElapsedTime(entry.IdleSince) < idleTimeout)
                {
                    connection = entry.Connection;
                    return true;
                }
                _ = entry.Connection.Connection.DisposeAsync().AsTask();
            }
        }

        private void Return(KeptConnection kept, bool reusable)
        {
            lock (_lock)
            {
                if (reusable && !_closed) _idle.Push((kept, Stopwatch.GetTimestamp()));
                else reusable = false;
            }
            if (!reusable)
            {
                var connection = kept.Connection;
                connection.Abort();
                _ = connection.DisposeAsync().AsTask();
            }
            _slots.Release();
        }

        /// <summary>Closes the idle connections; connections still in use are closed when they come back.</summary>
        public void Close()
        {
            lock (_lock) _closed = true;
            CloseIdle(TimeSpan.Zero);
        }

        public void CloseIdle(TimeSpan olderThan)
        {
            List<Connection> closing = [];
            lock (_lock)
            {
                var keep = _idle.Where(e => Stopwatch.GetElapsedTime(e.IdleSince) < olderThan).Reverse().ToList();
                closing.AddRange(_idle.Where(e => Stopwatch.GetElapsedTime(e.IdleSince) >= olderThan).Select(e => e.Connection.Connection));
                _idle.Clear();
                foreach (var entry in keep) _idle.Push(entry);
            }
            foreach (var connection in closing) _ = connection.DisposeAsync().AsTask();
        }
    }
}

/// <summary>
/// A pooled connection and what lives as long as it: the strings its responses share, and a reusable timer for the
/// request timeout (reset, not reallocated, between requests; its token stays the same, so the connection's reader
/// and writer do not register on a new token per request).
/// </summary>
internal sealed class KeptConnection(Connection connection)
{
    public Connection Connection { get; } = connection;
    public FieldStrings Strings { get; } = new();
    public OperationTimer RequestTimer { get; } = new();
}

/// <summary>A connection rented from the pool; given back exactly once, reusable or not.</summary>
internal sealed class PooledConnection(Action<KeptConnection, bool> giveBack, KeptConnection kept, HttpOrigin origin, bool reused)
{
    private int _released;

    public Connection Connection => kept.Connection;
    public FieldStrings Strings => kept.Strings;
    public OperationTimer RequestTimer => kept.RequestTimer;
    public HttpOrigin Origin { get; } = origin;

    /// <summary>Whether the response allows the connection to be reused once its body has been read.</summary>
    public bool KeepAlive { get; set; }

    /// <summary>True when the connection had served an earlier request (so it may have been closed by the server while idle).</summary>
    public bool IsReused { get; } = reused;

    public void Release(bool reusable)
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        giveBack(kept, reusable);
    }

    /// <summary>The body was read to its end: back to the pool when it may be reused and the response allows it.</summary>
    public void EndOfBody(bool reusable) => Release(reusable && KeepAlive);
}
