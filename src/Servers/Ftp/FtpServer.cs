using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Protocols.Servers.Ftp;

/// <summary>
/// A standalone FTP server on its own Kestrel host: one plain/explicit-TLS endpoint and optionally an implicit FTPS
/// one. Ready when <see cref="StartAsync"/> returns; <see cref="EndPoint"/> holds the bound port (bind port 0 for any).
/// </summary>
public sealed class FtpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ListenOptions _listen;
    private readonly ListenOptions? _implicitListen;

    private FtpServer(WebApplication app, FtpServerState state, ListenOptions listen, ListenOptions? implicitListen)
    {
        _app = app;
        State = state;
        _listen = listen;
        _implicitListen = implicitListen;
    }

    public FtpServerState State { get; }

    /// <summary>The bound control endpoint.</summary>
    public IPEndPoint EndPoint => _listen.IPEndPoint!;

    /// <summary>The bound implicit FTPS endpoint, when one was asked for.</summary>
    public IPEndPoint? ImplicitTlsEndPoint => _implicitListen?.IPEndPoint;

    public static async Task<FtpServer> StartAsync(FtpServerOptions options, IPEndPoint endPoint, IPEndPoint? implicitTlsEndPoint = null,
        Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endPoint);
        var state = new FtpServerState(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        ListenOptions? listen = null, implicitListen = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(endPoint, l => listen = l.UseFtp(state));
            if (implicitTlsEndPoint is not null) kestrel.Listen(implicitTlsEndPoint, l => implicitListen = l.UseFtp(state, implicitTls: true));
        });
        var app = builder.Build();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new FtpServer(app, state, listen!, implicitListen);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default) => await _app.StopAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
