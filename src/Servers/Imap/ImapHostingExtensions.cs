using System.Net;
using System.Text;
using Protocols.Net;
using Protocols.Servers.Hosting;
using Protocols.Servers.Lines;

namespace Protocols.Servers.Imap;

/// <summary>Adds an IMAP server to a <see cref="ProtocolsHostBuilder"/>.</summary>
public static class ImapHostingExtensions
{
    /// <summary>
    /// Serves IMAP on <paramref name="endPoint"/> (port 0 for any free port), on the host's line listener
    /// (<see cref="ProtocolsHostBuilder.AddLineEndpoint(string, System.Net.IPEndPoint, Protocols.Servers.Lines.LineConnectionHandler, Protocols.Servers.Hosting.EndpointTls)"/>). With <paramref name="tls"/>, the endpoint is IMAPS (implicit
    /// TLS, RFC 8314, the handshake at accept); STARTTLS is offered when <see cref="ImapServerOptions.Certificate"/> is set on a
    /// plain endpoint. Endpoints of one <see cref="ImapServer"/> share its <see cref="ImapServer.Limiter"/>.
    /// </summary>
    public static HostedEndpoint AddImapServer(this ProtocolsHostBuilder builder, ImapServer server, IPEndPoint endPoint,
        EndpointTls? tls = null, string name = "imap")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(server);
        var handler = new ImapConnectionHandler(server, implicitTls: tls is not null);
        return builder.AddLineEndpoint(name, endPoint, handler, tls);
    }
}

/// <summary>The kernel's connection handler for IMAP: the limiter, one count per connection, a session per connection.</summary>
internal sealed class ImapConnectionHandler(ImapServer server, bool implicitTls)
    : LineConnectionHandler(ImapSession.Protocol, server.Limiter, server.Metrics, server.Logger)
{
    protected override ILineSession CreateSession(Connection connection) => new ImapSession(connection, server, implicitTls);

    protected override ReadOnlyMemory<byte> RefusalLine(LineReject reason) =>
        Encoding.ASCII.GetBytes("* BYE " + ImapRejects.Table[reason].Text + "\r\n");
}
