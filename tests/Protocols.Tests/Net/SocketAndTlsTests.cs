using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Protocols.Net;
using Protocols.Tests.Support;

namespace Protocols.Tests.Net;

public class SocketAndTlsTests
{
    private static X509Certificate2 _certificate = null!;

    [OneTimeSetUp]
    public static void MakeCertificate() => _certificate = SelfSignedCertificate.Create();

    [OneTimeTearDown]
    public static void DisposeCertificate() => _certificate.Dispose();

    private static SslServerAuthenticationOptions ServerTls => new() { ServerCertificate = _certificate };

    /// <summary>A tiny line echo server: each line comes back upper-cased; STARTTLS upgrades; QUIT closes.</summary>
    private static async Task EchoAsync(Connection connection, PlaintextPolicy policy = PlaintextPolicy.Discard)
    {
        await using var _ = connection;
        while (await connection.Reader.ReadLineStringAsync().Seconds() is { } line)
        {
            if (line == "STARTTLS")
            {
                await connection.Writer.WriteLineAsync("220 go ahead");
                await connection.UpgradeToTlsAsync(ServerTls, policy);
                continue;
            }
            if (line == "QUIT")
            {
                await connection.Writer.WriteLineAsync("BYE");
                await connection.CloseAsync();
                return;
            }
            await connection.Writer.WriteLineAsync((connection.IsTls ? "TLS " : "") + line.ToUpperInvariant());
        }
    }

    private static (TcpListener Listener, Task<Connection> Accepted) Listen(IPAddress? address = null)
    {
        var listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        listener.Start();
        var accepted = Task.Run(async () => Connection.Create(await listener.AcceptSocketAsync()));
        return (listener, accepted);
    }

