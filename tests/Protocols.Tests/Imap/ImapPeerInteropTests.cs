using System.Globalization;
using Protocols.Tests.Support;

namespace Protocols.Tests.Imap;

/// <summary>Debian's python3 imaplib and curl's imap:// against our IMAP server on sockets.</summary>
[NonParallelizable]
public class ImapPeerInteropTests
{
    private const string First = "From: Alice <alice@example.com>\r\nTo: bob@example.com\r\nSubject: first one\r\n\r\nhello from imaplib\r\n";
    private const string Second = "From: Carol <carol@example.com>\r\nTo: bob@example.com\r\nSubject: second one\r\n\r\nanother body\r\n";

    private const string ImaplibScript = """
        import imaplib, ssl, sys
        mode, port = sys.argv[1], int(sys.argv[2])
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        if mode == 'implicit':
            m = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=ctx, timeout=10)
        else:
            m = imaplib.IMAP4('127.0.0.1', port, timeout=10)
        if mode == 'starttls':
            print('STARTTLS', m.starttls(ctx)[0])
        print('CAPS', ' '.join(sorted(m.capabilities)))
        print('LOGIN', m.login('bob@example.com', 'secret')[0])
        typ, data = m.list(); print('LIST', typ, data[0].decode())
        typ, data = m.select('INBOX'); print('SELECT', typ, data[0].decode())
        typ, data = m.search(None, 'FROM', '"carol"'); print('SEARCH', data[0].decode())
        typ, data = m.uid('SEARCH', 'SUBJECT', 'one'); print('UIDSEARCH', data[0].decode())
        typ, data = m.fetch('1', '(RFC822)'); sys.stdout.write('BODY ' + repr(data[0][1]) + '\n')
        typ, data = m.fetch('2', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])'); sys.stdout.write('HEADER ' + repr(data[0][1]) + '\n')
        typ, data = m.store('2', '+FLAGS', '(\\Deleted)'); print('STORE', data[0].decode())
        typ, data = m.expunge(); print('EXPUNGE', data[0].decode())
        typ, data = m.append('INBOX', '(\\Seen)', None, b'Subject: appended\r\n\r\nby imaplib\r\n'); print('APPEND', typ, data[0].decode())
        typ, data = m.status('INBOX', '(MESSAGES UNSEEN)'); print('STATUS', data[0].decode())
        print('CLOSE', m.close()[0])
        print('LOGOUT', m.logout()[0])
        """;

    [TestCase("plain")]
    [TestCase("starttls")]
    [TestCase("implicit")]
    public async Task Python_imaplib_lists_selects_searches_fetches_stores_expunges_and_appends(string mode)
    {
        var python = Peers.Require(Peers.Python);
        await using var host = await ImapInteropHost.StartAsync();
        await host.AppendAsync(First);
        await host.AppendAsync(Second);
        var port = mode == "implicit" ? host.ImapsPort : host.ImapPort;
        var (exit, stdout, stderr) = await PeerRunner.RunAsync(python, ["-c", ImaplibScript, mode, port.ToString(CultureInfo.InvariantCulture)]);
        Assert.That(exit, Is.Zero, stderr + stdout);
        var lines = stdout.Split('\n');
        Assert.Multiple(() =>
        {
            Assert.That(lines.Single(l => l.StartsWith("CAPS", StringComparison.Ordinal)), Does.Contain("IMAP4REV1").And.Contain("IDLE").And.Contain("UIDPLUS"));
            Assert.That(lines, Does.Contain("LOGIN OK"));
            Assert.That(lines, Does.Contain("LIST OK (\\HasNoChildren \\All) \"/\" INBOX"));
            Assert.That(lines, Does.Contain("SELECT OK 2"));
            Assert.That(lines, Does.Contain("SEARCH 2"));
            Assert.That(lines, Does.Contain("UIDSEARCH 1 2"));
            Assert.That(lines, Does.Contain("BODY " + PythonBytes(First)));
            Assert.That(lines, Does.Contain("HEADER b'Subject: second one\\r\\n\\r\\n'"));
            Assert.That(lines, Does.Contain("STORE 2 (FLAGS (\\Deleted))"));
            Assert.That(lines, Does.Contain("EXPUNGE 2"));
            Assert.That(lines.Single(l => l.StartsWith("APPEND", StringComparison.Ordinal)), Does.StartWith("APPEND OK [APPENDUID "));
            Assert.That(lines, Does.Contain("STATUS INBOX (MESSAGES 2 UNSEEN 0)"));
            Assert.That(lines, Does.Contain("LOGOUT BYE"));
        });
    }

    private static string PythonBytes(string ascii) =>
        "b'" + ascii.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "'";

    [Test]
    public async Task Curl_lists_fetches_one_message_and_searches()
    {
        var curl = Peers.Require("curl");
        await using var host = await ImapInteropHost.StartAsync();
        await host.AppendAsync(First);
        await host.AppendAsync(Second);
        var url = $"imap://127.0.0.1:{host.ImapPort.ToString(CultureInfo.InvariantCulture)}";
        var user = new[] { "-s", "--max-time", "20", "-u", "bob@example.com:secret" };

        var (exit, list, stderr) = await PeerRunner.RunAsync(curl, [.. user, url + "/"]);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(list, Does.Contain("* LIST (\\HasNoChildren \\All) \"/\" INBOX"));

        (exit, var fetched, stderr) = await PeerRunner.RunAsync(curl, [.. user, url + "/INBOX;UID=2"]);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(fetched, Is.EqualTo(Second));

        (exit, var found, stderr) = await PeerRunner.RunAsync(curl, [.. user, url + "/INBOX?SUBJECT%20first"]);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(found.Trim(), Is.EqualTo("* SEARCH 1"));

        (exit, var tls, stderr) = await PeerRunner.RunAsync(curl, [.. user, "-k", "--ssl-reqd", url + "/INBOX;UID=1"]);
        Assert.That(exit, Is.Zero, "STARTTLS: " + stderr);
        Assert.That(tls, Is.EqualTo(First));

        (exit, var imaps, stderr) = await PeerRunner.RunAsync(curl, [.. user, "-k", $"imaps://127.0.0.1:{host.ImapsPort.ToString(CultureInfo.InvariantCulture)}/INBOX;UID=1"]);
        Assert.That(exit, Is.Zero, "IMAPS: " + stderr);
        Assert.That(imaps, Is.EqualTo(First));
    }
}
