using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Protocols.Net;
using Protocols.Servers.Hosting;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Kernel;

/// <summary>
/// The line listener's Linux transport (<see cref="EpollListener"/>, <see cref="EpollSocketStream"/>) under an SMTP
/// endpoint: a burst of connections past one wake-up's accepts, peers that leave during the greeting, the connection
/// limit at and past it, and STARTTLS (the stream layer's one TLS path over the raw socket).
/// </summary>
public class EpollTransportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static IPEndPoint AnyPort => new(IPAddress.Loopback, 0);

    private static async Task<(ProtocolsHost Host, SmtpConnectionHandler Handler)> StartAsync(Action<SmtpServerOptions>? configure = null)
    {
        var options = new SmtpServerOptions { Store = new InMemoryMessageStore(10) };
        configure?.Invoke(options);
        var handler = new SmtpConnectionHandler(options);
        var builder = new ProtocolsHostBuilder();
        builder.AddLineEndpoint("smtp", AnyPort, handler);
        return (await builder.StartAsync().WaitAsync(Timeout), handler);
    }

    private static async Task<(TcpClient Tcp, StreamReader Reader, Stream Stream)> ConnectAsync(IPEndPoint endPoint)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint).WaitAsync(Timeout);
        var stream = tcp.GetStream();
        return (tcp, new StreamReader(stream, Encoding.ASCII), stream);
    }

    private static Task SendAsync(Stream stream, string line) => stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n")).AsTask().WaitAsync(Timeout);

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    [Test]
    public async Task On_linux_the_line_listener_runs_on_its_own_epoll_loop()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.That(EpollLoop.IsSupported, Is.False, "elsewhere .NET's sockets serve");
            return;
        }
        Assert.That(EpollLoop.IsSupported, Is.True, "PROTOCOLS_LINE_TRANSPORT is not set in the test run");
        var (host, _) = await StartAsync();
        await using var _ = host;
        var (tcp, reader, _) = await ConnectAsync(host.GetEndPoint("smtp"));
        using (tcp) Assert.That(await reader.ReadLineAsync().WaitAsync(Timeout), Does.StartWith("220 "));
        var threads = Directory.GetDirectories("/proc/self/task").Select(t => File.ReadAllText(Path.Combine(t, "comm")).Trim());
        Assert.That(threads, Has.Some.StartsWith(".NET Lines"), "the loop's thread");
    }

    [Test]
    public async Task A_burst_of_connections_past_one_wake_ups_accepts_is_served_in_full()
    {
        const int burst = EpollListener.MaxAcceptsPerWake * 3;
        var (host, handler) = await StartAsync(o => { o.Limits.MaxConnections = burst; o.Limits.MaxConnectionsPerIp = burst; });
        await using var _ = host;
        var endPoint = host.GetEndPoint("smtp");
        var clients = await Task.WhenAll(Enumerable.Range(0, burst).Select(_ => ConnectAsync(endPoint)));
        try
        {
            var greetings = await Task.WhenAll(clients.Select(c => c.Reader.ReadLineAsync().WaitAsync(Timeout)));
            Assert.That(greetings, Has.All.StartWith("220 "), "every one greeted: none refused, none left in the backlog");
            await Task.WhenAll(clients.Select(c => SendAsync(c.Stream, "QUIT")));
            var byes = await Task.WhenAll(clients.Select(c => c.Reader.ReadLineAsync().WaitAsync(Timeout)));
            Assert.That(byes, Has.All.StartWith("221 "));
        }
        finally
        {
            foreach (var c in clients) c.Tcp.Dispose();
        }
        await WaitUntilAsync(() => handler.ActiveSessions == 0, "every session ended");
    }

    [Test]
    public async Task Peers_that_reset_or_close_during_the_greeting_leave_the_endpoint_serving()
    {
        var (host, handler) = await StartAsync();
        await using var _ = host;
        var endPoint = host.GetEndPoint("smtp");
        for (var i = 0; i < 20; i++)
        {
            using var gone = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await gone.ConnectAsync(endPoint).WaitAsync(Timeout);
            if (i % 2 == 0) gone.LingerState = new LingerOption(true, 0); // a reset; the others a FIN, unread greeting and all
            gone.Close();
        }
        await WaitUntilAsync(() => handler.ActiveSessions == 0, "the abandoned sessions ended");
        var (tcp, reader, stream) = await ConnectAsync(endPoint);
        using (tcp)
        {
            Assert.That(await reader.ReadLineAsync().WaitAsync(Timeout), Does.StartWith("220 "));
            await SendAsync(stream, "QUIT");
            Assert.That(await reader.ReadLineAsync().WaitAsync(Timeout), Does.StartWith("221 "));
            Assert.That(await reader.ReadLineAsync().WaitAsync(Timeout), Is.Null, "then the server's FIN");
        }
    }

    [Test]
    public async Task The_connection_limit_serves_up_to_it_and_refuses_one_past_it()
    {
        var (host, _) = await StartAsync(o => o.Limits.MaxConnections = 2);
        await using var _ = host;
        var endPoint = host.GetEndPoint("smtp");
        var first = await ConnectAsync(endPoint);
        var second = await ConnectAsync(endPoint);
        try
        {
            Assert.That(await first.Reader.ReadLineAsync().WaitAsync(Timeout), Does.StartWith("220 "));
            Assert.That(await second.Reader.ReadLineAsync().WaitAsync(Timeout), Does.StartWith("220 "), "at the limit");
            var (tcp, reader, _) = await ConnectAsync(endPoint);
            using (tcp)
            {
                Assert.That(await reader.ReadLineAsync().WaitAsync(Timeout), Does.StartWith("421 "), "past the limit");
                Assert.That(await reader.ReadLineAsync().WaitAsync(Timeout), Is.Null, "and closed");
            }
        }
        finally
        {
            first.Tcp.Dispose();
            second.Tcp.Dispose();
        }
    }

    [Test]
    public async Task Starttls_upgrades_a_session_on_the_raw_transport()
    {
        using var certificate = SelfSignedCertificate.Create();
        var (host, _) = await StartAsync(o => o.Certificate = certificate);
        await using var _ = host;
        var (tcp, reader, stream) = await ConnectAsync(host.GetEndPoint("smtp"));
        using (tcp)
        {
            Assert.That(await reader.ReadLineAsync().WaitAsync(Timeout), Does.StartWith("220 "));
            await SendAsync(stream, "EHLO client.example");
            string? line;
            while ((line = await reader.ReadLineAsync().WaitAsync(Timeout)) is not null && line.StartsWith("250-", StringComparison.Ordinal))
            {
            }
            Assert.That(line, Does.StartWith("250 "));
            await SendAsync(stream, "STARTTLS");
            Assert.That(await reader.ReadLineAsync().WaitAsync(Timeout), Does.StartWith("220 "));
            await using var tls = new SslStream(stream, leaveInnerStreamOpen: true);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }).WaitAsync(Timeout);
            using var secure = new StreamReader(tls, Encoding.ASCII);
            await tls.WriteAsync(Encoding.ASCII.GetBytes("EHLO client.example\r\n")).AsTask().WaitAsync(Timeout);
            while ((line = await secure.ReadLineAsync().WaitAsync(Timeout)) is not null && line.StartsWith("250-", StringComparison.Ordinal))
            {
            }
            Assert.That(line, Does.StartWith("250 "), "EHLO answered over TLS");
            await tls.WriteAsync(Encoding.ASCII.GetBytes("QUIT\r\n")).AsTask().WaitAsync(Timeout);
            Assert.That(await secure.ReadLineAsync().WaitAsync(Timeout), Does.StartWith("221 "));
        }
    }
}
