using Protocols.Cli.Smtp;
using Protocols.Net;
using Protocols.Servers.Smtp;
using Protocols.Servers.Testing;
using Protocols.Smtp;
using Protocols.Tests.Cli;
using Protocols.Tests.Support;

namespace Protocols.Tests.Smtp;

public class SmtpCliTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(20);

    private static SmtpSendSettings Send(string server, string[] to, string? body = "hello", string[]? attach = null, string? html = null,
        string? eml = null, bool startTls = false, string? user = null, string? password = null, string[]? cc = null) =>
        new(server, "alice@example.org", to, cc ?? [], "Grüße aus dem Test", body, null, html, attach ?? [], eml, startTls, false, user, password,
            Insecure: true, Verbose: true, TimeSpan.FromSeconds(10));

    /// <summary>What <see cref="SendBuildsAMessage"/> sends: a UTF-8 subject, text, an HTML alternative, a binary
    /// attachment with a non-ASCII name.</summary>
    private static readonly byte[] AttachmentBytes = [1, 2, 3, 0, 250, 251, 13, 10, 46, 13, 10];

    private const string AttachmentName = "Bericht für März.bin";

    private static async Task<(string Html, string File, DirectoryInfo Dir)> MakeFilesAsync()
    {
        var dir = Directory.CreateTempSubdirectory("proto-smtp-cli-");
        var html = Path.Combine(dir.FullName, "body.html");
        var file = Path.Combine(dir.FullName, AttachmentName);
        await File.WriteAllTextAsync(html, "<p>hello <b>wörld</b></p>");
        await File.WriteAllBytesAsync(file, AttachmentBytes);
        return (html, file, dir);
    }

    /// <summary>The parts arrived intact: subject, text, HTML alternative, the attachment's name and bytes.</summary>
    private static void AssertIntact(MimeKit.MimeMessage m)
    {
        Assert.That(m.Subject, Is.EqualTo("Grüße aus dem Test"));
        Assert.That(m.TextBody?.TrimEnd(), Is.EqualTo("hello"));
        Assert.That(m.HtmlBody, Does.Contain("<p>hello <b>wörld</b></p>"));
        Assert.That(m.Body?.ContentType.MimeType, Is.EqualTo("multipart/mixed"));
        Assert.That(m.BodyParts.Select(p => p.ContentType.MimeType), Is.EqualTo(new[] { "text/plain", "text/html", "application/octet-stream" }));
        var attachment = m.Attachments.OfType<MimeKit.MimePart>().Single();
        Assert.That(attachment.FileName, Is.EqualTo(AttachmentName));
        using var decoded = new MemoryStream();
        attachment.Content!.DecodeTo(decoded);
        Assert.That(decoded.ToArray(), Is.EqualTo(AttachmentBytes));
        Assert.That(m.From.Mailboxes.Single().Address, Is.EqualTo("alice@example.org"));
    }

    [Test]
    public async Task SendBuildsAMessageWithHtmlAndAttachmentOverStartTlsWithAuth()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Authenticator = SmtpAuthenticator.Single("alice", "pw"));
        var (html, file, dir) = await MakeFilesAsync();
        try
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var code = await SmtpSendRunner.RunAsync(
                Send($"127.0.0.1:{smtp.Port}", ["bob@example.org"], html: html, attach: [file], startTls: true, user: "alice", password: "pw", cc: ["carol@example.org"]),
                stdout, stderr, CancellationToken.None).WaitAsync(T);
            Assert.That(code, Is.Zero, stderr.ToString());
            var m = await smtp.WaitForMessageAsync(T);
            Assert.That(m.IsTls && m.AuthenticatedUser == "alice", Is.True);
            Assert.That(m.To, Is.EqualTo(new[] { "bob@example.org", "carol@example.org" }));
            AssertIntact(m.Message);
            // The server offers 8BITMIME, so MimeKit may leave the HTML part 8-bit (as MailKit would): then it is declared.
            Assert.That(m.Envelope.Body, System.Text.Ascii.IsValid(m.Raw.Span) ? Is.Null : Is.EqualTo("8BITMIME"));
            Assert.That(m.Headers["Subject"], Is.EqualTo("Grüße aus dem Test"));
            Assert.That(m.RawText, Does.Contain("Subject: =?utf-8?"), "the subject goes as encoded words: no SMTPUTF8 needed");
            Assert.That(m.Envelope.SmtpUtf8, Is.False);
            Assert.That(stdout.ToString(), Does.Contain($"sent {m.Raw.Length} bytes to 2 of 2 recipients"));
            Assert.That(stderr.ToString(), Does.Contain("AUTH").And.Not.Contain("pw\n"));
            Assert.That(stderr.ToString(), Does.Not.Contain(Protocols.Lines.Sasl.EncodePlain("alice", "pw")));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Test]
    public async Task SendBuildsAMessageThatArrivesIntactAtAiosmtpd()
    {
        await using var peer = await SmtpPeerServer.StartAiosmtpdAsync();
        var (html, file, dir) = await MakeFilesAsync();
        try
        {
            var stderr = new StringWriter();
            var code = await SmtpSendRunner.RunAsync(Send($"127.0.0.1:{peer.Port}", ["bob@example.org"], html: html, attach: [file], cc: ["carol@example.org"]),
                new StringWriter(), stderr, CancellationToken.None).WaitAsync(T);
            Assert.That(code, Is.Zero, stderr.ToString());
            var emls = await peer.WaitForFilesAsync("*.eml", 1);
            Assert.That(emls, Has.Length.EqualTo(1));
            AssertIntact(MailParser.Load(await File.ReadAllBytesAsync(emls[0])));
            using var meta = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(emls[0], ".json")));
            Assert.That(meta.RootElement.GetProperty("to").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "bob@example.org", "carol@example.org" }));
            Assert.That(meta.RootElement.GetProperty("from").GetString(), Is.EqualTo("alice@example.org"));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Test]
    public async Task SendRefusesAnAttachmentThatIsNotThereWithExitTwo()
    {
        var stderr = new StringWriter();
        var code = await SmtpSendRunner.RunAsync(Send("127.0.0.1:1", ["b@example.org"], attach: ["/nonexistent/report.pdf"]), new StringWriter(), stderr, CancellationToken.None).WaitAsync(T);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr.ToString(), Does.StartWith("proto: ").And.Contain("report.pdf"));
    }

    [Test]
    public async Task SendExitsOneWithTheServerReplyWhenARecipientIsRefused()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Handler = new SmtpHandler
        {
            Recipient = (_, r) => r.Address.StartsWith("nobody", StringComparison.Ordinal) ? new SmtpResponse(550, "No such user here", "5.1.1") : null,
        });
        var stderr = new StringWriter();
        var code = await SmtpSendRunner.RunAsync(Send($"127.0.0.1:{smtp.Port}", ["bob@example.org", "nobody@example.org"]), new StringWriter(), stderr, CancellationToken.None).WaitAsync(T);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(stderr.ToString(), Does.Contain("nobody@example.org refused: 550 No such user here"));
        Assert.That(smtp.Messages.Single().To, Is.EqualTo(new[] { "bob@example.org" }));

        stderr = new StringWriter();
        code = await SmtpSendRunner.RunAsync(Send($"127.0.0.1:{smtp.Port}", ["nobody@example.org"]), new StringWriter(), stderr, CancellationToken.None).WaitAsync(T);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(stderr.ToString(), Does.Contain("550"));
    }

    [Test]
    public async Task SendEmlAsIs()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var eml = Path.GetTempFileName();
        try
        {
            var content = "From: a@example.org\r\nSubject: raw\r\n\r\n.dot\r\n";
            await File.WriteAllTextAsync(eml, content);
            var code = await SmtpSendRunner.RunAsync(Send($"127.0.0.1:{smtp.Port}", ["b@example.org"], eml: eml), new StringWriter(), new StringWriter(), CancellationToken.None).WaitAsync(T);
            Assert.That(code, Is.Zero);
            Assert.That((await smtp.WaitForMessageAsync(T)).RawText, Is.EqualTo(content));
        }
        finally
        {
            File.Delete(eml);
        }
    }

    [Test]
    public async Task SendToNothingListeningExitsOneNamingHostAndPort()
    {
        var stderr = new StringWriter();
        var port = LoopbackPort.Free();
        var code = await SmtpSendRunner.RunAsync(Send($"127.0.0.1:{port}", ["b@example.org"]), new StringWriter(), stderr, CancellationToken.None).WaitAsync(T);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(stderr.ToString(), Does.Contain($"proto: cannot connect to 127.0.0.1:{port}: connection refused"));
    }

    [TestCase("", 2)]
    [TestCase("host:99999", 2)]
    [TestCase("host:abc", 2)]
    public async Task SendBadArgumentsExitTwo(string server, int expected)
    {
        var stderr = new StringWriter();
        var code = await SmtpSendRunner.RunAsync(Send(server, ["b@example.org"]), new StringWriter(), stderr, CancellationToken.None).WaitAsync(T);
        Assert.That(code, Is.EqualTo(expected));
        Assert.That(stderr.ToString().Trim().Split('\n'), Has.Length.EqualTo(1));
    }

    [TestCase("mail.example.org", 25, "mail.example.org", 25)]
    [TestCase("mail.example.org:2525", 25, "mail.example.org", 2525)]
    [TestCase("[::1]:587", 25, "::1", 587)]
    [TestCase("[::1]", 465, "::1", 465)]
    public void ServerArgumentParses(string server, int defaultPort, string host, int port)
    {
        Assert.That(SmtpSendRunner.TryParseServer(server, defaultPort, out var h, out var p), Is.True);
        Assert.That((h, p), Is.EqualTo((host, port)));
    }

    [Test]
    public async Task ServePrintsALinePerMessageAndStoresInTheMailStore()
    {
        var dir = Directory.CreateTempSubdirectory("proto-smtp-serve-");
        var port = LoopbackPort.Free();
        using var cts = new CancellationTokenSource();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var run = SmtpServeRunner.RunAsync(new SmtpServeSettings("127.0.0.1", port, dir.FullName, 5000, "u", "p", null, null, Tls: true),
            stdout, stderr, cts.Token);
        try
        {
            await using var client = new SmtpClient { Timeout = T, Tls = new TlsClientOptions { AcceptAnyCertificate = true } };
            await ConnectWithRetryAsync(client, port);
            await client.AuthenticateAsync("u", "p").WaitAsync(T);
            await client.SendAsync("Subject: served\r\n\r\nbody\r\n", "a@example.org", ["b@example.org"]).WaitAsync(T);
            var tooBig = await Assert.ThrowsAsync<SmtpRefusedException>(() => client.SendAsync(new string('x', 6000), "a@example.org", ["b@example.org"]).WaitAsync(T));
            Assert.That(tooBig!.StatusCode, Is.EqualTo(552));
            await client.DisconnectAsync(true).WaitAsync(T);
        }
        finally
        {
            await cts.CancelAsync();
        }
        Assert.That(await run.WaitAsync(T), Is.Zero, stderr.ToString());
        Assert.That(stdout.ToString(), Does.Contain("from <a@example.org> to <b@example.org>").And.Contain("tls auth=u"));
        await using (var store = await Protocols.Servers.Mail.Sqlite.SqliteMailStore.OpenAsync(dir.FullName))
        {
            var page = await store.ListAsync(new Protocols.Servers.Mail.MailQuery());
            Assert.That(page.Total, Is.EqualTo(1), "only the accepted message is stored");
            var stored = (await store.GetAsync(page.Messages[0].Id))!;
            Assert.That(stored.Session.Tls, Is.True);
            Assert.That(stored.Session.AuthenticatedUser, Is.EqualTo("u"));
            Assert.That(stored.Session.Transcript, Does.Contain("C: AUTH PLAIN ***").Or.Contain("C: AUTH LOGIN"), "the transcript hides the secret");
            await using var raw = (await store.OpenRawAsync(stored.Summary.Id))!;
            using var reader = new StreamReader(raw);
            Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("Subject: served\r\n\r\nbody\r\n"));
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        dir.Delete(true);
    }

    [Test]
    public async Task ServeRefusesContradictoryArguments()
    {
        var stderr = new StringWriter();
        var code = await SmtpServeRunner.RunAsync(new SmtpServeSettings("127.0.0.1", 0, null, null, "u", null, null, null, false),
            new StringWriter(), stderr, CancellationToken.None).WaitAsync(T);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr.ToString(), Does.Contain("--user needs --password"));
    }

    [Test]
    public async Task Serve_offers_smtps_on_a_port_of_its_own_and_send_errors_say_what_to_do()
    {
        await using var serve = ProtoProcess.Start(["smtp", "serve", "-p", "0", "--tls-port", "0"]);
        await serve.WaitForStderrAsync("Ctrl+C");
        var banner = System.Text.RegularExpressions.Regex.Match(serve.Stderr, @"SMTP on 127\.0\.0\.1:(\d+) \(STARTTLS\), SMTPS on 127\.0\.0\.1:(\d+)");
        Assert.That(banner.Success, Is.True, serve.Stderr);
        var (plain, smtps) = (banner.Groups[1].Value, banner.Groups[2].Value);
        string[] message = ["-f", "a@example.org", "-t", "b@example.org", "--subject", "hi", "--body", "over smtps"];

        var ok = await ProtoProcess.RunAsync(["smtp", "send", "-s", "127.0.0.1:" + smtps, "--tls", "-k", .. message]);
        Assert.That(ok.ExitCode, Is.Zero, ok.Stderr);
        await serve.WaitForStdoutAsync("to <b@example.org>");
        Assert.That(serve.Stdout, Does.Contain(" tls"));

        var notTls = await ProtoProcess.RunAsync(["smtp", "send", "-s", "127.0.0.1:" + plain, "--tls", "-k", .. message]);
        Assert.That(notTls.ExitCode, Is.EqualTo(1));
        Assert.That(notTls.Stderr.Trim(), Is.EqualTo($"proto: TLS with 127.0.0.1:{plain} failed: the server did not start TLS; try --starttls"));

        var untrusted = await ProtoProcess.RunAsync(["smtp", "send", "-s", "127.0.0.1:" + smtps, "--tls", .. message]);
        Assert.That(untrusted.ExitCode, Is.EqualTo(1));
        Assert.That(untrusted.Stderr, Does.StartWith($"proto: TLS with 127.0.0.1:{smtps} failed: the server's certificate is not trusted").And.Contain("-k/--insecure"));

        var repeat = await ProtoProcess.RunAsync(["smtp", "send", "-s", "127.0.0.1:" + plain, "-k", "--repeat", "20", .. message],
            environment: new Dictionary<string, string> { ["PROTO_PROGRESS"] = "always" });
        Assert.That(repeat.ExitCode, Is.Zero, repeat.Stderr);
        Assert.That(repeat.Stderr, Does.Contain("20 messages / 20 messages").And.Contain("100%").And.Contain("msg/s"));

        await serve.InterruptAsync();
        Assert.That(await serve.WaitForExitAsync(), Is.Zero, serve.Stderr);
    }

    private static async Task ConnectWithRetryAsync(SmtpClient client, int port)
    {
        var deadline = DateTime.UtcNow + T;
        while (true)
        {
            try
            {
                await client.ConnectAsync("127.0.0.1", port, SmtpEncryption.StartTls).WaitAsync(T);
                return;
            }
            catch (SmtpConnectionException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
