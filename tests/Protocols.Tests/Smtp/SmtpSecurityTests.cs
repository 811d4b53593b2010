using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Smtp;
using Protocols.Servers.Testing;

namespace Protocols.Tests.Smtp;

/// <summary>TLS, AUTH and connection-level protections of the server.</summary>
public class SmtpSecurityTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(10);

    [Test]
    public async Task AuthIsNotOfferedOrAcceptedBeforeTls()
    {
        var options = new SmtpServerOptions { Authenticator = SmtpAuthenticator.Single("u", "p") };
        await using var h = new SmtpSessionHarness(options);
        await h.ExpectAsync(220);
        await h.SendAsync("EHLO c");
        var ehlo = await h.ExpectAsync(250);
        Assert.That(ehlo.Lines, Has.None.StartsWith("AUTH"));
        var refused = await h.CommandAsync("AUTH PLAIN " + Sasl.EncodePlain("u", "p"), 530);
        Assert.That(refused.EnhancedCode?.ToString(), Is.EqualTo("5.7.0"));
    }

    [Test]
    public async Task InsecureAuthWhenAllowedAndSecretsNeverLogged()
    {
        var log = new ListLogger();
        var options = new SmtpServerOptions
        {
            Authenticator = SmtpAuthenticator.Single("u", "Very-Secret-1"),
            AllowInsecureAuth = true,
            LoggerFactory = new SingleLoggerFactory(log),
        };
        await using var h = await SmtpSessionHarness.StartAsync(options);
        await h.CommandAsync("AUTH PLAIN " + Sasl.EncodePlain("u", "wrong"), 535);
        await h.CommandAsync("AUTH LOGIN", 334);
        await h.CommandAsync(Sasl.EncodeBase64("u"), 334);
        await h.CommandAsync(Sasl.EncodeBase64("Very-Secret-1"), 235);
        await h.CommandAsync("AUTH PLAIN", 503);
        var text = string.Join("\n", log.Lines);
        Assert.That(text, Does.Contain("AUTH PLAIN ***"));
        Assert.That(text, Does.Not.Contain("Very-Secret-1"));
        Assert.That(text, Does.Not.Contain(Sasl.EncodeBase64("Very-Secret-1")));
        Assert.That(text, Does.Not.Contain(Sasl.EncodePlain("u", "wrong")));
    }

    [Test]
    public async Task AuthCancelledWithStarAndBadBase64()
    {
        var options = new SmtpServerOptions { Authenticator = SmtpAuthenticator.Single("u", "p"), AllowInsecureAuth = true };
        await using var h = await SmtpSessionHarness.StartAsync(options);
        await h.CommandAsync("AUTH LOGIN", 334);
        await h.CommandAsync("*", 501);
        await h.CommandAsync("AUTH PLAIN !!!notbase64", 501);
        await h.CommandAsync("AUTH GSSAPI", 504);
        await h.CommandAsync("AUTH CRAM-MD5", 334);
        await h.CommandAsync(Sasl.EncodeBase64("u 00000000000000000000000000000000"), 535);
    }

    [Test]
    public async Task AuthFailureBudgetEndsTheSession()
    {
        var options = new SmtpServerOptions { Authenticator = SmtpAuthenticator.Single("u", "p"), AllowInsecureAuth = true };
        options.Limits.MaxAuthFailures = 2;
        await using var h = await SmtpSessionHarness.StartAsync(options);
        await h.CommandAsync("AUTH PLAIN " + Sasl.EncodePlain("u", "x"), 535);
        await h.CommandAsync("AUTH PLAIN " + Sasl.EncodePlain("u", "y"), 421);
        await h.ExpectClosedAsync();
    }

    [Test]
    public async Task RequireAuthenticationAndRequireTls()
    {
        var options = new SmtpServerOptions { Authenticator = SmtpAuthenticator.Single("u", "p"), AllowInsecureAuth = true, RequireAuthentication = true };
        await using (var h = await SmtpSessionHarness.StartAsync(options))
        {
            await h.CommandAsync("MAIL FROM:<a@example.org>", 530);
            await h.CommandAsync("AUTH PLAIN " + Sasl.EncodePlain("u", "p"), 235);
            await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        }
        await using (var h = await SmtpSessionHarness.StartAsync(new SmtpServerOptions { RequireTls = true }))
        {
            await h.CommandAsync("MAIL FROM:<a@example.org>", 530);
        }
    }

    [Test]
    public async Task PlaintextPipelinedAfterStartTlsIsDiscarded()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(smtp.Host, smtp.Port).WaitAsync(T);
        await using var conn = Connection.Create(tcp.GetStream());
        await ReplyReader.ReadAsync(conn.Reader).AsTask().WaitAsync(T);
        conn.Writer.WriteLine("EHLO c");
        await conn.Writer.DrainAsync().AsTask().WaitAsync(T);
        await ReplyReader.ReadAsync(conn.Reader).AsTask().WaitAsync(T);
        // The injection: commands glued to STARTTLS in the same plaintext write.
        await conn.Writer.WriteAsync(Encoding.ASCII.GetBytes("STARTTLS\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.org>\r\n")).AsTask().WaitAsync(T);
        var ready = await ReplyReader.ReadAsync(conn.Reader).AsTask().WaitAsync(T);
        Assert.That(ready.Code, Is.EqualTo(220));
        await conn.UpgradeToTlsAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = (_, _, _, _) => true },
            PlaintextPolicy.Reject).WaitAsync(T);
        // If the injected MAIL had been kept, RCPT would now be accepted; the server forgot it, so it is out of sequence.
        conn.Writer.WriteLine("EHLO c");
        conn.Writer.WriteLine("RCPT TO:<victim@example.org>");
        await conn.Writer.DrainAsync().AsTask().WaitAsync(T);
        Assert.That((await ReplyReader.ReadAsync(conn.Reader).AsTask().WaitAsync(T)).Code, Is.EqualTo(250));
        Assert.That((await ReplyReader.ReadAsync(conn.Reader).AsTask().WaitAsync(T)).Code, Is.EqualTo(503));
    }

    [Test]
    public async Task StartTlsTwiceAndWithArgumentsAreRefused()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(smtp.Host, smtp.Port).WaitAsync(T);
        await using var conn = Connection.Create(tcp.GetStream());
        await ReplyReader.ReadAsync(conn.Reader).AsTask().WaitAsync(T);
        async Task<int> Cmd(string line)
        {
            await conn.Writer.WriteLineAsync(line).AsTask().WaitAsync(T);
            return (await ReplyReader.ReadAsync(conn.Reader).AsTask().WaitAsync(T)).Code;
        }
        Assert.That(await Cmd("EHLO c"), Is.EqualTo(250));
        Assert.That(await Cmd("STARTTLS now"), Is.EqualTo(501));
        Assert.That(await Cmd("STARTTLS"), Is.EqualTo(220));
        await conn.UpgradeToTlsAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = (_, _, _, _) => true }).WaitAsync(T);
        Assert.That(await Cmd("EHLO c"), Is.EqualTo(250));
        Assert.That(await Cmd("STARTTLS"), Is.EqualTo(503));
    }

    [Test]
    public async Task ConnectionLimitAtAndPast()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Limits.MaxConnections = 2);
        var held = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var c = new TcpClient();
                held.Add(c);
                await c.ConnectAsync(smtp.Host, smtp.Port).WaitAsync(T);
                var line = await new StreamReader(c.GetStream()).ReadLineAsync().WaitAsync(T);
                Assert.That(line, Does.StartWith("220"));
            }
            using var third = new TcpClient();
            await third.ConnectAsync(smtp.Host, smtp.Port).WaitAsync(T);
            var reader = new StreamReader(third.GetStream());
            Assert.That(await reader.ReadLineAsync().WaitAsync(T), Does.StartWith("421"));
            Assert.That(await reader.ReadLineAsync().WaitAsync(T), Is.Null);
        }
        finally
        {
            foreach (var c in held) c.Dispose();
        }
    }

    [Test]
    public async Task PerAddressConnectionLimitAtAndPastWhileAnotherAddressIsServed()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o =>
        {
            o.Limits.MaxConnections = 10;
            o.Limits.MaxConnectionsPerIp = 2;
        });
        async Task<(TcpClient Client, string? Greeting)> OpenFromAsync(string local)
        {
            var c = new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(local), 0));
            await c.ConnectAsync(smtp.Host, smtp.Port).WaitAsync(T);
            return (c, await new StreamReader(c.GetStream()).ReadLineAsync().WaitAsync(T));
        }
        var held = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var (c, greeting) = await OpenFromAsync("127.0.0.1");
                held.Add(c);
                Assert.That(greeting, Does.StartWith("220"), $"connection {i + 1} of 2 from one address");
            }
            var (third, refused) = await OpenFromAsync("127.0.0.1");
            held.Add(third);
            Assert.That(refused, Does.StartWith("421 Too many connections from your address"));
            var (other, served) = await OpenFromAsync("127.0.0.2");
            held.Add(other);
            Assert.That(served, Does.StartWith("220"), "another address is still served");

            // A slot freed by a closing session is given back.
            held[0].Dispose();
            string? again = null;
            for (var attempt = 0; attempt < 50 && again?.StartsWith("220", StringComparison.Ordinal) != true; attempt++)
            {
                await Task.Delay(50);
                var (c, g) = await OpenFromAsync("127.0.0.1");
                held.Add(c);
                again = g;
            }
            Assert.That(again, Does.StartWith("220"));
        }
        finally
        {
            foreach (var c in held) c.Dispose();
        }
    }

    [Test]
    public async Task SlowDataBlockTimesOutWith421()
    {
        var options = new SmtpServerOptions();
        options.Limits.DataBlockTimeout = TimeSpan.FromMilliseconds(300);
        await using var h = await SmtpSessionHarness.StartAsync(options);
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync("half a message");
        Assert.That((await h.ReadAsync()).Code, Is.EqualTo(421));
        await h.ExpectClosedAsync();
        Assert.That(h.Store.Messages, Is.Empty);
    }

    [Test]
    public async Task ConnectHookCanTurnClientsAway()
    {
        var options = new SmtpServerOptions { Handler = new SmtpHandler { Connect = _ => new SmtpResponse(554, "Go away", "5.7.1") } };
        await using var h = new SmtpSessionHarness(options);
        await h.ExpectAsync(554);
        await h.ExpectClosedAsync();
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines) Lines.Add(formatter(state, exception));
        }
    }

    private sealed class SingleLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider) { }
        public ILogger CreateLogger(string categoryName) => logger;
        public void Dispose() { }
    }
}
