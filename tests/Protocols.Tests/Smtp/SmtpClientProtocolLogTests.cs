using System.Text;
using Protocols.Net;
using Protocols.Servers.Smtp;
using Protocols.Servers.Testing;
using Protocols.Smtp;

namespace Protocols.Tests.Smtp;

/// <summary>The SMTP client logs through the one protocol logger, against the in-process test server.</summary>
public class SmtpClientProtocolLogTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(10);
    private const string Password = "Sup3r-secret";
    private const string Body = "the-message-body-line";
    private const string Message = "From: a@example.org\r\nTo: b@example.org\r\nSubject: t\r\n\r\n" + Body + "\r\n";

    [TestCase("PLAIN", false)]
    [TestCase("LOGIN", true)]
    [TestCase("CRAM-MD5", false)]
    public async Task Raw_lines_both_ways_auth_redacted_message_data_left_out(string mechanism, bool chunking)
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Authenticator = SmtpAuthenticator.Single("alice", Password));
        var log = new MemoryProtocolLogger();
        await using var client = new SmtpClient
        {
            Tls = new TlsClientOptions { AcceptAnyCertificate = true },
            Timeout = T,
            PreferChunking = chunking,
            ProtocolLogger = log,
        };
        await client.ConnectAsync(smtp.Host, smtp.Port, SmtpEncryption.StartTls).WaitAsync(T);
        await client.AuthenticateAsync(mechanism, "alice", Password).WaitAsync(T);
        await client.SendAsync(Message, "a@example.org", ["b@example.org"]).WaitAsync(T);
        await client.DisconnectAsync(true).WaitAsync(T);
        Assert.That(smtp.Messages.Single().AuthenticatedUser, Is.EqualTo("alice"));

        TestContext.Out.WriteLine(log.ToString());
        var lines = log.Lines;
        Assert.That(log.Connects, Is.EqualTo(new[] { new Uri($"smtp://127.0.0.1:{smtp.Port}") }));
        Assert.That(lines[0], Is.EqualTo($"* connecting to smtp://127.0.0.1:{smtp.Port}"));
        Assert.That(lines[1], Does.StartWith("S: 220 "));
        Assert.That(lines, Has.Some.EqualTo("C: EHLO localhost"));
        Assert.That(lines, Has.Some.Matches("^S: 250-"), "multi-line replies as the server sent them");
        Assert.That(lines, Has.Some.EqualTo("C: STARTTLS"));
        Assert.That(lines, Has.Some.StartsWith("* TLS established"));
        switch (mechanism)
        {
            case "PLAIN":
                Assert.That(lines, Has.Some.EqualTo("C: AUTH PLAIN ***"));
                break;
            case "LOGIN":
                Assert.That(lines.Count(l => l == "C: ***"), Is.EqualTo(2), "user and password continuations");
                break;
            default:
                Assert.That(lines, Has.Some.EqualTo("C: AUTH CRAM-MD5").And.Some.EqualTo("C: ***"));
                break;
        }
        Assert.That(lines, Has.Some.Matches("^S: 235 "));
        Assert.That(lines, Has.Some.EqualTo("C: MAIL FROM:<a@example.org> SIZE=" + Message.Length));
        Assert.That(lines, Has.Some.EqualTo(chunking ? $"C: BDAT {Message.Length} LAST" : "C: DATA"));
        Assert.That(lines, Has.Some.EqualTo($"* <{Message.Length} bytes of message data{(chunking ? "" : ", dot-stuffed")}>"));
        if (!chunking) Assert.That(lines, Has.Some.EqualTo("C: ."), "the end of data is on the wire and in the log");
        Assert.That(lines[^1], Does.StartWith("S: 221 "));
        var everything = log.Everything();
        Assert.That(everything, Does.Not.Contain(Body), "message data is not logged");
        Assert.That(everything, Does.Not.Contain(Password).And.Not.Contain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Password))));
        Assert.That(Encoding.ASCII.GetString(log.ClientBytes), Does.Contain("EHLO localhost\r\n"), "the bytes as sent, CRLF and all");
    }
}
