using System.Net;
using Microsoft.Extensions.Logging;

namespace Protocols.Servers.Hosting;

/// <summary>
/// A standalone line-protocol server (<see cref="Smtp.SmtpServer"/>, <see cref="Ftp.FtpServer"/>): a host of its own
/// (<see cref="ProtocolsHostBuilder"/>) with one plain endpoint and optionally an implicit-TLS one, both line endpoints
/// (<see cref="ProtocolsHostBuilder.AddLineEndpoint(string, System.Net.IPEndPoint, Protocols.Servers.Lines.LineConnectionHandler, Protocols.Servers.Hosting.EndpointTls)"/>).
/// Ready when its <c>StartAsync</c> returns; <see cref="EndPoint"/> holds the bound port (bind port 0 for any);
/// disposing stops the host and the logger factory made for it.
/// </summary>
public abstract class LineServer : IAsyncDisposable
{
    private readonly ProtocolsHost _host;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly string _plainName;
    private readonly string? _implicitTlsName;

    private protected LineServer(Started started, string plainName, string? implicitTlsName)
    {
        _host = started.Host;
        _loggerFactory = started.LoggerFactory;
        _plainName = plainName;
        _implicitTlsName = implicitTlsName;
    }

    /// <summary>The bound plain endpoint (the control endpoint for FTP).</summary>
    public IPEndPoint EndPoint => _host.GetEndPoint(_plainName);

    /// <summary>The bound implicit-TLS endpoint, when one was asked for.</summary>
    public IPEndPoint? ImplicitTlsEndPoint => _implicitTlsName is null ? null : _host.GetEndPoint(_implicitTlsName);

    public async Task StopAsync(CancellationToken cancellationToken = default) =>
        await _host.StopAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync().ConfigureAwait(false);
        _loggerFactory?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Makes the logger factory (when <paramref name="logging"/> is given), lets <paramref name="addEndpoints"/> add the
    /// endpoints, starts the host; if anything fails, the logger factory is disposed before the exception goes on.
    /// </summary>
    private protected static async Task<Started> StartHostAsync(Action<ILoggingBuilder>? logging, Action<ProtocolsHostBuilder> addEndpoints,
        CancellationToken cancellationToken)
    {
        var loggerFactory = logging is null ? null : LoggerFactory.Create(logging);
        try
        {
            var builder = new ProtocolsHostBuilder(loggerFactory);
            addEndpoints(builder);
            return new Started(await builder.StartAsync(cancellationToken).ConfigureAwait(false), loggerFactory);
        }
        catch
        {
            loggerFactory?.Dispose();
            throw;
        }
    }

    /// <summary>A started host and the logger factory made for it (null when none was asked for).</summary>
    private protected readonly record struct Started(ProtocolsHost Host, ILoggerFactory? LoggerFactory);
}
