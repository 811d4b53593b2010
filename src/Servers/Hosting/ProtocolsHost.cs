using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Protocols.Servers.Hosting;

/// <summary>
/// One running Kestrel server with several endpoints (HTTP, SMTP, FTP, POP3...). Made by
/// <see cref="ProtocolsHostBuilder.StartAsync"/>: every endpoint listens when you have it, and
/// <see cref="HostedEndpoint.Bound"/> tells the real port of each. <see cref="DisposeAsync"/> stops and waits.
/// </summary>
public sealed class ProtocolsHost : IAsyncDisposable
{
    private readonly KestrelServer _server;
    private readonly ServiceProvider _services;
    private int _stopped;

    private ProtocolsHost(KestrelServer server, ServiceProvider services, IReadOnlyList<HostedEndpoint> endpoints)
    {
        _server = server;
        _services = services;
        Endpoints = endpoints;
    }

    /// <summary>Every endpoint, bound, in registration order.</summary>
    public IReadOnlyList<HostedEndpoint> Endpoints { get; }

    /// <summary>The addresses Kestrel reports as bound (its <see cref="IServerAddressesFeature"/>).</summary>
    public IReadOnlyCollection<string> Addresses =>
        _server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    /// <summary>The endpoint registered under <paramref name="name"/>.</summary>
    public HostedEndpoint this[string name] =>
        Endpoints.FirstOrDefault(e => e.Name == name) ?? throw new KeyNotFoundException($"no endpoint named '{name}'");

    /// <summary>The bound address and port of the endpoint named <paramref name="name"/>.</summary>
    public IPEndPoint GetEndPoint(string name) => this[name].EndPoint;

    /// <summary>Services built from <see cref="ProtocolsHostBuilder.Services"/>.</summary>
    public IServiceProvider Services => _services;

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
            await _server.StopAsync(grace.Token).ConfigureAwait(false);
        }
        finally
        {
            _server.Dispose();
            await _services.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    internal static async Task<ProtocolsHost> StartAsync(ProtocolsHostBuilder builder, CancellationToken cancellationToken)
    {
        if (builder.Registrations.Count == 0) throw new InvalidOperationException("no endpoint registered");
        var services = builder.Services.BuildServiceProvider();
        var options = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };
        foreach (var configure in builder.KestrelConfigurations) configure(options);
        var endpoints = new List<HostedEndpoint>();
        foreach (var registration in builder.Registrations)
        {
            var endpoint = registration.Endpoint;
            endpoints.Add(endpoint);
            options.Listen(endpoint.Requested, listen =>
            {
                endpoint.ListenOptions = listen;
                if (endpoint.Tls is { } tls)
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = tls.Certificate,
                        HandshakeTimeout = tls.HandshakeTimeout,
                    });
                }
                registration.Configure(listen);
            });
        }
        var socketOptions = new SocketTransportOptions();
        foreach (var configure in builder.SocketConfigurations) configure(socketOptions);
        var transport = new SocketTransportFactory(Options.Create(socketOptions), builder.LoggerFactory);
        var server = new KestrelServer(Options.Create(options), transport, builder.LoggerFactory);
        try
        {
            await server.StartAsync(new EndpointDispatchApplication(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            await StopQuietlyAsync(server, services).ConfigureAwait(false);
            var failed = endpoints.FirstOrDefault(e => !CanBind(e.Requested)) ?? endpoints[0];
            throw new EndpointBindException(failed.Name, failed.Requested, ex);
        }
        catch
        {
            await StopQuietlyAsync(server, services).ConfigureAwait(false);
            throw;
        }
        foreach (var endpoint in endpoints)
            endpoint.Bound = endpoint.ListenOptions?.IPEndPoint ?? endpoint.Requested;
        return new ProtocolsHost(server, services, endpoints);
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

    private static async Task StopQuietlyAsync(KestrelServer server, ServiceProvider services)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await server.StopAsync(timeout.Token).ConfigureAwait(false);
        server.Dispose();
        await services.DisposeAsync().ConfigureAwait(false);
    }
}
