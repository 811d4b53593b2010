using System.Net;
using Microsoft.Extensions.Logging;
using Protocols.Servers.Hosting;

namespace Protocols.Servers.Smtp;

/// <summary>
/// A standalone SMTP server on the shared hosting path (<see cref="ProtocolsHostBuilder"/>): one plain endpoint
/// (STARTTLS when a certificate is set) on the host's own accept loop (<see cref="ProtocolsHostBuilder.AddLineEndpoint(string, System.Net.IPEndPoint, Protocols.Servers.Lines.LineConnectionHandler, Protocols.Servers.Hosting.EndpointTls)"/>)
/// and optionally an implicit-TLS (SMTPS) one, also a line endpoint (the handshake at accept). Ready when
/// <see cref="StartAsync"/> returns; <see cref="EndPoint"/> holds the bound port (bind port 0 for any).
/// </summary>
public sealed class SmtpServer : IAsyncDisposable
{
    // How long a client gets for the SMTPS handshake.
    internal static readonly TimeSpan ImplicitTlsHandshakeTimeout = TimeSpan.FromSeconds(30);

    private readonly ProtocolsHost _host;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly bool _implicitTls;

    private SmtpServer(ProtocolsHost host, SmtpServerOptions options, bool implicitTls, ILoggerFactory? loggerFactory)
    {
        _host = host;
        Options = options;
        _implicitTls = implicitTls;
        _loggerFactory = loggerFactory;
    }

    public SmtpServerOptions Options { get; }

    /// <summary>The bound plain endpoint.</summary>
    public IPEndPoint EndPoint => _host.GetEndPoint("smtp");

    /// <summary>The bound SMTPS endpoint, when one was asked for.</summary>
    public IPEndPoint? ImplicitTlsEndPoint => _implicitTls ? _host.GetEndPoint("smtps") : null;

    public static async Task<SmtpServer> StartAsync(SmtpServerOptions options, IPEndPoint endPoint, IPEndPoint? implicitTlsEndPoint = null,
        Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endPoint);
        var loggerFactory = logging is null ? null : LoggerFactory.Create(logging);
        var builder = new ProtocolsHostBuilder(loggerFactory);
        if (options.InlineScheduling) builder.ConfigureSockets(s => s.UnsafePreferInlineScheduling = true);
        builder.AddLineEndpoint("smtp", endPoint, new SmtpConnectionHandler(options));
        if (implicitTlsEndPoint is not null)
            builder.AddLineEndpoint("smtps", implicitTlsEndPoint, new SmtpConnectionHandler(options, implicitTls: true), options.GetTlsOptions()!, ImplicitTlsHandshakeTimeout);
        try
        {
            var host = await builder.StartAsync(cancellationToken).ConfigureAwait(false);
            return new SmtpServer(host, options, implicitTlsEndPoint is not null, loggerFactory);
        }
        catch
        {
            loggerFactory?.Dispose();
            throw;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken = default) =>
        await _host.StopAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync().ConfigureAwait(false);
        _loggerFactory?.Dispose();
    }
}
