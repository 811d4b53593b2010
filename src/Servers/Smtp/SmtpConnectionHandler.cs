using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Protocols.Net;

namespace Protocols.Servers.Smtp;

/// <summary>
/// Hands Kestrel connections to <see cref="SmtpSession"/>s: one instance per endpoint, per-connection state in the
/// session. Enforces the connection limits, in total and per client address (421 past them), and implicit TLS for
/// SMTPS endpoints.
/// </summary>
public sealed class SmtpConnectionHandler : ConnectionHandler
{
    private readonly SmtpServerOptions _options;
    private readonly bool _implicitTls;
    private int _active;

    public SmtpConnectionHandler(SmtpServerOptions options, bool implicitTls = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (implicitTls && options.GetTlsOptions() is null)
            throw new ArgumentException("implicit TLS needs a certificate (SmtpServerOptions.Certificate)", nameof(options));
        _options = options;
        _implicitTls = implicitTls;
    }

    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();

    /// <summary>Sessions running now.</summary>
    public int ActiveSessions => Volatile.Read(ref _active);

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var conn = Connection.Create(connection.Transport, new ConnectionOptions(), connection.LocalEndPoint,
            connection.RemoteEndPoint, connection.Abort);
        var active = Interlocked.Increment(ref _active);
        var address = ClientAddress(connection.RemoteEndPoint);
        var fromAddress = address is null ? 0 : _perAddress.AddOrUpdate(address, 1, static (_, n) => n + 1);
        SmtpServerMetrics.SessionOpened();
        try
        {
            if (active > _options.Limits.MaxConnections)
            {
                await RefuseAsync(conn, SmtpRejectReason.TooManyConnections, connection.ConnectionClosed).ConfigureAwait(false);
                return;
            }
            if (fromAddress > _options.Limits.MaxConnectionsPerIp)
            {
                await RefuseAsync(conn, SmtpRejectReason.TooManyConnectionsFromAddress, connection.ConnectionClosed).ConfigureAwait(false);
                return;
            }
            // Implicit TLS is terminated by Kestrel's TLS middleware (see UseSmtp), below this handler.
            var session = new SmtpSession(conn, _options, _implicitTls);
            await using (session.ConfigureAwait(false))
            {
                await session.RunAsync(connection.ConnectionClosed).ConfigureAwait(false);
            }
        }
        finally
        {
            if (address is not null) Release(address);
            Interlocked.Decrement(ref _active);
            SmtpServerMetrics.SessionClosed();
        }
    }

    private static IPAddress? ClientAddress(EndPoint? endPoint) =>
        (endPoint as IPEndPoint)?.Address is { } a ? (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a) : null;

    private void Release(IPAddress address)
    {
        while (true)
        {
            if (!_perAddress.TryGetValue(address, out var count)) return;
            if (count <= 1)
            {
                if (_perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, count))) return;
            }
            else if (_perAddress.TryUpdate(address, count - 1, count))
            {
                return;
            }
        }
    }

    private static async Task RefuseAsync(Connection conn, SmtpRejectReason reason, CancellationToken cancellationToken)
    {
        await using (conn.ConfigureAwait(false))
        {
            var entry = SmtpRejectReasons.Get(reason);
            SmtpServerMetrics.Rejected(reason);
            try
            {
                await conn.Writer.WriteLineAsync($"{entry.Code} {entry.Text}", cancellationToken).ConfigureAwait(false);
                await conn.CloseAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException)
            {
                conn.Abort();
            }
        }
    }
}
