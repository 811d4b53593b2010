using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Protocols.Net;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.Lines;

/// <summary>What <see cref="LineConnectionHandler"/> needs of a session (every <see cref="LineSession{TSession, TState}"/> has it).</summary>
public interface ILineSession : IAsyncDisposable
{
    ConnectionLease? Lease { get; set; }

    Task RunAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Hands connections to line-protocol sessions, from Kestrel (<see cref="OnConnectedAsync"/>) or from the host's own
/// accept loop (<see cref="RunAsync"/>, <see cref="Hosting.ProtocolsHostBuilder.AddLineEndpoint(string, System.Net.IPEndPoint, Protocols.Servers.Lines.LineConnectionHandler, Protocols.Servers.Hosting.EndpointTls)"/>): one instance per endpoint (per-connection state lives in the
/// session). Takes a slot from the <see cref="ConnectionLimiter"/> (the protocol's refusal line past it; such a
/// connection is counted here, a session counts its own in <see cref="ProtocolsMetrics"/>), runs the session with the connection's lifetime token and
/// disposes it. Implicit TLS is put in front by the host (Kestrel's TLS middleware), below this handler.
/// </summary>
public abstract class LineConnectionHandler : ConnectionHandler
{
    private int _active;

    protected LineConnectionHandler(string protocol, ConnectionLimiter limiter, ProtocolsMetrics? metrics = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(protocol);
        Protocol = protocol;
        Limiter = limiter ?? throw new ArgumentNullException(nameof(limiter));
        Metrics = metrics ?? ProtocolsMetrics.Shared;
        Logger = logger ?? NullLogger.Instance;
    }

    public string Protocol { get; }

    /// <summary>The limits this endpoint enforces (share one instance between endpoints to share the limits).</summary>
    public ConnectionLimiter Limiter { get; }

    protected ProtocolsMetrics Metrics { get; }

    protected ILogger Logger { get; }

    /// <summary>Sessions running now.</summary>
    public int ActiveSessions => Volatile.Read(ref _active);

    /// <summary>Makes the session for an accepted connection (the session owns the connection).</summary>
    protected abstract ILineSession CreateSession(Connection connection);

    /// <summary>The protocol's one-line refusal (with CRLF) for a connection the limiter turns away.</summary>
    protected abstract ReadOnlyMemory<byte> RefusalLine(LineReject reason);

    /// <summary>Called before each connection is admitted: a chance to copy live options into <see cref="Limiter"/>.</summary>
    protected virtual void OnAccepting()
    {
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var conn = Connection.Create(connection.Transport, new ConnectionOptions(), connection.LocalEndPoint, connection.RemoteEndPoint, connection.Abort);
        await RunAsync(conn, connection.ConnectionClosed).ConfigureAwait(false);
    }

    /// <summary>Runs one accepted connection to its end (the limiter's refusal or a session); owns <paramref name="conn"/>.</summary>
    public async Task RunAsync(Connection conn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conn);
        OnAccepting();
        var lease = Limiter.TryAcquire(conn.RemoteEndPoint, out var refusal);
        if (lease is null)
        {
            Metrics.ConnectionOpened(Protocol).Dispose(); // a refused connection is counted here; a session counts its own
            LineLog.ConnectionRefused(Logger, Protocol, conn.RemoteEndPoint, refusal.ToString());
            await RefuseAsync(conn, refusal, cancellationToken).ConfigureAwait(false);
            return;
        }
        Interlocked.Increment(ref _active);
        try
        {
            var session = CreateSession(conn);
            await using (session.ConfigureAwait(false))
            {
                session.Lease = lease;
                await session.RunAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            lease.Dispose();
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>
    /// Refuses a connection the listener will not serve (its descriptor is within <see cref="DescriptorLimit.Reserve"/>
    /// of the process's limit): the protocol's too-many-connections reply, logged and counted as the limiter's.
    /// </summary>
    internal Task RefuseNearDescriptorLimitAsync(Connection conn, CancellationToken cancellationToken)
    {
        Metrics.ConnectionOpened(Protocol).Dispose();
        LineLog.ConnectionRefused(Logger, Protocol, conn.RemoteEndPoint, "DescriptorLimit");
        return RefuseAsync(conn, LineReject.TooManyConnections, cancellationToken);
    }

    private async Task RefuseAsync(Connection conn, LineReject reason, CancellationToken cancellationToken)
    {
        await using (conn.ConfigureAwait(false))
        {
            try
            {
                await conn.Writer.WriteAsync(RefusalLine(reason), cancellationToken).ConfigureAwait(false);
                await conn.CloseAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException)
            {
                conn.Abort();
            }
        }
    }
}
