using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Protocols.Servers.Smtp;

/// <summary>
/// A standalone SMTP server on its own Kestrel host: one plain endpoint (STARTTLS when a certificate is set) and
/// optionally an implicit-TLS (SMTPS) one. Ready when <see cref="StartAsync"/> returns; <see cref="EndPoint"/>
/// holds the bound port (bind port 0 for any).
/// </summary>
public sealed class SmtpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ListenOptions _listen;
    private readonly ListenOptions? _implicitListen;

    private SmtpServer(WebApplication app, SmtpServerOptions options, ListenOptions listen, ListenOptions? implicitListen)
    {
        _app = app;
        Options = options;
        _listen = listen;
        _implicitListen = implicitListen;
    }

    public SmtpServerOptions Options { get; }

    /// <summary>The bound plain endpoint.</summary>
    public IPEndPoint EndPoint => _listen.IPEndPoint!;

    /// <summary>The bound SMTPS endpoint, when one was asked for.</summary>
    public IPEndPoint? ImplicitTlsEndPoint => _implicitListen?.IPEndPoint;

    public static async Task<SmtpServer> StartAsync(SmtpServerOptions options, IPEndPoint endPoint, IPEndPoint? implicitTlsEndPoint = null,
        Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endPoint);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        ListenOptions? listen = null, implicitListen = null;
        if (options.InlineScheduling) builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(endPoint, l => { listen = l; l.UseSmtp(options); });
            if (implicitTlsEndPoint is not null) kestrel.Listen(implicitTlsEndPoint, l => { implicitListen = l; l.UseSmtp(options, implicitTls: true); });
        });
        var app = builder.Build();
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new SmtpServer(app, options, listen!, implicitListen);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default) => await _app.StopAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
