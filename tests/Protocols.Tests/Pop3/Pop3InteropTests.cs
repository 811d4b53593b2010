using System.Security.Cryptography.X509Certificates;
using Protocols.Net;
using Protocols.Servers.Pop3;
using Protocols.Tests.Support;

namespace Protocols.Tests.Pop3;

/// <summary>Real POP3 clients (python3 poplib, curl) against our server on a socket.</summary>
[NonParallelizable]
public class Pop3InteropTests
{
    private const string Second = "Subject: second\r\n\r\nsecond body\r\n";

    private const string Message = "From: a@example.com\r\nTo: b@example.com\r\nSubject: hello\r\n\r\nfirst line\r\n.starts with a dot\r\nlast line\r\n";

    private static X509Certificate2? _certificate;

    [OneTimeSetUp]
    public void MakeCertificate() => _certificate = SelfSignedCertificate.Create();

    [OneTimeTearDown]
    public void DropCertificate() => _certificate?.Dispose();

    private static (InMemoryPop3Mailbox Mailbox, IPop3MailboxProvider Provider) Maildrop()
    {
        var mailbox = new InMemoryPop3Mailbox();
        mailbox.Add(Message);
        mailbox.Add(Second);
        return (mailbox, Pop3MailboxProvider.Shared(mailbox, "alice", "secret"));
    }

    private const string PoplibScript = """
        import poplib, ssl, sys
        mode, port = sys.argv[1], int(sys.argv[2])
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        if mode == 'implicit':
            p = poplib.POP3_SSL('127.0.0.1', port, context=ctx, timeout=10)
        else:
            p = poplib.POP3('127.0.0.1', port, timeout=10)
        caps = p.capa()
        print('CAPA', ' '.join(sorted(caps)))
        if mode == 'stls':
            p.stls(ctx)
            print('TLS', 'yes')
        p.user('alice'); p.pass_('secret')
        print('STAT', *p.stat())
        resp, items, _ = p.list(); print('LIST', ' '.join(i.decode() for i in items))
        resp, items, _ = p.uidl(); print('UIDL', ' '.join(i.decode() for i in items))
        resp, lines, octets = p.retr(1)
        sys.stdout.write('RETR ' + repr(b'\r\n'.join(lines) + b'\r\n') + '\n')
        resp, lines, octets = p.top(1, 1)
        print('TOP', repr(lines))
        print('DELE', p.dele(2).decode())
        print('QUIT', p.quit().decode())
        """;

    [TestCase("plain")]
    [TestCase("stls")]
    [TestCase("implicit")]
    public async Task Python_poplib_reads_deletes_and_quits(string mode)
    {
        var python = Peers.Require(Peers.Python);
        var (mailbox, provider) = Maildrop();
        var options = new Pop3ServerOptions { Certificate = mode == "plain" ? null : _certificate, ImplicitTls = mode == "implicit" };
        await using var host = await KestrelTestHost.StartAsync(l => l.UsePop3(provider, options));
        var (exit, stdout, stderr) = await PeerRunner.RunAsync(python, ["-c", PoplibScript, mode, host.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.That(exit, Is.Zero, stderr);
        var lines = stdout.Split('\n');
        Assert.Multiple(() =>
        {
            Assert.That(lines.Single(l => l.StartsWith("CAPA", StringComparison.Ordinal)), Does.Contain("UIDL").And.Contain("TOP").And.Contain("USER"));
            if (mode == "stls") Assert.That(lines.Single(l => l.StartsWith("CAPA", StringComparison.Ordinal)), Does.Contain("STLS"));
            Assert.That(lines, Does.Contain($"STAT 2 {Message.Length + Second.Length}"));
            Assert.That(lines, Does.Contain($"LIST 1 {Message.Length} 2 {Second.Length}"));
            Assert.That(lines, Does.Contain("UIDL 1 m1 2 m2"));
            Assert.That(lines, Does.Contain("RETR " + PythonBytes(Message)));
            Assert.That(lines, Does.Contain("TOP [b'From: a@example.com', b'To: b@example.com', b'Subject: hello', b'', b'first line']"));
            Assert.That(lines, Does.Contain("DELE +OK message 2 deleted"));
            Assert.That(lines.Single(l => l.StartsWith("QUIT", StringComparison.Ordinal)), Does.StartWith("QUIT +OK bye"));
        });
        Assert.That((await mailbox.ListAsync()).Select(m => m.UniqueId), Is.EqualTo(new[] { "m1" }));
    }

    private static string PythonBytes(string ascii) =>
        "b'" + ascii.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "'";

    [Test]
    public async Task Curl_lists_and_retrieves_over_pop3()
    {
        var curl = Peers.Require("curl");
        var (_, provider) = Maildrop();
        await using var host = await KestrelTestHost.StartAsync(l => l.UsePop3(provider));
        var url = $"pop3://127.0.0.1:{host.Port}/";
        var list = await PeerRunner.RunAsync(curl, ["-sS", "--max-time", "10", "-u", "alice:secret", url]);
        Assert.That(list.ExitCode, Is.Zero, list.Stderr);
        Assert.That(list.Stdout, Is.EqualTo($"1 {Message.Length}\r\n2 {Second.Length}\r\n"));
        var message = await PeerRunner.RunAsync(curl, ["-sS", "--max-time", "10", "-u", "alice:secret", url + "1"]);
        Assert.That(message.ExitCode, Is.Zero, message.Stderr);
        Assert.That(message.Stdout, Is.EqualTo(Message));
    }

    [Test]
    public async Task Curl_with_ssl_reqd_upgrades_with_stls_and_pop3s_works()
    {
        var curl = Peers.Require("curl");
        var (_, provider) = Maildrop();
        await using var plain = await KestrelTestHost.StartAsync(l => l.UsePop3(provider, new Pop3ServerOptions { Certificate = _certificate }));
        var stls = await PeerRunner.RunAsync(curl, ["-sS", "-k", "--ssl-reqd", "--max-time", "10", "-u", "alice:secret", $"pop3://127.0.0.1:{plain.Port}/1"]);
        Assert.That(stls.ExitCode, Is.Zero, stls.Stderr);
        Assert.That(stls.Stdout, Is.EqualTo(Message));
        await using var implicitTls = await KestrelTestHost.StartAsync(l => l.UsePop3(provider, new Pop3ServerOptions { Certificate = _certificate, ImplicitTls = true }));
        var pop3s = await PeerRunner.RunAsync(curl, ["-sS", "-k", "--max-time", "10", "-u", "alice:secret", $"pop3s://127.0.0.1:{implicitTls.Port}/2"]);
        Assert.That(pop3s.ExitCode, Is.Zero, pop3s.Stderr);
        Assert.That(pop3s.Stdout, Is.EqualTo(Second));
    }

    [Test]
    public async Task Curl_with_a_wrong_password_fails_with_login_denied()
    {
        var curl = Peers.Require("curl");
        var (_, provider) = Maildrop();
        await using var host = await KestrelTestHost.StartAsync(l => l.UsePop3(provider));
        var result = await PeerRunner.RunAsync(curl, ["-sS", "--max-time", "10", "-u", "alice:nope", $"pop3://127.0.0.1:{host.Port}/"]);
        Assert.That(result.ExitCode, Is.EqualTo(67), result.Stderr); // CURLE_LOGIN_DENIED
    }
}
