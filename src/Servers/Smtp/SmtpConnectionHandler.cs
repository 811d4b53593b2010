using System.Text;
using Protocols.Net;
using Protocols.Servers.Lines;

namespace Protocols.Servers.Smtp;

/// <summary>
/// Hands connections (Kestrel's, or the host's own accept loop's: <see cref="Hosting.ProtocolsHostBuilder.AddLineEndpoint(string, System.Net.IPEndPoint, Protocols.Servers.Lines.LineConnectionHandler, Protocols.Servers.Hosting.EndpointTls)"/>)
/// to <see cref="SmtpSession"/>s through the kernel's <see cref="LineConnectionHandler"/>:
/// the connection limits (in total and per client address, 421 past them; stale sessions evicted under stress), one
/// connection count, and implicit TLS for SMTPS endpoints (the line endpoint's handshake at accept; the session is told).
/// </summary>
public sealed class SmtpConnectionHandler : LineConnectionHandler
{
    private readonly SmtpServerOptions _options;
    private readonly bool _implicitTls;

    public SmtpConnectionHandler(SmtpServerOptions options, bool implicitTls = false, ConnectionLimiter? limiter = null)
        : base("smtp", limiter ?? new ConnectionLimiter(), (options ?? throw new ArgumentNullException(nameof(options))).Metrics)
    {
        if (implicitTls && options.GetTlsOptions() is null)
            throw new ArgumentException("implicit TLS needs a certificate (SmtpServerOptions.Certificate)", nameof(options));
        _options = options;
        _implicitTls = implicitTls;
    }

    protected override void OnAccepting()
    {
        // The limits are read live from the options.
        Limiter.MaxConnections = _options.Limits.MaxConnections;
        Limiter.MaxConnectionsPerAddress = _options.Limits.MaxConnectionsPerIp;
        Limiter.StressIdleTimeout = _options.Limits.StressIdleTimeout;
    }

    protected override ILineSession CreateSession(Connection connection) => new SmtpSession(connection, _options, _implicitTls);

    protected override ReadOnlyMemory<byte> RefusalLine(LineReject reason)
    {
        var entry = SmtpRejectReasons.Table[reason];
        Metrics.Rejected(Protocol, entry.Tag);
        return Encoding.ASCII.GetBytes($"{entry.Code} {entry.Text}\r\n");
    }
}
