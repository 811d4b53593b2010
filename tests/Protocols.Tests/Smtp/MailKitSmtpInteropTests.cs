using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Protocols.Servers.Smtp;
using Protocols.Servers.Testing;
using Protocols.Tests.Messages;

namespace Protocols.Tests.Smtp;

/// <summary>MailKit's <see cref="SmtpClient"/> (a real client from NuGet, never skipped) against our SMTP server; each
/// test checks what arrived byte for byte and, from MailKit's transcript, which commands it used.</summary>
public class MailKitSmtpInteropTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(15);

    /// <summary>An unchanged parsed message, which MailKit writes out exactly as it came.</summary>
    private static (MimeMessage Message, byte[] Raw) Fixture(string name = "folded-headers.eml")
    {
        var raw = MailFixtures.Read(name);
        return (MimeMessage.Load(new MemoryStream(raw)), raw);
    }

    private sealed class Client : SmtpClient
    {
        private readonly MemoryStream _log;

        public Client(MemoryStream log) : base(new ProtocolLogger(log, leaveOpen: true)) => _log = log;

        public bool ContinueOnRefusedRecipient { get; init; }

        public DeliveryStatusNotification? Notify { get; init; }

        public string? EnvelopeId { get; init; }

        public bool Bdat { get; init; }

        protected override bool PreferSendAsBinaryData => Bdat;

        public string Transcript => Encoding.UTF8.GetString(_log.ToArray());

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, MailKit.Net.Smtp.SmtpResponse response)
        {
            if (!ContinueOnRefusedRecipient) base.OnRecipientNotAccepted(message, mailbox, response);
        }

        protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) => Notify;

        protected override string? GetEnvelopeId(MimeMessage message) => EnvelopeId;
    }

    private static Client NewClient(SmtpTestServer smtp, bool continueOnRefusedRecipient = false, DeliveryStatusNotification? notify = null,
        string? envelopeId = null, bool bdat = false)
    {
        var client = new Client(new MemoryStream())
        {
            Timeout = (int)T.TotalMilliseconds,
            CheckCertificateRevocation = false,
            ContinueOnRefusedRecipient = continueOnRefusedRecipient,
            Notify = notify,
            EnvelopeId = envelopeId,
            Bdat = bdat,
        };
        var thumbprint = smtp.Certificate.GetCertHashString();
        client.ServerCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint;
        return client;
    }

    [Test]
    public async Task Plain_send_arrives_byte_for_byte()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var client = NewClient(smtp);
        await client.ConnectAsync(smtp.Host, smtp.Port, SecureSocketOptions.None).WaitAsync(T);
        var (message, raw) = Fixture();
        var response = await client.SendAsync(message).WaitAsync(T);
        await client.DisconnectAsync(true).WaitAsync(T);
        Assert.That(response, Does.Contain("queued as"));
        var received = await smtp.WaitForMessageAsync(T);
        Assert.That(received.Raw.ToArray(), Is.EqualTo(raw));
        Assert.That(received.From, Is.EqualTo("alice@example.org"));
        Assert.That(received.To, Is.EqualTo(new[] { "bob@example.net", "carol@example.net", "dave@example.net" }));
        Assert.That(received.IsTls, Is.False);
    }

    [TestCase("PLAIN")]
    [TestCase("LOGIN")]
    [TestCase("CRAM-MD5")]
    public async Task Starttls_and_auth(string mechanism)
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Authenticator = SmtpAuthenticator.Single("alice", "Sup3r-secret"));
        using var client = NewClient(smtp);
        await client.ConnectAsync(smtp.Host, smtp.Port, SecureSocketOptions.StartTls).WaitAsync(T);
        Assert.That(client.IsSecure, Is.True);
        var credentials = new System.Net.NetworkCredential("alice", "Sup3r-secret");
        SaslMechanism sasl = mechanism switch
        {
            "PLAIN" => new SaslMechanismPlain(credentials),
            "LOGIN" => new SaslMechanismLogin(credentials),
            _ => new SaslMechanismCramMd5(credentials),
        };
        await client.AuthenticateAsync(sasl).WaitAsync(T);
        Assert.That(client.IsAuthenticated, Is.True);
        var (message, raw) = Fixture();
        await client.SendAsync(message).WaitAsync(T);
        await client.DisconnectAsync(true).WaitAsync(T);
        var received = await smtp.WaitForMessageAsync(T);
        Assert.That(received.Raw.ToArray(), Is.EqualTo(raw));
        Assert.That(received.IsTls, Is.True);
        Assert.That(received.AuthenticatedUser, Is.EqualTo("alice"));
        Assert.That(client.Transcript, Does.Contain("AUTH " + mechanism).And.Contain("STARTTLS"));
    }

    [Test]
    public async Task A_wrong_password_is_an_authentication_error()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Authenticator = SmtpAuthenticator.Single("alice", "Sup3r-secret"));
        using var client = NewClient(smtp);
        await client.ConnectAsync(smtp.Host, smtp.Port, SecureSocketOptions.StartTls).WaitAsync(T);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("alice", "wrong"));
    }

    [Test]
    public async Task Implicit_tls()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var client = NewClient(smtp);
        await client.ConnectAsync(smtp.Host, smtp.TlsPort, SecureSocketOptions.SslOnConnect).WaitAsync(T);
        var (message, raw) = Fixture();
        await client.SendAsync(message).WaitAsync(T);
        await client.DisconnectAsync(true).WaitAsync(T);
        var received = await smtp.WaitForMessageAsync(T);
        Assert.That(received.Raw.ToArray(), Is.EqualTo(raw));
        Assert.That(received.IsTls, Is.True);
    }

    [Test]
    public async Task Pipelining_sends_mail_and_rcpt_before_reading_replies()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Extensions &= ~SmtpExtensions.Chunking);
        using var client = NewClient(smtp);
        await client.ConnectAsync(smtp.Host, smtp.Port, SecureSocketOptions.None).WaitAsync(T);
        Assert.That(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining), Is.True);
        var (message, raw) = Fixture();
        await client.SendAsync(message).WaitAsync(T);
        await client.DisconnectAsync(true).WaitAsync(T);
        Assert.That((await smtp.WaitForMessageAsync(T)).Raw.ToArray(), Is.EqualTo(raw));
        // MailKit's logger writes one C: block per flush: MAIL FROM and the RCPTs go out before the first reply.
        var log = client.Transcript;
        var mail = log.IndexOf("C: MAIL FROM", StringComparison.Ordinal);
        var lastRcpt = log.LastIndexOf("C: RCPT TO", StringComparison.Ordinal);
        var firstReplyAfterMail = log.IndexOf("S: 250", mail, StringComparison.Ordinal);
        Assert.That(mail, Is.GreaterThanOrEqualTo(0), log);
        Assert.That(lastRcpt, Is.LessThan(firstReplyAfterMail), log);
        Assert.That(log, Does.Contain("C: DATA"));
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task Bdat_when_chunking_is_offered_data_otherwise(bool chunking)
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => { if (!chunking) o.Extensions &= ~SmtpExtensions.Chunking; });
        // MailKit uses BDAT when the server offers CHUNKING and the client prefers it (or BINARYMIME needs it).
        using var client = NewClient(smtp, bdat: true);
        await client.ConnectAsync(smtp.Host, smtp.Port, SecureSocketOptions.None).WaitAsync(T);
        var (message, raw) = Fixture("dot-lines.eml");
        await client.SendAsync(message).WaitAsync(T);
        await client.DisconnectAsync(true).WaitAsync(T);
        Assert.That((await smtp.WaitForMessageAsync(T)).Raw.ToArray(), Is.EqualTo(raw), "lines starting with dots survive both");
        Assert.That(client.Transcript, chunking ? Does.Contain("C: BDAT") : Does.Contain("C: DATA").And.Not.Contain("BDAT"));
    }

    [Test]
    public async Task Smtputf8_for_international_addresses()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var client = NewClient(smtp);
        await client.ConnectAsync(smtp.Host, smtp.Port, SecureSocketOptions.None).WaitAsync(T);
        var (message, raw) = Fixture("international.eml");
        await client.SendAsync(message).WaitAsync(T);
        await client.DisconnectAsync(true).WaitAsync(T);
        var received = await smtp.WaitForMessageAsync(T);
        Assert.That(received.Envelope.SmtpUtf8, Is.True);
        Assert.That(received.From, Is.EqualTo("jörg@bücher.example"));
        Assert.That(received.To, Is.EqualTo(new[] { "tanaka@例え.jp", "list@example.com" }));
        Assert.That(received.Raw.ToArray(), Is.EqualTo(raw));
    }

    [Test]
    public async Task Eight_bit_body_declares_8bitmime()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var client = NewClient(smtp);
        await client.ConnectAsync(smtp.Host, smtp.Port, SecureSocketOptions.None).WaitAsync(T);
        var message = new MimeMessage { Subject = "8bit" };
        message.From.Add(MailboxAddress.Parse("a@example.org"));
        message.To.Add(MailboxAddress.Parse("b@example.org"));
        message.Body = new TextPart("plain") { Text = "Smørrebrød\r\n", ContentTransferEncoding = ContentEncoding.EightBit };
        await client.SendAsync(message).WaitAsync(T);
        await client.DisconnectAsync(true).WaitAsync(T);
        var received = await smtp.WaitForMessageAsync(T);
        Assert.That(received.Envelope.Body, Is.EqualTo("8BITMIME"));
        Assert.That(received.RawText, Does.EndWith("\r\n\r\nSmørrebrød\r\n"));
        Assert.That(received.Message.TextBody, Does.StartWith("Smørrebrød"));
    }

    [Test]
    public async Task Dsn_parameters_reach_the_envelope()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var client = NewClient(smtp, notify: DeliveryStatusNotification.Success | DeliveryStatusNotification.Failure, envelopeId: "QQ314159");
        client.DeliveryStatusNotificationType = DeliveryStatusNotificationType.HeadersOnly;
        await client.ConnectAsync(smtp.Host, smtp.Port, SecureSocketOptions.None).WaitAsync(T);
        var (message, raw) = Fixture();
        await client.SendAsync(message).WaitAsync(T);
        await client.DisconnectAsync(true).WaitAsync(T);
        var received = await smtp.WaitForMessageAsync(T);
        Assert.That(received.Raw.ToArray(), Is.EqualTo(raw));
        Assert.That(received.Envelope.Ret, Is.EqualTo("HDRS"));
        Assert.That(received.Envelope.EnvelopeId, Is.EqualTo("QQ314159"));
        Assert.That(received.Envelope.Recipients.Select(r => r.Notify), Is.All.EqualTo("SUCCESS,FAILURE"));
        Assert.That(received.Envelope.Recipients[0].OriginalRecipient, Is.EqualTo("rfc822;bob@example.net"));
    }

    [Test]
    public async Task A_message_over_size_is_refused_and_nothing_arrives()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Limits.MaxMessageSize = 500);
        using var client = NewClient(smtp);
        await client.ConnectAsync(smtp.Host, smtp.Port, SecureSocketOptions.None).WaitAsync(T);
        Assert.That(client.MaxSize, Is.EqualTo(500u));
        var (message, _) = Fixture();
        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(message));
        // MailKit declares SIZE= at MAIL FROM and our server refuses it there (RFC 1870 §6.1: 552).
        Assert.That(e!.ErrorCode, Is.EqualTo(SmtpErrorCode.SenderNotAccepted));
        Assert.That(e.StatusCode, Is.EqualTo(SmtpStatusCode.ExceededStorageAllocation));
        Assert.That(client.Transcript, Does.Contain("SIZE=").And.Not.Contain("C: DATA"));
        var tiny = new MimeMessage { Subject = "ok" };
        tiny.From.Add(MailboxAddress.Parse("a@example.org"));
        tiny.To.Add(MailboxAddress.Parse("b@example.org"));
        tiny.Body = new TextPart("plain") { Text = "small" };
        await client.SendAsync(tiny).WaitAsync(T);
        await client.DisconnectAsync(true).WaitAsync(T);
        Assert.That(smtp.Messages.Select(m => m.Message.Subject), Is.EqualTo(new[] { "ok" }));
    }

    [Test]
    public async Task A_refused_recipient_among_accepted_ones()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Handler = new SmtpHandler
        {
            Recipient = (_, r) => r.Address.StartsWith("nobody", StringComparison.Ordinal)
                ? new Protocols.Servers.Smtp.SmtpResponse(550, "No such user here", "5.1.1") : null,
        });
        var message = new MimeMessage { Subject = "some of you" };
        message.From.Add(MailboxAddress.Parse("a@example.org"));
        message.To.Add(MailboxAddress.Parse("bob@example.org"));
        message.To.Add(MailboxAddress.Parse("nobody@example.org"));
        message.Cc.Add(MailboxAddress.Parse("carol@example.org"));
        message.Body = new TextPart("plain") { Text = "hi" };

        // MailKit's default: a refused recipient fails the send, and nothing is delivered.
        using (var strict = NewClient(smtp))
        {
            await strict.ConnectAsync(smtp.Host, smtp.Port, SecureSocketOptions.None).WaitAsync(T);
            var e = await Assert.ThrowsAsync<SmtpCommandException>(() => strict.SendAsync(message));
            Assert.That(e!.ErrorCode, Is.EqualTo(SmtpErrorCode.RecipientNotAccepted));
            Assert.That(e.Mailbox?.Address, Is.EqualTo("nobody@example.org"));
            Assert.That(e.StatusCode, Is.EqualTo(SmtpStatusCode.MailboxUnavailable));
            await strict.NoOpAsync().WaitAsync(T);
            await strict.DisconnectAsync(true).WaitAsync(T);
        }
        Assert.That(smtp.Messages, Is.Empty);

        // With OnRecipientNotAccepted overridden, the others get it.
        using var lenient = NewClient(smtp, continueOnRefusedRecipient: true);
        await lenient.ConnectAsync(smtp.Host, smtp.Port, SecureSocketOptions.None).WaitAsync(T);
        await lenient.SendAsync(message).WaitAsync(T);
        await lenient.DisconnectAsync(true).WaitAsync(T);
        var received = await smtp.WaitForMessageAsync(T);
        Assert.That(received.To, Is.EqualTo(new[] { "bob@example.org", "carol@example.org" }));
        Assert.That(received.Message.To.Mailboxes.Select(m => m.Address), Does.Contain("nobody@example.org"), "the header is not the envelope");
    }
}
