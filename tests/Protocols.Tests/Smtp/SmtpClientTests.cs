using System.Text;
using Protocols.Net;
using Protocols.Servers.Smtp;
using Protocols.Servers.Testing;
using Protocols.Smtp;

namespace Protocols.Tests.Smtp;

/// <summary>Our client against our test server over loopback.</summary>
public class SmtpClientTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(10);
    private const string Message = "From: a@example.org\r\nTo: b@example.org\r\nSubject: t\r\n\r\n.dot line\r\nbody\r\n";

    private static SmtpClient NewClient(StringWriter? transcript = null) => new()
    {
        Tls = new TlsClientOptions { AcceptAnyCertificate = true },
        Timeout = T,
        ProtocolLogger = transcript is null ? null : new TextProtocolLogger(transcript),
    };

    [TestCase(true, true)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(false, false)]
    public async Task SendsWithAndWithoutPipeliningAndChunking(bool pipelining, bool chunking)
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var client = NewClient();
        client.UsePipelining = pipelining;
        client.PreferChunking = chunking;
        await client.ConnectAsync(smtp.Host, smtp.Port, SmtpEncryption.None).WaitAsync(T);
        for (var i = 0; i < 3; i++)
        {
            var result = await client.SendAsync(Message, "a@example.org", ["b@example.org", "c@example.org"]).WaitAsync(T);
            Assert.That(result.AllAccepted, Is.True);
            Assert.That(result.Response, Does.Contain("queued as"));
        }
        await client.DisconnectAsync(true).WaitAsync(T);
        Assert.That(smtp.Messages, Has.Count.EqualTo(3));
        Assert.That(smtp.Messages.Select(m => m.RawText), Is.All.EqualTo(Message));
    }

    [Test]
    public async Task SomeRecipientsRefusedGivesPerRecipientResults()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Handler = new SmtpHandler
        {
            Recipient = (_, r) => r.Address.StartsWith("no", StringComparison.Ordinal) ? new SmtpResponse(550, "No such user", "5.1.1") : null,
        });
        await using var client = NewClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, SmtpEncryption.None).WaitAsync(T);
        var result = await client.SendAsync(Message, "a@example.org", ["yes@example.org", "nobody@example.org"]).WaitAsync(T);
        Assert.That(result.Accepted.Select(r => r.Address), Is.EqualTo(new[] { "yes@example.org" }));
        Assert.That(result.Rejected.Single().StatusCode, Is.EqualTo(550));

        var e = await Assert.ThrowsAsync<SmtpRefusedException>(() => client.SendAsync(Message, "a@example.org", ["no1@example.org", "no2@example.org"]).WaitAsync(T));
        Assert.That(e!.ErrorCode, Is.EqualTo(SmtpRefusal.RecipientNotAccepted));
        Assert.That(e.Recipients, Has.Count.EqualTo(2));
        // The session is still usable.
        await client.SendAsync(Message, "a@example.org", ["yes@example.org"]).WaitAsync(T);
        Assert.That(smtp.Messages, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task SizeIsCheckedBeforeSending()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Limits.MaxMessageSize = 100);
        await using var client = NewClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, SmtpEncryption.None).WaitAsync(T);
        Assert.That(client.Capabilities.MaxSize, Is.EqualTo(100));
        var e = await Assert.ThrowsAsync<SmtpRefusedException>(() => client.SendAsync(new string('x', 101), "a@example.org", ["b@example.org"]).WaitAsync(T));
        Assert.That(e!.StatusCode, Is.EqualTo(552));
        Assert.That(e.ErrorCode, Is.EqualTo(SmtpRefusal.MessageNotAccepted));
        await client.SendAsync(new string('x', 98) + "\r\n", "a@example.org", ["b@example.org"]).WaitAsync(T);
        Assert.That(smtp.Messages, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task EightBitAndUtf8AreDeclaredWhenNeeded()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var client = NewClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, SmtpEncryption.None).WaitAsync(T);
        await client.SendAsync("Subject: x\r\n\r\nGrüße\r\n", "jörg@example.org", ["b@example.org"]).WaitAsync(T);
        await client.SendAsync("Subject: x\r\n\r\nplain\r\n", "a@example.org", ["b@example.org"]).WaitAsync(T);
        Assert.That(smtp.Messages[0].Envelope.Body, Is.EqualTo("8BITMIME"));
        Assert.That(smtp.Messages[0].Envelope.SmtpUtf8, Is.True);
        Assert.That(smtp.Messages[1].Envelope.Body, Is.Null);
        Assert.That(smtp.Messages[1].Envelope.SmtpUtf8, Is.False);
    }

    [TestCase(SmtpEncryption.StartTls, "PLAIN")]
    [TestCase(SmtpEncryption.StartTls, "LOGIN")]
    [TestCase(SmtpEncryption.SslOnConnect, "CRAM-MD5")]
    public async Task TlsAndAuthenticationWithTranscriptRedacted(SmtpEncryption security, string mechanism)
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Authenticator = SmtpAuthenticator.Single("alice", "Sup3r-secret"));
        var transcript = new StringWriter();
        await using var client = NewClient(transcript);
        await client.ConnectAsync(smtp.Host, security == SmtpEncryption.SslOnConnect ? smtp.TlsPort : smtp.Port, security).WaitAsync(T);
        Assert.That(client.IsSecure, Is.True);
        await client.AuthenticateAsync(mechanism, "alice", "Sup3r-secret").WaitAsync(T);
        await client.SendAsync(Message, "alice@example.org", ["b@example.org"]).WaitAsync(T);
        await client.DisconnectAsync(true).WaitAsync(T);
        var m = smtp.Messages.Single();
        Assert.That(m.IsTls && m.AuthenticatedUser == "alice", Is.True);
        var log = transcript.ToString();
        Assert.That(log, Does.Contain("AUTH"));
        Assert.That(log, Does.Not.Contain("Sup3r-secret"));
        Assert.That(log, Does.Not.Contain(Convert.ToBase64String(Encoding.UTF8.GetBytes("Sup3r-secret"))));
        Assert.That(log, Does.Not.Contain(Protocols.Lines.Sasl.EncodePlain("alice", "Sup3r-secret")));
    }

    [Test]
    public async Task WrongPasswordIsACommandError()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Authenticator = SmtpAuthenticator.Single("alice", "pw"));
        await using var client = NewClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, SmtpEncryption.StartTls).WaitAsync(T);
        var e = await Assert.ThrowsAsync<SmtpRefusedException>(() => client.AuthenticateAsync("alice", "wrong").WaitAsync(T));
        Assert.That(e!.StatusCode, Is.EqualTo(535));
        Assert.That(e.ErrorCode, Is.EqualTo(SmtpRefusal.AuthenticationFailed));
        Assert.That(client.IsConnected, Is.True);
        await client.AuthenticateAsync("alice", "pw").WaitAsync(T);
    }

    [Test]
    public async Task StartTlsRequiredButNotOfferedFails()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Extensions &= ~SmtpExtensions.StartTls);
        await using var client = NewClient();
        await Assert.ThrowsAsync<SmtpRefusedException>(() => client.ConnectAsync(smtp.Host, smtp.Port, SmtpEncryption.StartTls).WaitAsync(T));
        Assert.That(client.IsConnected, Is.False);
    }

    [Test]
    public async Task ScriptedFaultsSurfaceAsTypedErrors()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        smtp.Faults.Reply("MAIL", 451, "try later", nth: 1, enhancedCode: "4.3.0");
        await using var client = NewClient();
        client.UsePipelining = false;
        await client.ConnectAsync(smtp.Host, smtp.Port, SmtpEncryption.None).WaitAsync(T);
        var e = await Assert.ThrowsAsync<SmtpRefusedException>(() => client.SendAsync(Message, "a@example.org", ["b@example.org"]).WaitAsync(T));
        Assert.That(e!.StatusCode, Is.EqualTo(451));
        Assert.That(e.ErrorCode, Is.EqualTo(SmtpRefusal.SenderNotAccepted));
        Assert.That(e.EnhancedStatusCode?.ToString(), Is.EqualTo("4.3.0"));
        await client.SendAsync(Message, "a@example.org", ["b@example.org"]).WaitAsync(T);

        smtp.Faults.DisconnectOn("RCPT");
        await Assert.ThrowsAsync<SmtpConnectionException>(() => client.SendAsync(Message, "a@example.org", ["b@example.org"]).WaitAsync(T));
        Assert.That(client.IsConnected, Is.False);
        Assert.That(smtp.Messages, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task ServerTooSlowIsATimeout()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        smtp.Faults.Delay("NOOP", TimeSpan.FromSeconds(3));
        await using var client = NewClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, SmtpEncryption.None).WaitAsync(T);
        client.Timeout = TimeSpan.FromMilliseconds(300);
        await Assert.ThrowsAsync<TimeoutException>(() => client.NoOpAsync().WaitAsync(T));
        Assert.That(client.IsConnected, Is.False);
    }

    [Test]
    public async Task CancellationIsNotATimeout()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        smtp.Faults.Delay("NOOP", TimeSpan.FromSeconds(3));
        await using var client = NewClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, SmtpEncryption.None).WaitAsync(T);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.CatchAsync<OperationCanceledException>(() => client.NoOpAsync(cts.Token).WaitAsync(T));
    }

    [Test]
    public async Task ConnectingToAClosedPortIsAProtocolError()
    {
        int port;
        await using (var smtp = await SmtpTestServer.StartAsync()) port = smtp.Port;
        await using var client = NewClient();
        await Assert.ThrowsAsync<SmtpConnectionException>(() => client.ConnectAsync("127.0.0.1", port, SmtpEncryption.None).WaitAsync(T));
    }

    [Test]
    public async Task WaitForMessageTimesOutWithAClearError()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await Assert.ThrowsAsync<TimeoutException>(() => smtp.WaitForMessageAsync(m => m.From == "x", TimeSpan.FromMilliseconds(100)));
        smtp.Reset();
        Assert.That(smtp.Messages, Is.Empty);
    }
}
