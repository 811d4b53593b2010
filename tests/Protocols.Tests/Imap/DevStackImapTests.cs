using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;
using Protocols.Servers.Hosting;

namespace Protocols.Tests.Imap;

/// <summary>The dev stack in one call: SMTP, POP3 and IMAP (and FTP, HTTP) on port 0, a message in over SMTP, out over IMAP.</summary>
[NonParallelizable]
public class DevStackImapTests
{
    [TestCase(false)]
    [TestCase(true)]
    public async Task One_call_starts_smtp_pop3_and_imap_and_smtp_mail_reaches_imap(bool tls)
    {
        await using var stack = await DevStack.StartAsync(new DevStackOptions { Root = Path.GetTempPath(), Tls = tls });
        Assert.That(new[] { stack.Smtp.Port, stack.Pop3.Port, stack.Imap.Port }, Has.All.GreaterThan(0));
        using (var smtp = new MailKit.Net.Smtp.SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await smtp.ConnectAsync("127.0.0.1", stack.Smtp.Port, tls ? SecureSocketOptions.StartTls : SecureSocketOptions.None);
            var raw = "From: a@example.com\r\nTo: b@example.com\r\nSubject: through the stack\r\n\r\nhi\r\n";
            await smtp.SendAsync(MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(raw))));
            await smtp.DisconnectAsync(true);
        }
        using var imap = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 20_000 };
        await imap.ConnectAsync("127.0.0.1", stack.Imap.Port, tls ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.None);
        await imap.AuthenticateAsync("any", "thing");
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summary = (await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope)).Single();
        Assert.That(summary.Envelope!.Subject, Is.EqualTo("through the stack"));
        await imap.DisconnectAsync(true);
    }
}
