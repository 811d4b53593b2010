using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Protocols.Net;
using Protocols.Servers.Hosting;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Kernel;

/// <summary>
/// Implicit TLS on a line endpoint (<c>AddLineEndpoint(..., EndpointTls)</c>): the server-side handshake at accept, then
/// the session; a client that does not finish the handshake within <see cref="EndpointTls.HandshakeTimeout"/> is closed
/// and the endpoint goes on serving; plaintext on a TLS port gets no plaintext answer.
/// </summary>
public class LineEndpointTlsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly IPEndPoint AnyPort = new(IPAddress.Loopback, 0);

    private static async Task<ProtocolsHost> StartAsync(TimeSpan handshakeTimeout)
    {
        var certificate = SelfSignedCertificate.Create();
        var options = new SmtpServerOptions { Store = new InMemoryMessageStore(10), Certificate = certificate };
        var builder = new ProtocolsHostBuilder();
        builder.AddLineEndpoint("smtps", AnyPort, new SmtpConnectionHandler(options, implicitTls: true),
            new EndpointTls(certificate) { HandshakeTimeout = handshakeTimeout });
        return await builder.StartAsync().WaitAsync(Timeout);
    }

    private static async Task<string?> TlsGreetingAndQuitAsync(IPEndPoint endPoint)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint).WaitAsync(Timeout);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }).WaitAsync(Timeout);
        using var reader = new StreamReader(tls, Encoding.ASCII);
        var greeting = await reader.ReadLineAsync().WaitAsync(Timeout);
        await tls.WriteAsync("QUIT\r\n"u8.ToArray()).AsTask().WaitAsync(Timeout);
        Assert.That(await reader.ReadLineAsync().WaitAsync(Timeout), Does.StartWith("221 "));
        return greeting;
    }

    [Test]
    public async Task A_tls_client_gets_the_greeting_over_tls()
    {
        await using var host = await StartAsync(TimeSpan.FromSeconds(10));
        Assert.That(await TlsGreetingAndQuitAsync(host.GetEndPoint("smtps")), Does.StartWith("220 "));
    }

    [Test]
    public async Task A_client_past_the_handshake_timeout_is_closed_and_the_endpoint_still_serves()
    {
        await using var host = await StartAsync(TimeSpan.FromMilliseconds(500));
        using var silent = new TcpClient();
        await silent.ConnectAsync(host.GetEndPoint("smtps")).WaitAsync(Timeout);
        var buffer = new byte[64];
        int read;
        try
        {
            read = await silent.GetStream().ReadAsync(buffer).AsTask().WaitAsync(Timeout);
        }
        catch (IOException)
        {
            read = 0; // reset instead of a FIN: closed all the same
        }
        Assert.That(read, Is.Zero, "closed without a byte once the handshake timed out");
        Assert.That(await TlsGreetingAndQuitAsync(host.GetEndPoint("smtps")), Does.StartWith("220 "));
    }

    [Test]
    public async Task Plaintext_on_a_tls_endpoint_gets_no_plaintext_reply()
    {
        await using var host = await StartAsync(TimeSpan.FromSeconds(10));
        using var plain = new TcpClient();
        await plain.ConnectAsync(host.GetEndPoint("smtps")).WaitAsync(Timeout);
        var stream = plain.GetStream();
        await stream.WriteAsync("EHLO plain.example\r\n"u8.ToArray()).AsTask().WaitAsync(Timeout);
        var received = new MemoryStream();
        var buffer = new byte[256];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout)) > 0) received.Write(buffer, 0, n);
        }
        catch (IOException)
        {
            // reset: the connection is closed
        }
        Assert.That(Encoding.ASCII.GetString(received.ToArray()), Does.Not.Contain("220").And.Not.Contain("250"));
    }
}
