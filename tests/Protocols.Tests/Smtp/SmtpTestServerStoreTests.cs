using MailKit.Security;
using Protocols.Servers.Mail;
using Protocols.Servers.Testing;

namespace Protocols.Tests.Smtp;

/// <summary>The SMTP test server stores through the one mail store: its own temporary SQLite store, or one the test gives.</summary>
public class SmtpTestServerStoreTests
{
    [Test]
    public async Task A_given_store_receives_the_mail_and_waits_read_from_it()
    {
        await using var mail = await MailStores.OpenAsync(null);
        await using var smtp = await SmtpTestServer.StartAsync(mail);
        Assert.That(smtp.Store, Is.SameAs(mail));
        using (var client = new MailKit.Net.Smtp.SmtpClient { Timeout = 20_000 })
        {
            await client.ConnectAsync(smtp.Host, smtp.Port, SecureSocketOptions.None);
            await client.SendAsync(new MimeKit.MimeMessage(new[] { MimeKit.MailboxAddress.Parse("a@example.com") },
                new[] { MimeKit.MailboxAddress.Parse("b@example.com") }, "over smtp", new MimeKit.TextPart("plain") { Text = "x" }));
            await client.DisconnectAsync(true);
        }
        var page = await mail.ListAsync(new MailQuery());
        Assert.That(page.Messages.Select(m => m.Subject), Is.EqualTo(new[] { "over smtp" }));

        // A message that never went through SMTP (e.g. IMAP APPEND into the shared store) is found by a wait too.
        await mail.AppendAsync(new MailToAppend("Subject: appended\r\n\r\nx\r\n"u8.ToArray(), "c@example.com", ["d@example.com"]));
        var appended = await smtp.WaitForMessageAsync((MimeKit.MimeMessage m) => m.Subject == "appended", TimeSpan.FromSeconds(10));
        Assert.That(appended.To, Is.EqualTo(new[] { "d@example.com" }));
        Assert.That(smtp.Messages.Select(m => m.Message.Subject), Is.EqualTo(new[] { "over smtp" }), "Messages lists what this server received");
    }

    [Test]
    public async Task Reset_forgets_what_arrived_but_the_store_keeps_it()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await smtp.Store.AppendAsync(new MailToAppend("Subject: before\r\n\r\nx\r\n"u8.ToArray()));
        Assert.That((await smtp.WaitForMessageAsync(TimeSpan.FromSeconds(5))).Message.Subject, Is.EqualTo("before"));
        smtp.Reset();
        await Assert.ThrowsAsync<TimeoutException>(async () => await smtp.WaitForMessageAsync(TimeSpan.FromMilliseconds(300)));
        await smtp.Store.AppendAsync(new MailToAppend("Subject: after\r\n\r\nx\r\n"u8.ToArray()));
        Assert.That((await smtp.WaitForMessageAsync(TimeSpan.FromSeconds(5))).Message.Subject, Is.EqualTo("after"));
        Assert.That((await smtp.Store.GetStatsAsync()).Messages, Is.EqualTo(2));
    }

    [Test]
    public async Task A_message_past_the_spool_threshold_keeps_Raw_RawText_and_Message_working()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var sent = SmtpSpoolTests.Exact(3 * 1024 * 1024, "big one");
        await using (var wire = await Hardening.SmtpWire.OpenAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, smtp.Port)))
        {
            Assert.That((await wire.SendMessageAsync("a@example.com", "b@example.com", sent)).Code, Is.EqualTo(250));
        }
        var received = await smtp.WaitForMessageAsync(TimeSpan.FromSeconds(10));
        Assert.That(received.Content.IsSpooled, Is.True, "3 MiB is past the 1 MiB default threshold");
        Assert.That(received.Size, Is.EqualTo(sent.Length));
        Assert.That(received.Raw.ToArray(), Is.EqualTo(sent));
        Assert.That(received.RawText, Does.StartWith("Subject: big one\r\n"));
        Assert.That(received.Message.Subject, Is.EqualTo("big one"));
        Assert.That(received.GetHeader("Subject"), Is.EqualTo("big one"));
        Assert.That(smtp.Messages.Single().Raw.Length, Is.EqualTo(sent.Length));
        var stored = (await smtp.Store.ListAsync(new MailQuery())).Messages.Single();
        Assert.That(stored.Subject, Is.EqualTo("big one"));
    }
}
