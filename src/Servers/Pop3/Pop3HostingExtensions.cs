using System.Net;
using Microsoft.Extensions.Logging;
using Protocols.Servers.Hosting;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.Pop3;

/// <summary>Adds a POP3 server to a <see cref="ProtocolsHostBuilder"/>.</summary>
public static class Pop3HostingExtensions
{
    /// <summary>
    /// Serves POP3 on <paramref name="endPoint"/> (port 0 for any free port), on the host's line listener
    /// (<see cref="ProtocolsHostBuilder.AddLineEndpoint(string, System.Net.IPEndPoint, Protocols.Servers.Lines.LineConnectionHandler, Protocols.Servers.Hosting.EndpointTls)"/>). With <paramref name="tls"/>, the endpoint is POP3S (implicit
    /// TLS, RFC 8314, the handshake at accept) and <paramref name="options"/> is marked so; STLS is offered when
    /// <see cref="Pop3ServerOptions.Certificate"/> is set on a plain endpoint.
    /// </summary>
    public static HostedEndpoint AddPop3Server(this ProtocolsHostBuilder builder, IPop3MailboxProvider provider, Pop3ServerOptions options,
        IPEndPoint endPoint, EndpointTls? tls = null, ProtocolsMetrics? metrics = null, string name = "pop3")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        if (tls is not null)
        {
            options.ImplicitTls = true;
            options.Certificate ??= tls.Certificate;
        }
        var handler = new Pop3ConnectionHandler(provider, options, metrics, builder.LoggerFactory.CreateLogger("Protocols.Servers.Pop3"));
        return builder.AddLineEndpoint(name, endPoint, handler, tls);
    }
}
