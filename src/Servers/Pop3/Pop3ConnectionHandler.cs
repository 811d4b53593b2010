using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Protocols.Net;
using Protocols.Servers.Lines;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.Pop3;

/// <summary>
/// Hands each connection on a POP3 endpoint (the host's line listener's, or Kestrel's for POP3S) to a new <see cref="Pop3Session"/> through the kernel's
/// <see cref="LineConnectionHandler"/>: connection limits (in total and per address, <c>-ERR [SYS/TEMP]</c> past them),
/// one connection count. One instance per endpoint.
/// </summary>
public sealed class Pop3ConnectionHandler(IPop3MailboxProvider provider, Pop3ServerOptions options, ProtocolsMetrics? metrics = null, ILogger? logger = null)
    : LineConnectionHandler(Pop3Session.Protocol, new ConnectionLimiter(options.MaxConnections, options.MaxConnectionsPerAddress), metrics, logger)
{
    protected override void OnAccepting()
    {
        Limiter.MaxConnections = options.MaxConnections;
        Limiter.MaxConnectionsPerAddress = options.MaxConnectionsPerAddress;
        Limiter.StressIdleTimeout = options.StressIdleTimeout;
    }

    protected override ILineSession CreateSession(Connection connection) => new Pop3Session(connection, provider, options, Metrics, Logger);

    protected override ReadOnlyMemory<byte> RefusalLine(LineReject reason)
    {
        var entry = Pop3Rejects.Table[reason];
        Metrics.Rejected(Protocol, entry.Tag);
        return System.Text.Encoding.ASCII.GetBytes("-ERR " + entry.Text + "\r\n");
    }
}

/// <summary>Puts a POP3 server on a Kestrel endpoint.</summary>
public static class Pop3ListenOptionsExtensions
{
    /// <summary>Serves POP3 on this endpoint: <c>options.ListenLocalhost(1110, l => l.UsePop3(provider, pop3Options))</c>.</summary>
    public static ListenOptions UsePop3(this ListenOptions listenOptions, IPop3MailboxProvider provider, Pop3ServerOptions? options = null,
        ProtocolsMetrics? metrics = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        options ??= new Pop3ServerOptions();
        if (options.ImplicitTls)
        {
            // TLS before the first byte of POP3: Kestrel's TLS middleware works for any protocol behind it.
            listenOptions.UseHttps(options.Certificate ?? throw new ArgumentException("implicit TLS needs a certificate", nameof(options)));
        }
        var handler = new Pop3ConnectionHandler(provider, options, metrics, logger);
        listenOptions.Run(handler.OnConnectedAsync);
        return listenOptions;
    }
}
