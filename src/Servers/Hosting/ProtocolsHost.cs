using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Protocols.Net;

namespace Protocols.Servers.Hosting;

/// <summary>
/// One running host with several endpoints (HTTP, SMTP, FTP, POP3, IMAP...): line endpoints (implicit TLS included) on its own line
/// listeners, HTTP endpoints on one Kestrel server (started only when it has one). Made by
/// <see cref="ProtocolsHostBuilder.StartAsync"/>: every endpoint listens when you have it, and
/// <see cref="HostedEndpoint.Bound"/> tells the real port of each. <see cref="DisposeAsync"/> stops and waits.
/// Built on the framework's supported lean builder (<c>WebApplication.CreateEmptyBuilder</c> with
/// <c>UseKestrelCore</c>): Kestrel comes from its own DI registrations, nothing is reached by reflection. The server is
/// started with one lean <see cref="Microsoft.AspNetCore.Hosting.Server.IHttpApplication{TContext}"/> for every HTTP
/// endpoint; raw TCP endpoints get their connection handlers. Line endpoints (<see cref="ProtocolsHostBuilder.AddLineEndpoint(string, System.Net.IPEndPoint, Protocols.Servers.Lines.LineConnectionHandler, Protocols.Servers.Hosting.EndpointTls)"/>)
/// are not Kestrel's: each has its own <see cref="LineListener"/>, bound before Kestrel starts and stopped with it.
/// </summary>
public sealed class ProtocolsHost : IAsyncDisposable
{
    private readonly IServer? _server;
    private readonly WebApplication _app;
    private readonly IReadOnlyList<LineListener> _listeners;
    private int _stopped;

    private ProtocolsHost(IServer? server, WebApplication app, IReadOnlyList<LineListener> listeners, IReadOnlyList<HostedEndpoint> endpoints)
    {
        _server = server;
        _app = app;
        _listeners = listeners;
        Endpoints = endpoints;
    }

    /// <summary>Every endpoint, bound, in registration order.</summary>
    public IReadOnlyList<HostedEndpoint> Endpoints { get; }

    /// <summary>The addresses Kestrel reports as bound (its <see cref="IServerAddressesFeature"/>; line endpoints of
    /// <see cref="ProtocolsHostBuilder.AddLineEndpoint(string, System.Net.IPEndPoint, Protocols.Servers.Lines.LineConnectionHandler, Protocols.Servers.Hosting.EndpointTls)"/> are not Kestrel's: see <see cref="Endpoints"/>).</summary>
    public IReadOnlyCollection<string> Addresses =>
        _server?.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    /// <summary>The endpoint registered under <paramref name="name"/>.</summary>
    public HostedEndpoint this[string name] =>
        Endpoints.FirstOrDefault(e => e.Name == name) ?? throw new KeyNotFoundException($"no endpoint named '{name}'");

    /// <summary>The bound address and port of the endpoint named <paramref name="name"/>.</summary>
    public IPEndPoint GetEndPoint(string name) => this[name].EndPoint;