    [Test]
    public async Task Echo_over_a_loopback_socket_end_to_end()
    {
        var (listener, accepted) = Listen();
        using var _ = listener;
        await using var client = await Connection.ConnectAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port).Seconds();
        var serving = Task.Run(async () => await EchoAsync(await accepted));
        await client.Writer.WriteLineAsync("hello");
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("HELLO"));
        await client.Writer.WriteLineAsync("QUIT");
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("BYE"));
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.Null, "the server's FIN is a clean end");
        await serving.Seconds();
        Assert.That(client.RemoteEndPoint, Is.EqualTo(listener.LocalEndpoint));
    }

    [Test]
    public async Task Echo_over_an_in_memory_pair_end_to_end()
    {
        var (client, server) = Connection.CreatePair();
        await using var _ = client;
        var serving = EchoAsync(server);
        await client.Writer.WriteLineAsync("abc");
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("ABC"));
        await client.Writer.WriteLineAsync("QUIT");
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("BYE"));
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.Null);
        await serving.Seconds();
    }

    [Test]
    public async Task Connects_over_IPv6_loopback()
    {
        if (!Socket.OSSupportsIPv6) Assert.Fail("IPv6 is not supported on this machine");
        var (listener, accepted) = Listen(IPAddress.IPv6Loopback);
        using var _ = listener;
        await using var client = await Connection.ConnectAsync("[::1]", ((IPEndPoint)listener.LocalEndpoint).Port).Seconds();
        var serving = Task.Run(async () => await EchoAsync(await accepted));
        await client.Writer.WriteLineAsync("v6");
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("V6"));
        await client.Writer.WriteLineAsync("QUIT");
        await serving.Seconds();
    }

    [Test]
    public async Task Connecting_to_a_closed_port_fails_with_a_socket_error()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await Assert.CatchAsync<SocketException>(async () => await Connection.ConnectAsync("127.0.0.1", port).Seconds());
    }

    [Test]
    public async Task Connecting_with_a_cancelled_token_is_cancelled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.CatchAsync<OperationCanceledException>(async () => await Connection.ConnectAsync("127.0.0.1", 9, null, cts.Token).Seconds());
    }

    [Test]
    public async Task Implicit_TLS_at_connect_with_SNI_and_an_accepted_self_signed_certificate()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var _ = listener;
        string? sni = null;
        var serving = Task.Run(async () =>
        {
            var socket = await listener.AcceptSocketAsync();
            var server = Connection.Create(socket);
            var options = new SslServerAuthenticationOptions
            {
                ServerCertificateSelectionCallback = (_, name) => { sni = name; return _certificate; },
            };
            await server.UpgradeToTlsAsync(options);
            await EchoAsync(server);
        });
        var tls = new TlsClientOptions { AcceptAnyCertificate = true, TargetHost = "mail.test" };
        await using var client = await Connection.ConnectAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, new ConnectionOptions { Tls = tls }).Seconds();
        Assert.That(client.IsTls, Is.True);
        await client.Writer.WriteLineAsync("secret");
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("TLS SECRET"));
        Assert.That(sni, Is.EqualTo("mail.test"));
        await client.Writer.WriteLineAsync("QUIT");
        await serving.Seconds();
    }

    [Test]
    public async Task A_self_signed_certificate_is_refused_unless_the_client_opts_in()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var _ = listener;
        var serving = Task.Run(async () =>
        {
            await using var server = Connection.Create(await listener.AcceptSocketAsync());
            // Under TLS 1.3 the server may finish its side before the client rejects the certificate,
            // so only the client's outcome is asserted; the server's handshake just has to end.
            var upgrade = server.UpgradeToTlsAsync(ServerTls);
            await Task.WhenAny(upgrade).Seconds();
        });
        var options = new ConnectionOptions { Tls = new TlsClientOptions() };
        await Assert.ThrowsAsync<AuthenticationException>(async () =>
            await Connection.ConnectAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, options).Seconds());
        await serving.Seconds();
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task STARTTLS_upgrades_in_place(bool overSocket)
    {
        Connection client;
        Task serving;
        TcpListener? listener = null;
        if (overSocket)
        {
            (listener, var accepted) = Listen();
            client = await Connection.ConnectAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port).Seconds();
            serving = Task.Run(async () => await EchoAsync(await accepted));
        }
        else
        {
            (client, var server) = Connection.CreatePair();
            serving = EchoAsync(server);
        }
        await using (client)
        {
            await client.Writer.WriteLineAsync("plain");
            Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("PLAIN"));
            await client.Writer.WriteLineAsync("STARTTLS");
            Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("220 go ahead"));
            await client.UpgradeToTlsAsync(new TlsClientOptions { AcceptAnyCertificate = true }, "localhost").Seconds();
            await client.Writer.WriteLineAsync("private");
            Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("TLS PRIVATE"));
            await client.Writer.WriteLineAsync("QUIT");
            Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("BYE"));
            Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.Null);
        }
        await serving.Seconds();
        listener?.Stop();
        listener?.Dispose();
    }

    [Test]
    public async Task Plaintext_pipelined_after_STARTTLS_is_discarded_by_the_server_never_read_as_TLS()
    {
        var (client, server) = Connection.CreatePair();
        await using var _ = client;
        var serving = EchoAsync(server, PlaintextPolicy.Discard);
        // The attacker's classic: the command and an injected command in one packet.
        await client.Writer.WriteAsync(Encoding.ASCII.GetBytes("STARTTLS\r\nINJECTED\r\n")).Seconds();
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("220 go ahead"));
        await client.UpgradeToTlsAsync(new TlsClientOptions { AcceptAnyCertificate = true }, "localhost").Seconds();
        await client.Writer.WriteLineAsync("first");
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("TLS FIRST"), "INJECTED never reached the session");
        await client.Writer.WriteLineAsync("QUIT");
        await serving.Seconds();
    }

    [Test]
    public async Task Plaintext_pipelined_after_STARTTLS_is_rejected_when_the_policy_says_so()
    {
        var (client, server) = Connection.CreatePair();
        await using var _ = client;
        await using var __ = server;
        await client.Writer.WriteAsync(Encoding.ASCII.GetBytes("STARTTLS\r\nINJECTED\r\n")).Seconds();
        Assert.That(await server.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("STARTTLS"));
        var e = await Assert.ThrowsAsync<PlaintextInjectionException>(async () => await server.UpgradeToTlsAsync(ServerTls, PlaintextPolicy.Reject).Seconds());
        Assert.That(e!.BufferedBytes, Is.EqualTo(10));
    }

    [Test]
    public async Task A_ClientHello_that_races_in_before_the_server_upgrades_is_not_taken_for_injected_plaintext()
    {
        // Over a pipe transport (what Kestrel hands a handler) the transport fills on its own: the client's
        // ClientHello can be waiting before the server calls the upgrade. It must reach the handshake.
        var (client, server) = Connection.CreatePair();
        await using var _ = client;
        await using var __ = server;
        await client.Writer.WriteLineAsync("STARTTLS").Seconds();
        Assert.That(await server.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("STARTTLS"));
        await server.Writer.WriteLineAsync("220 go ahead").Seconds();
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("220 go ahead"));
        var clientUpgrade = client.UpgradeToTlsAsync(new TlsClientOptions { AcceptAnyCertificate = true }, "localhost");
        await Task.Delay(200); // let the ClientHello land in the server's transport before it upgrades
        await server.UpgradeToTlsAsync(ServerTls).Seconds();
        await clientUpgrade.Seconds();
        await client.Writer.WriteLineAsync("over tls").Seconds();
        Assert.That(await server.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("over tls"));
    }

    [TestCase(PlaintextPolicy.Discard)]
    [TestCase(PlaintextPolicy.Reject)]
    public async Task The_one_step_server_upgrade_drops_pipelined_plaintext_then_sends_the_go_ahead(PlaintextPolicy policy)
    {
        var (client, server) = Connection.CreatePair();
        await using var _ = client;
        await using var __ = server;
        await client.Writer.WriteAsync(Encoding.ASCII.GetBytes("STARTTLS\r\n")).Seconds();
        Assert.That(await server.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("STARTTLS"));
        await client.Writer.WriteAsync(Encoding.ASCII.GetBytes("INJECTED\r\n")).Seconds(); // a separate packet, still before the reply
        await Task.Delay(50);
        var upgrade = server.UpgradeToTlsAsync(ServerTls, "220 go ahead\r\n"u8.ToArray(), policy);
        if (policy == PlaintextPolicy.Reject)
        {
            var e = await Assert.ThrowsAsync<PlaintextInjectionException>(async () => await upgrade.Seconds());
            Assert.That(e!.BufferedBytes, Is.EqualTo(10));
            return;
        }
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("220 go ahead"));
        await client.UpgradeToTlsAsync(new TlsClientOptions { AcceptAnyCertificate = true }, "localhost").Seconds();
        await upgrade.Seconds();
        await client.Writer.WriteLineAsync("first").Seconds();
        Assert.That(await server.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("first"), "INJECTED never reached the session");
    }

    [Test]
    public async Task A_client_refuses_a_reply_injected_after_the_servers_go_ahead()
    {
        var (client, server) = Connection.CreatePair();
        await using var _ = client;
        await using var __ = server;
        await server.Writer.WriteAsync(Encoding.ASCII.GetBytes("220 go ahead\r\n250 injected\r\n")).Seconds();
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("220 go ahead"));
        await Assert.ThrowsAsync<PlaintextInjectionException>(async () =>
            await client.UpgradeToTlsAsync(new TlsClientOptions { AcceptAnyCertificate = true }, "localhost").Seconds());
    }

    [Test]
    public async Task A_peer_that_resets_makes_writes_fail()
    {
        var (listener, accepted) = Listen();
        using var _ = listener;
        await using var client = await Connection.ConnectAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port).Seconds();
        var server = await accepted.Seconds();
        server.Abort();
        await server.DisposeAsync();
        Assert.That(await client.Reader.ReadLineAsync().AsTask().ContinueWith(t => t.IsFaulted || t.Result is null).Seconds(), Is.True);
        await Assert.ThrowsAsync<ConnectionClosedException>(async () =>
        {
            for (var i = 0; i < 100; i++) await client.Writer.WriteAsync(new byte[64 * 1024]).Seconds();
        });
    }
}
