using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailKit;
using MailKit.Net.Pop3;
using MailKit.Security;
using Protocols.Net;
using Protocols.Servers.Pop3;

namespace Protocols.Tests.Pop3;

/// <summary>MailKit's <see cref="Pop3Client"/> (from NuGet, never skipped) against our POP3 server: USER/PASS, STLS,
/// implicit TLS, UIDL, TOP, RETR byte for byte, DELE/RSET/QUIT.</summary>
[NonParallelizable]
public class MailKitPop3InteropTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(15);

    private const string First = "From: a@example.com\r\nTo: b@example.com\r\nSubject: hello\r\n\r\nfirst line\r\n.starts with a dot\r\nlast line\r\n";

    private const string Second = "Subject: second\r\n\r\nsecond body\r\n";

    private static X509Certificate2? _certificate;

    [OneTimeSetUp]
    public void MakeCertificate() => _certificate = SelfSignedCertificate.Create();

    [OneTimeTearDown]
    public void DropCertificate() => _certificate?.Dispose();

    private static (InMemoryPop3Mailbox Mailbox, IPop3MailboxProvider Provider) Maildrop()
    {
        var mailbox = new InMemoryPop3Mailbox();
        mailbox.Add(First);
        mailbox.Add(Second);
        return (mailbox, Pop3MailboxProvider.Shared(mailbox, "alice", "secret"));
    }

    private static Pop3Client NewClient(MemoryStream log)
    {
        var thumbprint = _certificate!.GetCertHashString();
        return new Pop3Client(new ProtocolLogger(log, leaveOpen: true))
        {
            Timeout = (int)T.TotalMilliseconds,
            CheckCertificateRevocation = false,
            ServerCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint,
        };
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [TestCase(SecureSocketOptions.None)]
    [TestCase(SecureSocketOptions.StartTls)]
    [TestCase(SecureSocketOptions.SslOnConnect)]
    public async Task Reads_tops_deletes_resets_and_quits(SecureSocketOptions security)
    {
        var (mailbox, provider) = Maildrop();
        var options = new Pop3ServerOptions
        {
            Certificate = security == SecureSocketOptions.None ? null : _certificate,
            ImplicitTls = security == SecureSocketOptions.SslOnConnect,
        };
        await using var host = await KestrelTestHost.StartAsync(l => l.UsePop3(provider, options));
        using var log = new MemoryStream();
        using var client = NewClient(log);
        await client.ConnectAsync("127.0.0.1", host.Port, security).WaitAsync(T);
        Assert.That(client.IsSecure, Is.EqualTo(security != SecureSocketOptions.None));
        Assert.That(client.Capabilities.HasFlag(Pop3Capabilities.UIDL) && client.Capabilities.HasFlag(Pop3Capabilities.Top), Is.True);
        await client.AuthenticateAsync("alice", "secret").WaitAsync(T);
        var transcript = Encoding.UTF8.GetString(log.ToArray());
        Assert.That(transcript, Does.Contain("C: USER ").And.Contain("C: PASS ").And.Not.Contain("secret"), "USER/PASS (the server offers no SASL or APOP); MailKit redacts both");
        if (security == SecureSocketOptions.StartTls) Assert.That(transcript, Does.Contain("C: STLS"));

        Assert.That(client.Count, Is.EqualTo(2));
        Assert.That(await client.GetMessageUidsAsync().WaitAsync(T), Is.EqualTo(new[] { "m1", "m2" }));
        Assert.That(await client.GetMessageSizesAsync().WaitAsync(T), Is.EqualTo(new[] { First.Length, Second.Length }));
        using (var retr = await client.GetStreamAsync(0).WaitAsync(T))
            Assert.That(await ReadAllAsync(retr), Is.EqualTo(Encoding.ASCII.GetBytes(First)), "RETR byte for byte, dot-stuffing undone");
        using (var top = await client.GetStreamAsync(0, headersOnly: true).WaitAsync(T))
            Assert.That(Encoding.ASCII.GetString(await ReadAllAsync(top)), Is.EqualTo("From: a@example.com\r\nTo: b@example.com\r\nSubject: hello\r\n\r\n"), "TOP 1 0");
        var headers = await client.GetMessageHeadersAsync(1).WaitAsync(T);
        Assert.That(headers["Subject"], Is.EqualTo("second"));
        var message = await client.GetMessageAsync(1).WaitAsync(T);
        Assert.That(message.TextBody?.ReplaceLineEndings(), Is.EqualTo("second body\n".ReplaceLineEndings()));

        await client.DeleteMessageAsync(1).WaitAsync(T);
        await client.ResetAsync().WaitAsync(T); // RSET: nothing marked any more
        await client.NoOpAsync().WaitAsync(T);
        Assert.That((await mailbox.ListAsync()).Select(m => m.UniqueId), Is.EqualTo(new[] { "m1", "m2" }));
        await client.DeleteMessageAsync(1).WaitAsync(T);
        await client.DisconnectAsync(true).WaitAsync(T); // QUIT commits the DELE
        Assert.That((await mailbox.ListAsync()).Select(m => m.UniqueId), Is.EqualTo(new[] { "m1" }));
    }

    [Test]
    public async Task A_wrong_password_is_an_authentication_error()
    {
        var (_, provider) = Maildrop();
        await using var host = await KestrelTestHost.StartAsync(l => l.UsePop3(provider));
        using var log = new MemoryStream();
        using var client = NewClient(log);
        await client.ConnectAsync("127.0.0.1", host.Port, SecureSocketOptions.None).WaitAsync(T);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("alice", "nope"));
    }

    [Test]
    public async Task Quit_without_dele_keeps_every_message()
    {
        var (mailbox, provider) = Maildrop();
        await using var host = await KestrelTestHost.StartAsync(l => l.UsePop3(provider));
        using var log = new MemoryStream();
        using var client = NewClient(log);
        await client.ConnectAsync("127.0.0.1", host.Port, SecureSocketOptions.None).WaitAsync(T);
        await client.AuthenticateAsync("alice", "secret").WaitAsync(T);
        using (var retr = await client.GetStreamAsync(1).WaitAsync(T))
            Assert.That(await ReadAllAsync(retr), Is.EqualTo(Encoding.ASCII.GetBytes(Second)));
        await client.DisconnectAsync(true).WaitAsync(T);
        Assert.That(await mailbox.ListAsync(), Has.Count.EqualTo(2));
    }
}