    /// <summary>Services built from <see cref="ProtocolsHostBuilder.Services"/>.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Stops accepting, lets requests and sessions in flight finish for up to <paramref name="gracePeriod"/>
    /// (default 5 s), then aborts what is left and returns.
    /// </summary>
    public async Task StopAsync(TimeSpan? gracePeriod = null, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(gracePeriod ?? TimeSpan.FromSeconds(5));
        try
        {
            var stops = _listeners.Select(l => l.StopAsync(grace.Token)).ToList();
            if (_server is not null) stops.Add(_server.StopAsync(grace.Token));
            await Task.WhenAll(stops).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    internal static async Task<ProtocolsHost> StartAsync(ProtocolsHostBuilder builder, CancellationToken cancellationToken)
    {
        if (builder.Registrations.Count == 0) throw new InvalidOperationException("no endpoint registered");
        var web = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [] });
        web.WebHost.UseKestrelCore().UseKestrelHttpsConfiguration();
        web.WebHost.UseSockets(sockets =>
        {
            // Completions already run on the epoll thread: hopping from there to the pool to run the connection's code
            // would undo it (see SocketEngine). A builder's own socket configuration still wins.
            if (SocketEngine.IsEventLoop) sockets.UnsafePreferInlineScheduling = true;
            // Receive into a buffer straight away instead of first waiting on a 1-byte peek: one syscall per read
            // instead of two. A 1 MiB SMTP message arrives in ~256 reads, so this took its server CPU from 2.2-2.4 ms
            // to 1.5-1.8 ms (in-memory store, branch bigmsg, load 30); the cost is a pool block per idle connection
            // (32 KiB, ReceiveBufferPool).
            sockets.WaitForDataBeforeAllocatingBuffer = false;
            foreach (var configure in builder.SocketConfigurations) configure(sockets);
        });
        web.Services.Replace(ServiceDescriptor.Singleton<IMemoryPoolFactory<byte>, ReceiveBufferPoolFactory>()); // 32 KiB receives
        foreach (var service in builder.Services) web.Services.Add(service);
        web.Services.Replace(ServiceDescriptor.Singleton(builder.LoggerFactory));
        var endpoints = builder.Registrations.Select(r => r.Endpoint).ToList();
        var kestrel = builder.Registrations.Where(r => r.Configure is not null).ToList();
        web.WebHost.ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            foreach (var configure in builder.KestrelConfigurations) configure(options);
            foreach (var registration in kestrel)
            {
                var endpoint = registration.Endpoint;
                options.Listen(endpoint.Requested, listen =>
                {
                    endpoint.ListenOptions = listen;
                    if (DescriptorLimit.Applies) listen.Use(DescriptorReserve.Gate(endpoint.Kind == EndpointKind.Http && endpoint.Tls is null));
                    if (endpoint.Tls is { } tls)
                    {
                        listen.UseHttps(new HttpsConnectionAdapterOptions
                        {
                            ServerCertificate = tls.Certificate,
                            HandshakeTimeout = tls.HandshakeTimeout,
                        });
                    }
                    registration.Configure!(listen);
                });
            }
        });
        var app = web.Build();
        var listeners = new List<LineListener>();
        var logger = builder.LoggerFactory.CreateLogger("Protocols.Servers.Hosting");
        foreach (var registration in builder.Registrations)
        {
            if (registration.Line is not { } handler) continue;
            try
            {
                var listener = LineListener.Bind(registration.Endpoint.Requested, handler, logger, registration.LineTls);
                listeners.Add(listener);
                registration.Endpoint.Bound = listener.EndPoint;
            }
            catch (SocketException ex)
            {
                await StopQuietlyAsync(null, app, listeners).ConfigureAwait(false);
                throw new EndpointBindException(registration.Endpoint.Name, registration.Endpoint.Requested, ex);
            }
        }
        // Kestrel only when it has endpoints: started without any, it would bind its default localhost:5000.
        var server = kestrel.Count > 0 ? app.Services.GetRequiredService<IServer>() : null;
        try
        {
            if (server is not null) await server.StartAsync(new EndpointDispatchApplication(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            await StopQuietlyAsync(server, app, listeners).ConfigureAwait(false);
            var failed = kestrel.Select(r => r.Endpoint).FirstOrDefault(e => !CanBind(e.Requested)) ?? kestrel[0].Endpoint;
            throw new EndpointBindException(failed.Name, failed.Requested, ex);
        }
        catch
        {
            await StopQuietlyAsync(server, app, listeners).ConfigureAwait(false);
            throw;
        }
        foreach (var registration in kestrel)
            registration.Endpoint.Bound = registration.Endpoint.ListenOptions?.IPEndPoint ?? registration.Endpoint.Requested;
        foreach (var listener in listeners) listener.Start();
        return new ProtocolsHost(server, app, listeners, endpoints);
    }

    // After a failed start (everything of ours released), finds which requested endpoint cannot be bound.
    private static bool CanBind(IPEndPoint endPoint)
    {
        if (endPoint.Port == 0) return true;
        try
        {
            using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(endPoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task StopQuietlyAsync(IServer? server, WebApplication app, List<LineListener> listeners)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        foreach (var listener in listeners) await listener.StopAsync(timeout.Token).ConfigureAwait(false);
        if (server is not null) await server.StopAsync(timeout.Token).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
