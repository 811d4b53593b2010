using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Protocols.Tests.Pop3;

/// <summary>A bare Kestrel server on 127.0.0.1, port 0, with one endpoint configured by the test; ready on return.</summary>
internal sealed class KestrelTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KestrelTestHost(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<KestrelTestHost> StartAsync(Action<ListenOptions> configure)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var port = FreePort();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, configure));
        var app = builder.Build();
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(20));
        return new KestrelTestHost(app, port);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await _app.DisposeAsync();
    }
}
