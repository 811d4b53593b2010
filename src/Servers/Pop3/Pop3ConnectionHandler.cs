using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Protocols.Net;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.Pop3;

/// <summary>Hands each Kestrel connection on a POP3 endpoint to a new <see cref="Pop3Session"/>. One instance per endpoint.</summary>
public sealed class Pop3ConnectionHandler(IPop3MailboxProvider provider, Pop3ServerOptions options, ProtocolsMetrics? metrics = null, ILogger? logger = null)
    : ConnectionHandler
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public override Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var transport = Connection.Create(connection.Transport, localEndPoint: connection.LocalEndPoint,
            remoteEndPoint: connection.RemoteEndPoint, abort: connection.Abort);
        return new Pop3Session(transport, provider, options, metrics, _logger).RunAsync(connection.ConnectionClosed);
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
