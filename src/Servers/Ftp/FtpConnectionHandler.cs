using Microsoft.Extensions.Logging;
using Protocols.Net;
using Protocols.Servers.Lines;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.Ftp;

/// <summary>
/// Hands each connection of an FTP control endpoint (the host's line listener's:
/// <see cref="Hosting.ProtocolsHostBuilder.AddLineEndpoint(string, System.Net.IPEndPoint, Protocols.Servers.Lines.LineConnectionHandler, Protocols.Servers.Hosting.EndpointTls)"/>) to an
/// <see cref="FtpSession"/> through the kernel's
/// <see cref="LineConnectionHandler"/>: the server's <see cref="ConnectionLimiter"/> (total and per IP, 421 when over;
/// idle sessions evicted under stress), one connection count. One instance per endpoint; per-connection state lives in
/// the session. Implicit FTPS is TLS put in front of this handler by the host (the line endpoint's <c>EndpointTls</c>: the handshake at accept).
/// </summary>
public sealed class FtpConnectionHandler : LineConnectionHandler
{
    private readonly FtpServerState _state;
    private readonly bool _implicitTls;

    /// <param name="implicitTls">The host runs TLS in front of this endpoint (implicit FTPS): the control channel counts as protected.</param>
    /// <param name="metrics">Where connections and refusals are counted (<see cref="ProtocolsMetrics.Shared"/> by default).</param>
    public FtpConnectionHandler(FtpServerState state, bool implicitTls, ILogger? logger = null, ProtocolsMetrics? metrics = null)
        : base(FtpSession.Protocol, (state ?? throw new ArgumentNullException(nameof(state))).Limiter, metrics, logger)
    {
        if (implicitTls && state.Options.Certificate is null) throw new ArgumentException("implicit FTPS needs FtpServerOptions.Certificate", nameof(implicitTls));
        _state = state;
        _implicitTls = implicitTls;
    }

    protected override void OnAccepting() => _state.ApplyLimits();

    protected override ILineSession CreateSession(Connection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        connection.Writer.WriteTimeout = TimeSpan.FromSeconds(60);
        return new FtpSession(connection, _state, Logger, _implicitTls, Metrics);
    }

    protected override ReadOnlyMemory<byte> RefusalLine(LineReject reason)
    {
        var entry = FtpSession.Rejects[reason];
        Metrics.Rejected(Protocol, entry.Tag);
        return System.Text.Encoding.ASCII.GetBytes($"{entry.Code} {entry.Text}\r\n");
    }
}
