using System.Net;
using System.Net.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Protocols.Servers.Hosting;

/// <summary>
/// Collects the endpoints of one host. The rule: every line-protocol endpoint (SMTP, POP3, IMAP, FTP control, implicit
/// TLS included) is a line endpoint on the host's own accept loop
/// (<see cref="AddLineEndpoint(string, System.Net.IPEndPoint, Protocols.Servers.Lines.LineConnectionHandler, Protocols.Servers.Hosting.EndpointTls)"/>);
/// Kestrel hosts HTTP (and raw TCP endpoints for handlers of your own: <see cref="AddTcpEndpoint{THandler}"/>). <see cref="StartAsync"/> binds them all and returns when they listen.
/// </summary>
public sealed class ProtocolsHostBuilder
{
    private readonly List<Registration> _registrations = [];
    private readonly List<Action<KestrelServerOptions>> _kestrelConfigurations = [];

    private readonly List<Action<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>> _socketConfigurations = [];

    public ProtocolsHostBuilder(ILoggerFactory? loggerFactory = null)
    {
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Services.AddSingleton(LoggerFactory);
        Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
    }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Services the connection handlers are built from (<c>UseConnectionHandler&lt;T&gt;</c> uses them); added to the host's own.</summary>
    public IServiceCollection Services { get; } = new ServiceCollection();

    /// <summary>The endpoints registered so far, in order.</summary>
    public IReadOnlyList<HostedEndpoint> Endpoints => _registrations.Select(r => r.Endpoint).ToList();

    /// <summary>An HTTP endpoint served by <paramref name="application"/>, with optional implicit TLS.</summary>
    public HostedEndpoint AddHttpEndpoint(string name, IPEndPoint endPoint, RequestDelegate application, EndpointTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(application);
        return Add(name, EndpointKind.Http, endPoint, tls, listen =>
        {
            listen.Protocols = tls is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
            listen.Use(next => connection =>
            {
                connection.Items[EndpointDispatchApplication.ApplicationKey] = application;
                return next(connection);
            });
        });
    }

    /// <summary>A raw TCP endpoint whose connections go to a <see cref="ConnectionHandler"/> (one instance per endpoint, from <see cref="Services"/>).</summary>
    public HostedEndpoint AddTcpEndpoint<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(string name, IPEndPoint endPoint, EndpointTls? tls = null)
        where THandler : ConnectionHandler =>
        Add(name, EndpointKind.Tcp, endPoint, tls, listen => listen.UseConnectionHandler<THandler>());

    /// <summary>A raw TCP endpoint whose connections go to <paramref name="handler"/>.</summary>
    public HostedEndpoint AddTcpEndpoint(string name, IPEndPoint endPoint, ConnectionDelegate handler, EndpointTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(name, EndpointKind.Tcp, endPoint, tls, listen => listen.Run(connection => handler(connection)));
    }

    /// <summary>
    /// A line-protocol endpoint (SMTP, FTP, POP3, IMAP) served by the host's own accept loop instead of Kestrel's:
    /// each connection goes to <paramref name="handler"/> on the thread that accepted it, with no thread-pool hop and no
    /// pipes between the socket and the session (see <see cref="LineListener"/>). With <paramref name="tls"/>, implicit
    /// TLS (SMTPS, POP3S, IMAPS, implicit FTPS): the stream layer's server-side handshake at accept, within
    /// <see cref="EndpointTls.HandshakeTimeout"/>. Every line endpoint of this repo is one (SmtpServer, FtpServer,
    /// AddPop3Server, AddImapServer, the test servers, DevStack); Kestrel hosts HTTP.
    /// </summary>
    public HostedEndpoint AddLineEndpoint(string name, IPEndPoint endPoint, Lines.LineConnectionHandler handler, EndpointTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var lineTls = tls is null ? null : new LineTls(new SslServerAuthenticationOptions { ServerCertificate = tls.Certificate }, tls.HandshakeTimeout);
        return Add(name, EndpointKind.Tcp, endPoint, tls, null, handler, lineTls);
    }

    /// <summary>An implicit-TLS line endpoint with server authentication options of its own (a certificate selection
    /// callback for SNI, protocols): as <see cref="AddLineEndpoint(string, System.Net.IPEndPoint, Protocols.Servers.Lines.LineConnectionHandler, Protocols.Servers.Hosting.EndpointTls)"/>.</summary>
    public HostedEndpoint AddLineEndpoint(string name, IPEndPoint endPoint, Lines.LineConnectionHandler handler, SslServerAuthenticationOptions tls,
        TimeSpan handshakeTimeout)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(tls);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(handshakeTimeout, TimeSpan.Zero);
        return Add(name, EndpointKind.Tcp, endPoint, null, null, handler, new LineTls(tls, handshakeTimeout));
    }

    /// <summary>Low-level: any endpoint, configured on Kestrel's <see cref="ListenOptions"/> (called after TLS is set up).</summary>
    public HostedEndpoint AddEndpoint(string name, EndpointKind kind, IPEndPoint endPoint, Action<ListenOptions> configure, EndpointTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return Add(name, kind, endPoint, tls, configure);
    }

    /// <summary>Changes the socket transport's options (e.g. inline scheduling) for the whole server.</summary>
    public ProtocolsHostBuilder ConfigureSockets(Action<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _socketConfigurations.Add(configure);
        return this;
    }

    internal IReadOnlyList<Action<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>> SocketConfigurations => _socketConfigurations;

    /// <summary>Changes Kestrel's options (limits, timeouts) for the whole server.</summary>
    public ProtocolsHostBuilder ConfigureKestrel(Action<KestrelServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _kestrelConfigurations.Add(configure);
        return this;
    }

    /// <summary>Binds every endpoint and starts serving; returns when all of them listen.</summary>
    /// <exception cref="EndpointBindException">An address is in use or cannot be bound.</exception>
    public Task<ProtocolsHost> StartAsync(CancellationToken cancellationToken = default) =>
        ProtocolsHost.StartAsync(this, cancellationToken);

    internal IReadOnlyList<Registration> Registrations => _registrations;

    internal IReadOnlyList<Action<KestrelServerOptions>> KestrelConfigurations => _kestrelConfigurations;

    private HostedEndpoint Add(string name, EndpointKind kind, IPEndPoint endPoint, EndpointTls? tls, Action<ListenOptions>? configure,
        Lines.LineConnectionHandler? line = null, LineTls? lineTls = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(endPoint);
        if (_registrations.Any(r => r.Endpoint.Name == name))
            throw new ArgumentException($"an endpoint named '{name}' is already registered", nameof(name));
        var endpoint = new HostedEndpoint(name, kind, endPoint, tls);
        _registrations.Add(new Registration(endpoint, configure, line, lineTls));
        return endpoint;
    }

    /// <summary>One endpoint: on Kestrel (<paramref name="Configure"/>) or on the host's own accept loop (<paramref name="Line"/>).</summary>
    internal sealed record Registration(HostedEndpoint Endpoint, Action<ListenOptions>? Configure, Lines.LineConnectionHandler? Line, LineTls? LineTls = null);
}
