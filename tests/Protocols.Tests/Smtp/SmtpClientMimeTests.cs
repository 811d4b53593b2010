using System.Text;
using MimeKit;
using Protocols.Servers.Smtp;
using Protocols.Servers.Testing;
using Protocols.Smtp;

namespace Protocols.Tests.Smtp;

/// <summary><see cref="SmtpClient.SendAsync(MimeMessage, CancellationToken)"/>: MailKit's envelope rules and how the
/// message is written, against our test server.</summary>
public class SmtpClientMimeTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(10);

    private static MimeMessage NewMessage(string subject = "Hello")
    {
        var message = new MimeMessage { Subject = subject };
        message.From.Add(new MailboxAddress("Alice", "alice@example.org"));
        message.To.Add(new MailboxAddress("Bob", "bob@example.org"));
        message.Cc.Add(MailboxAddress.Parse("carol@example.org"));
        message.Bcc.Add(MailboxAddress.Parse("secret@example.org"));
        message.Body = new TextPart("plain") { Text = "line one\nline two\n" };
        return message;
    }

    private static async Task<SmtpClient> ConnectAsync(SmtpTestServer smtp)
    {
        var client = new SmtpClient { Timeout = T };
        await client.ConnectAsync(smtp.Host, smtp.Port, SmtpEncryption.None).WaitAsync(T);
        return client;
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task Envelope_comes_from_from_to_cc_bcc_and_bcc_is_never_written(bool chunking)
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var client = await ConnectAsync(smtp);
        client.PreferChunking = chunking;
        var message = NewMessage();
        message.To.Add(MailboxAddress.Parse("BOB@example.org")); // the same address once
        var result = await client.SendAsync(message).WaitAsync(T);
        Assert.That(result.AllAccepted, Is.True);
        var received = await smtp.WaitForMessageAsync(m => m.Subject == "Hello", T);
        Assert.That(received.From, Is.EqualTo("alice@example.org"));
        Assert.That(received.To, Is.EqualTo(new[] { "bob@example.org", "carol@example.org", "secret@example.org" }));
        var text = received.RawText;
        Assert.That(text, Does.Not.Contain("secret@example.org").And.Not.Contain("Bcc:"));
        Assert.That(text, Does.Contain("line one\r\nline two\r\n"), "CRLF on every OS");
        Messages.WireAssert.IsWellFormed(received.Raw.ToArray());
        Assert.That(received.Message.Bcc, Is.Empty);
        Assert.That(result.Size, Is.EqualTo(received.Raw.Length));
    }

    [Test]
    public async Task Sender_wins_over_from()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var client = await ConnectAsync(smtp);
        var message = NewMessage();
        message.Sender = MailboxAddress.Parse("list-bounces@example.org");
        await client.SendAsync(message).WaitAsync(T);
        Assert.That((await smtp.WaitForMessageAsync(T)).From, Is.EqualTo("list-bounces@example.org"));
    }

    [Test]
    public async Task Resent_headers_give_the_envelope_when_present()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var client = await ConnectAsync(smtp);
        var message = NewMessage();
        message.ResentFrom.Add(MailboxAddress.Parse("forwarder@example.org"));
        message.ResentTo.Add(MailboxAddress.Parse("new-owner@example.org"));
        message.ResentBcc.Add(MailboxAddress.Parse("audit@example.org"));
        await client.SendAsync(message).WaitAsync(T);
        var received = await smtp.WaitForMessageAsync(T);
        Assert.That(received.From, Is.EqualTo("forwarder@example.org"));
        Assert.That(received.To, Is.EqualTo(new[] { "new-owner@example.org", "audit@example.org" }));
        Assert.That(received.RawText, Does.Not.Contain("audit@example.org").And.Contain("Resent-To: new-owner@example.org"));
    }

    [Test]
    public async Task An_explicit_envelope_overrides_the_headers()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var client = await ConnectAsync(smtp);
        await client.SendAsync(NewMessage(), MailboxAddress.Parse("bounce@example.org"), [MailboxAddress.Parse("only@example.org")]).WaitAsync(T);
        var received = await smtp.WaitForMessageAsync(T);
        Assert.That(received.From, Is.EqualTo("bounce@example.org"));
        Assert.That(received.To, Is.EqualTo(new[] { "only@example.org" }));
    }

    [Test]
    public async Task No_sender_or_no_recipient_is_refused_before_anything_is_sent()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var client = await ConnectAsync(smtp);
        var noFrom = new MimeMessage { Body = new TextPart("plain") { Text = "x" } };
        noFrom.To.Add(MailboxAddress.Parse("b@example.org"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.SendAsync(noFrom));
        var noTo = new MimeMessage { Body = new TextPart("plain") { Text = "x" } };
        noTo.From.Add(MailboxAddress.Parse("a@example.org"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.SendAsync(noTo));
        await client.NoOpAsync().WaitAsync(T);
        Assert.That(smtp.Messages, Is.Empty);
    }

    [Test]
    public async Task A_utf8_subject_is_encoded_words_and_needs_no_smtputf8()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Extensions &= ~SmtpExtensions.SmtpUtf8);
        await using var client = await ConnectAsync(smtp);
        await client.SendAsync(NewMessage("Grüße aus Köln")).WaitAsync(T);
        var received = await smtp.WaitForMessageAsync(m => m.Subject == "Grüße aus Köln", T);
        Assert.That(received.Envelope.SmtpUtf8, Is.False);
        Assert.That(received.GetHeader("Subject"), Is.EqualTo("Grüße aus Köln"));
        Assert.That(Encoding.ASCII.GetString(received.Raw.Span), Does.Contain("=?utf-8?"));
    }

    [Test]
    public async Task Utf8_addresses_use_smtputf8_and_fail_clearly_without_it()
    {
        var message = NewMessage();
        message.To.Clear();
        message.Cc.Clear();
        message.Bcc.Clear();
        message.To.Add(new MailboxAddress("田中", "tanaka@例え.jp"));
        await using (var smtp = await SmtpTestServer.StartAsync())
        await using (var client = await ConnectAsync(smtp))
        {
            await client.SendAsync(message).WaitAsync(T);
            var received = await smtp.WaitForMessageAsync(T);
            Assert.That(received.Envelope.SmtpUtf8, Is.True);
            Assert.That(received.To, Is.EqualTo(new[] { "tanaka@例え.jp" }));
        }
        await using (var smtp = await SmtpTestServer.StartAsync(o => o.Extensions &= ~SmtpExtensions.SmtpUtf8))
        await using (var client = await ConnectAsync(smtp))
        {
            var e = await Assert.ThrowsAsync<SmtpNotSupportedException>(() => client.SendAsync(message));
            Assert.That(e!.Extension, Is.EqualTo("SMTPUTF8"));
            await client.NoOpAsync().WaitAsync(T); // still usable
            Assert.That(smtp.Messages, Is.Empty);
        }
    }

    [Test]
    public async Task Raw_utf8_headers_from_a_parsed_message_need_smtputf8()
    {
        var message = MailParser.Load(Messages.MailFixtures.Read("8bit-body.eml"));
        await using (var smtp = await SmtpTestServer.StartAsync())
        await using (var client = await ConnectAsync(smtp))
        {
            await client.SendAsync(message, MailboxAddress.Parse("a@example.org"), [MailboxAddress.Parse("b@example.org")]).WaitAsync(T);
            var received = await smtp.WaitForMessageAsync(T);
            Assert.That(received.Envelope.SmtpUtf8, Is.True, "RFC 6531: UTF-8 header text is declared");
            Assert.That(received.Envelope.Body, Is.EqualTo("8BITMIME"));
            Assert.That(received.Raw.ToArray(), Is.EqualTo(Messages.MailFixtures.Read("8bit-body.eml")));
        }
        await using (var smtp = await SmtpTestServer.StartAsync(o => o.Extensions &= ~SmtpExtensions.SmtpUtf8))
        await using (var client = await ConnectAsync(smtp))
        {
            var e = await Assert.ThrowsAsync<SmtpNotSupportedException>(() => client.SendAsync(message));
            Assert.That(e!.Extension, Is.EqualTo("SMTPUTF8"));
        }
    }

    [Test]
    public async Task Eight_bit_parts_are_re_encoded_for_a_server_without_8bitmime()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Extensions &= ~(SmtpExtensions.EightBitMime | SmtpExtensions.SmtpUtf8));
        await using var client = await ConnectAsync(smtp);
        var message = NewMessage();
        var part = new TextPart("plain") { Text = "Smørrebrød ☕\n" };
        part.ContentTransferEncoding = ContentEncoding.EightBit;
        message.Body = part;
        await client.SendAsync(message).WaitAsync(T);
        var received = await smtp.WaitForMessageAsync(T);
        Assert.That(Ascii.IsValid(received.Raw.Span), Is.True, "7-bit on the wire");
        Assert.That(received.Envelope.Body, Is.Null);
        Assert.That(received.Message.TextBody, Is.EqualTo("Smørrebrød ☕\n").Or.EqualTo("Smørrebrød ☕\r\n"));
    }
}
