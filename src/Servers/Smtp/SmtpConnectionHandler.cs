using Microsoft.AspNetCore.Connections;
using Protocols.Net;

namespace Protocols.Servers.Smtp;

/// <summary>
/// Hands Kestrel connections to <see cref="SmtpSession"/>s: one instance per endpoint, per-connection state in the
/// session. Enforces the connection limit (421 past it) and implicit TLS for SMTPS endpoints.
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

    /// <summary>Sessions running now.</summary>
    public int ActiveSessions => Volatile.Read(ref _active);

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var conn = Connection.Create(connection.Transport, new ConnectionOptions(), connection.LocalEndPoint,
            connection.RemoteEndPoint, connection.Abort);
        var active = Interlocked.Increment(ref _active);
        SmtpServerMetrics.SessionOpened();
        try
        {
            if (active > _options.Limits.MaxConnections)
            {
                await RefuseAsync(conn, connection.ConnectionClosed).ConfigureAwait(false);
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
            Interlocked.Decrement(ref _active);
            SmtpServerMetrics.SessionClosed();
        }
    }

    private static async Task RefuseAsync(Connection conn, CancellationToken cancellationToken)
    {
        await using (conn.ConfigureAwait(false))
        {
            var entry = SmtpRejectReasons.Get(SmtpRejectReason.TooManyConnections);
            SmtpServerMetrics.Rejected(SmtpRejectReason.TooManyConnections);
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
