using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Protocols.Servers.Hosting;

/// <summary>What kind of traffic an endpoint carries.</summary>
public enum EndpointKind
{
    /// <summary>HTTP/1.1 (and HTTP/2 over TLS) handled by a request delegate.</summary>
    Http,

    /// <summary>Raw TCP handed to a connection handler (SMTP, FTP, POP3...).</summary>
    Tcp,
}

/// <summary>One endpoint of a <see cref="ProtocolsHost"/>: its name, what it asked for and, after start, where it is bound.</summary>
public sealed class HostedEndpoint
{
    internal HostedEndpoint(string name, EndpointKind kind, IPEndPoint requested, EndpointTls? tls)
    {
        Name = name;
        Kind = kind;
        Requested = requested;
        Tls = tls;
    }

    /// <summary>The unique name given at registration (for example "http", "smtp").</summary>
    public string Name { get; }

    public EndpointKind Kind { get; }

    /// <summary>The address and port asked for; port 0 means any free port.</summary>
    public IPEndPoint Requested { get; }

    public EndpointTls? Tls { get; }

    /// <summary>The endpoint actually bound (the real port when 0 was asked). Null before start.</summary>
    public IPEndPoint? Bound { get; internal set; }

    /// <summary>The bound endpoint; throws before the host has started.</summary>
    public IPEndPoint EndPoint => Bound ?? throw new InvalidOperationException($"endpoint '{Name}' is not bound yet");

    internal ListenOptions? ListenOptions { get; set; }

    /// <summary>A URL for HTTP endpoints (<c>http://127.0.0.1:8080/</c>), a host:port otherwise.</summary>
    public override string ToString()
    {
        var ep = Bound ?? Requested;
        var host = ep.Address.Equals(IPAddress.Any) || ep.Address.Equals(IPAddress.IPv6Any) ? "localhost"
            : ep.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ep.Address}]" : ep.Address.ToString();
        return Kind == EndpointKind.Http ? $"{(Tls is null ? "http" : "https")}://{host}:{ep.Port}/" : $"{host}:{ep.Port}";
    }
}
