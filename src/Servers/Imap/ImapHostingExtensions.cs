using System.Net;
using Microsoft.AspNetCore.Connections;
using Protocols.Net;
using Protocols.Servers.Hosting;

namespace Protocols.Servers.Imap;

/// <summary>Adds an IMAP server to a <see cref="ProtocolsHostBuilder"/>.</summary>
public static class ImapHostingExtensions
{
    /// <summary>
    /// Serves IMAP on <paramref name="endPoint"/> (port 0 for any free port). With <paramref name="tls"/>, the endpoint is
    /// IMAPS (implicit TLS, RFC 8314); STARTTLS is offered when <see cref="ImapServerOptions.Certificate"/> is set on a
    /// plain endpoint.
    /// </summary>
    public static HostedEndpoint AddImapServer(this ProtocolsHostBuilder builder, ImapServer server, IPEndPoint endPoint,
        EndpointTls? tls = null, string name = "imap")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(server);
        var implicitTls = tls is not null;
        return builder.AddTcpEndpoint(name, endPoint, connection => OnConnectedAsync(server, connection, implicitTls), tls);
    }

    private static Task OnConnectedAsync(ImapServer server, ConnectionContext connection, bool implicitTls)
    {
        var transport = Connection.Create(connection.Transport, localEndPoint: connection.LocalEndPoint,
            remoteEndPoint: connection.RemoteEndPoint, abort: connection.Abort);
        return server.RunSessionAsync(transport, implicitTls, connection.ConnectionClosed);
    }
}
