using System.Net;
using Protocols.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace Protocols.Servers.Ftp;

/// <summary>
/// A standalone FTP server on the shared hosting path (ProtocolsHostBuilder): one plain/explicit-TLS control endpoint on the
/// host's line listener (<see cref="ProtocolsHostBuilder.AddLineEndpoint(string, System.Net.IPEndPoint, Protocols.Servers.Lines.LineConnectionHandler, Protocols.Servers.Hosting.EndpointTls)"/>)
/// and optionally an implicit FTPS one there too (the handshake at accept). Passive data connections are the session's own listeners. Ready when <see cref="StartAsync"/> returns; <see cref="EndPoint"/> holds the bound port (bind port 0 for any).
/// </summary>
public sealed class FtpServer : IAsyncDisposable
{
    private readonly ProtocolsHost _host;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly bool _implicitTls;

    private FtpServer(ProtocolsHost host, FtpServerState state, bool implicitTls, ILoggerFactory? loggerFactory)
    {
        _host = host;
        State = state;
        _implicitTls = implicitTls;
        _loggerFactory = loggerFactory;
    }

    /// <summary>Options, users and live counters shared by every session.</summary>
    public FtpServerState State { get; }

    /// <summary>The bound control endpoint.</summary>
    public IPEndPoint EndPoint => _host.GetEndPoint("ftp");

    /// <summary>The bound implicit-FTPS endpoint, when one was asked for.</summary>
    public IPEndPoint? ImplicitTlsEndPoint => _implicitTls ? _host.GetEndPoint("ftps") : null;

    /// <summary>Starts on the shared hosting path (<see cref="ProtocolsHostBuilder"/>); returns when listening.</summary>
    public static async Task<FtpServer> StartAsync(FtpServerOptions options, IPEndPoint endPoint, IPEndPoint? implicitTlsEndPoint = null,
        Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endPoint);
        var state = new FtpServerState(options);
        var loggerFactory = logging is null ? null : LoggerFactory.Create(logging);
        var builder = new ProtocolsHostBuilder(loggerFactory);
        builder.AddLineEndpoint("ftp", endPoint, new FtpConnectionHandler(state, implicitTls: false, builder.LoggerFactory.CreateLogger<FtpConnectionHandler>()));
        if (implicitTlsEndPoint is not null)
        {
            var handler = new FtpConnectionHandler(state, implicitTls: true, builder.LoggerFactory.CreateLogger<FtpConnectionHandler>());
            builder.AddLineEndpoint("ftps", implicitTlsEndPoint, handler, new EndpointTls(options.Certificate!));
        }
        try
        {
            var host = await builder.StartAsync(cancellationToken).ConfigureAwait(false);
            return new FtpServer(host, state, implicitTlsEndPoint is not null, loggerFactory);
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
