using System.Text;
using Protocols.Servers.Smtp;
using Protocols.Servers.Testing;
using Protocols.Tests.Support;

namespace Protocols.Tests.Smtp;

/// <summary>Real clients (python3 smtplib, swaks, curl) against our server; what arrived is checked byte for byte.</summary>
public class SmtpServerInteropTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Test]
    public async Task PythonSmtplibPlain()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var script = """
            import smtplib, sys
            msg = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: plain\r\n\r\nline one\r\n.leading dot\r\n"
            with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
                refused = s.sendmail("a@example.org", ["b@example.org", "c@example.org"], msg)
                assert refused == {}, refused
            """;
        var r = await PeerRunner.PythonAsync(script, smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(r.ExitCode, Is.Zero, r.Stderr);
        var m = await smtp.WaitForMessageAsync(Wait);
        Assert.That(m.RawText, Is.EqualTo("From: a@example.org\r\nTo: b@example.org\r\nSubject: plain\r\n\r\nline one\r\n.leading dot\r\n"));
        Assert.That(m.To, Is.EqualTo(new[] { "b@example.org", "c@example.org" }));
        Assert.That(m.Envelope.Body, Is.Null);
    }

    [Test]
    public async Task PythonSmtplibStartTlsAndLogin()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Authenticator = SmtpAuthenticator.Single("alice", "s3cret"));
        var script = """
            import smtplib, ssl, sys
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
                s.ehlo()
                assert not s.has_extn("auth"), "AUTH must not be offered before TLS"
                s.starttls(context=ctx)
                s.ehlo()
                s.login("alice", "s3cret")
                s.sendmail("alice@example.org", ["b@example.org"], b"Subject: tls\r\n\r\nsecret body\r\n")
            """;
        var r = await PeerRunner.PythonAsync(script, smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(r.ExitCode, Is.Zero, r.Stderr);
        var m = await smtp.WaitForMessageAsync(Wait);
        Assert.That(m.IsTls, Is.True);
        Assert.That(m.AuthenticatedUser, Is.EqualTo("alice"));
        Assert.That(m.RawText, Is.EqualTo("Subject: tls\r\n\r\nsecret body\r\n"));
    }

    [TestCase("PLAIN")]
    [TestCase("LOGIN")]
    [TestCase("CRAM-MD5")]
    public async Task PythonSmtplibImplicitTlsEachAuthMechanism(string mechanism)
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Authenticator = SmtpAuthenticator.Single("alice", "s3cret"));
        var script = """
            import smtplib, ssl, sys
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            with smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), timeout=10, context=ctx) as s:
                s.ehlo()
                mech = sys.argv[2]
                s.user, s.password = "alice", "s3cret"
                code, resp = s.auth(mech, getattr(s, "auth_" + mech.lower().replace("-", "_")))
                assert code == 235, (code, resp)
                s.user, s.password = "alice", "wrong"
                code, resp = s.auth(mech, getattr(s, "auth_" + mech.lower().replace("-", "_")))
                assert code == 503, (code, resp)  # already authenticated
                s.sendmail("alice@example.org", ["b@example.org"], b"x\r\n")
            """;
        var r = await PeerRunner.PythonAsync(script, smtp.TlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), mechanism);
        Assert.That(r.ExitCode, Is.Zero, r.Stderr);
        var m = await smtp.WaitForMessageAsync(Wait);
        Assert.That(m.IsTls && m.AuthenticatedUser == "alice", Is.True);
    }

    [Test]
    public async Task PythonSmtplibWrongPasswordIsRefused()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Authenticator = SmtpAuthenticator.Single("alice", "s3cret"));
        var script = """
            import smtplib, ssl, sys
            ctx = ssl._create_unverified_context()
            with smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), timeout=10, context=ctx) as s:
                try:
                    s.login("alice", "nope")
                except smtplib.SMTPAuthenticationError as e:
                    print(e.smtp_code)
            """;
        var r = await PeerRunner.PythonAsync(script, smtp.TlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(r.ExitCode, Is.Zero, r.Stderr);
        Assert.That(r.Stdout.Trim(), Is.EqualTo("535"));
        Assert.That(smtp.Messages, Is.Empty);
    }

    [Test]
    public async Task PythonSmtplibSmtpUtf8Address()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var script = """
            import smtplib, sys
            body = "Subject: ünïcode\r\n\r\nGrüße\r\n".encode("utf-8")
            with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
                s.ehlo()
                assert s.has_extn("smtputf8")
                s.sendmail("jörg@bücher.example", ["δοκιμή@παράδειγμα.δοκιμή"], body, mail_options=["SMTPUTF8", "BODY=8BITMIME"])
            """;
        var r = await PeerRunner.PythonAsync(script, smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(r.ExitCode, Is.Zero, r.Stderr);
        var m = await smtp.WaitForMessageAsync(Wait);
        Assert.That(m.From, Is.EqualTo("jörg@bücher.example"));
        Assert.That(m.To.Single(), Is.EqualTo("δοκιμή@παράδειγμα.δοκιμή"));
        Assert.That(m.Envelope.SmtpUtf8, Is.True);
        Assert.That(m.Raw.ToArray(), Is.EqualTo(Encoding.UTF8.GetBytes("Subject: ünïcode\r\n\r\nGrüße\r\n")));
    }

    [Test]
    public async Task SwaksPipeliningTlsAuthAndAttachment()
    {
        var swaks = Peers.Require("swaks");
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Authenticator = SmtpAuthenticator.Single("bob", "pw"));
        var attachment = Path.Combine(Path.GetTempPath(), $"swaks-attach-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(attachment, [.. Enumerable.Range(0, 3000).Select(i => (byte)(i * 7))]);
        try
        {
            var r = await PeerRunner.RunAsync(swaks, [
                "--server", "127.0.0.1", "--port", smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--from", "bob@example.org", "--to", "carol@example.org,dave@example.org",
                "--tls", "--auth", "LOGIN", "--auth-user", "bob", "--auth-password", "pw",
                "--pipeline", "--header", "Subject: swaks test", "--body", "hello from swaks",
                "--attach", attachment, "--timeout", "10",
            ]);
            Assert.That(r.ExitCode, Is.Zero, r.Stdout + r.Stderr);
            Assert.That(r.Stdout, Does.Contain("PIPELINING"));
            var m = await smtp.WaitForMessageAsync(Wait);
            Assert.That(m.IsTls, Is.True);
            Assert.That(m.AuthenticatedUser, Is.EqualTo("bob"));
            Assert.That(m.To, Is.EqualTo(new[] { "carol@example.org", "dave@example.org" }));
            Assert.That(m.GetHeader("Subject"), Is.EqualTo("swaks test"));
            // What swaks printed as sent (its "C:" DATA lines, after TLS) must equal what we stored, byte for byte.
            Assert.That(m.RawText, Does.Contain("hello from swaks"));
            var base64 = Convert.ToBase64String(File.ReadAllBytes(attachment));
            Assert.That(m.RawText.Replace("\r\n", "", StringComparison.Ordinal), Does.Contain(base64));
        }
        finally
        {
            File.Delete(attachment);
        }
    }

    [Test]
    public async Task CurlUploadArrivesByteForByte()
    {
        var curl = Peers.Require("curl");
        await using var smtp = await SmtpTestServer.StartAsync();
        var file = Path.Combine(Path.GetTempPath(), $"curl-mail-{Guid.NewGuid():N}.eml");
        var content = "From: a@example.org\r\nTo: b@example.org\r\nSubject: curl\r\n\r\n.starts with a dot\r\nline2\r\n";
        await File.WriteAllTextAsync(file, content);
        try
        {
            var r = await PeerRunner.RunAsync(curl, [
                "-sS", "--max-time", "10", $"smtp://127.0.0.1:{smtp.Port}", "--mail-from", "a@example.org",
                "--mail-rcpt", "b@example.org", "--upload-file", file,
            ]);
            Assert.That(r.ExitCode, Is.Zero, r.Stderr);
            var m = await smtp.WaitForMessageAsync(Wait);
            Assert.That(m.RawText, Is.EqualTo(content));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task CurlOverImplicitTls()
    {
        var curl = Peers.Require("curl");
        await using var smtp = await SmtpTestServer.StartAsync();
        var content = "Subject: smtps\r\n\r\nbody\r\n";
        var r = await PeerRunner.RunAsync(curl, [
            "-sS", "-k", "--max-time", "10", $"smtps://127.0.0.1:{smtp.TlsPort}", "--mail-from", "a@example.org",
            "--mail-rcpt", "b@example.org", "-T", "-",
        ], stdin: content);
        Assert.That(r.ExitCode, Is.Zero, r.Stderr);
        var m = await smtp.WaitForMessageAsync(Wait);
        Assert.That(m.IsTls, Is.True);
        Assert.That(m.RawText, Is.EqualTo(content));
    }
}
