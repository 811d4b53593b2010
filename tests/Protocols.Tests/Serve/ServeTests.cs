using System.Net;
using System.Net.Sockets;
using Protocols.Cli.Serve;
using Protocols.Servers.Hosting;
using Protocols.Tests.Pop3;
using Protocols.Tests.Support;

namespace Protocols.Tests.Serve;

[NonParallelizable]
public class ServeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static ServeSettings Settings(string root, string? store = null, bool write = false, bool tls = false) =>
        new(root, "127.0.0.1", 0, 0, 0, 0, store, write, tls, Pop3TlsPort: 0) { ImapPort = 0 };

    [TestCase("--user without --password")]
    [TestCase("--max-size 0")]
    [TestCase("bad host")]
    [TestCase("port past 65535")]
    [TestCase("negative port")]
    [TestCase("shared port")]
    [TestCase("missing root")]
    public void Bad_settings_get_a_one_line_reason(string what)
    {
        var root = Path.GetTempPath();
        var settings = what switch
        {
            "--user without --password" => Settings(root) with { User = "bob" },
            "--max-size 0" => Settings(root) with { MaxSize = 0 },
            "bad host" => Settings(root) with { Host = "localhost:80" },
            "port past 65535" => Settings(root) with { HttpPort = 65536 },
            "negative port" => Settings(root) with { Pop3Port = -1 },
            "shared port" => Settings(root) with { SmtpPort = 2525, FtpPort = 2525 },
            _ => Settings("/nonexistent/proto-root"),
        };
        var reason = settings.Validate();
        Assert.That(reason, Is.Not.Null.And.Not.Contain("\n"));
    }

    [TestCase("--bogus")]
    [TestCase("--smtp-port", "abc")]
    [TestCase("--smtp-port", "70000")]
    [TestCase("--mail-port", "70000")]
    [TestCase("--user", "bob")]
    [TestCase("--root", "/nonexistent/proto-root")]
    public async Task Cli_refuses_bad_options_with_exit_2(params string[] args)
    {
        var exit = await Protocols.Cli.ProtoCommand.RunAsync(["serve", .. args]).WaitAsync(Timeout);
        Assert.That(exit, Is.EqualTo(2));
    }

    [Test]
    public void Settings_at_the_port_limits_are_valid()
    {
        Assert.That((Settings(Path.GetTempPath()) with { SmtpPort = 65535, FtpPort = 0, HttpPort = 1 }).Validate(), Is.Null);
    }

    [Test]
    public async Task Serve_starts_every_endpoint_captures_mail_for_the_api_and_pop3_and_stops_on_cancel()
    {
        var root = Directory.CreateTempSubdirectory("proto-serve-");
        await File.WriteAllTextAsync(Path.Combine(root.FullName, "hello.txt"), "hello from the root\n");
        using var stop = new CancellationTokenSource();
        var output = new StringWriter();
        var error = new StringWriter();
        var started = new TaskCompletionSource<DevStack>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = ServeRunner.RunAsync(Settings(root.FullName), output, error, stop.Token, started.SetResult);
        try
        {
            var stack = await started.Task.WaitAsync(Timeout);
            var banner = output.ToString();
            foreach (var endpoint in new[] { stack.Smtp, stack.Pop3, stack.Ftp, stack.Http, stack.Mail })
                Assert.That(banner, Does.Contain($"127.0.0.1:{endpoint.Port}"));
            Assert.That(banner, Does.Contain(stack.MailPage.ToString()));

            await RawSmtp.SendAsync(stack.Smtp, "alice@example.com", "bob@example.com",
                "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: served\r\n\r\nthrough the stack\r\n");
            using var http = new HttpClient { BaseAddress = stack.MailPage, Timeout = Timeout };
            var waited = await http.GetStringAsync("api/wait?subject=served&timeout=10").WaitAsync(Timeout);
            Assert.That(waited, Does.Contain("\"envelopeTo\":[\"bob@example.com\"]"));
            Assert.That(await http.GetStringAsync($"http://127.0.0.1:{stack.Http.Port}/hello.txt").WaitAsync(Timeout), Is.EqualTo("hello from the root\n"));

            var curl = Peers.Require("curl");
            var pop3 = await PeerRunner.RunAsync(curl, ["-sS", "--max-time", "10", "-u", "any:thing", $"pop3://127.0.0.1:{stack.Pop3.Port}/1"]);
            Assert.That(pop3.ExitCode, Is.Zero, pop3.Stderr);
            Assert.That(pop3.Stdout, Does.Contain("Subject: served\r\n\r\nthrough the stack\r\n"));
            var ftp = await PeerRunner.RunAsync(curl, ["-sS", "--max-time", "10", $"ftp://127.0.0.1:{stack.Ftp.Port}/hello.txt"]);
            Assert.That(ftp.ExitCode, Is.Zero, ftp.Stderr);
            Assert.That(ftp.Stdout, Is.EqualTo("hello from the root\n"));
            var upload = await PeerRunner.RunAsync(curl, ["-sS", "--max-time", "10", "-T", "-", $"ftp://127.0.0.1:{stack.Ftp.Port}/new.txt"], stdin: "x");
            Assert.That(upload.ExitCode, Is.Not.Zero, "FTP is read-only without --write");
            Assert.That(File.Exists(Path.Combine(root.FullName, "new.txt")), Is.False);

            var stats = await http.GetStringAsync("api/stats").WaitAsync(Timeout);
            Assert.That(stats, Does.Contain("\"protocol\":\"smtp\",\"connections\":1,\"activeConnections\":0,\"messages\":1"));
            Assert.That(stats, Does.Contain("\"protocol\":\"ftp\",\"connections\":2,"), "each FTP control connection counted once");
            Assert.That(output.ToString(), Does.Contain("mail alice@example.com -> bob@example.com: served"));

            stop.Cancel();
            Assert.That(await run.WaitAsync(Timeout), Is.Zero);
            Assert.That(output.ToString(), Does.EndWith("Stopping." + Environment.NewLine));
            Assert.That(error.ToString(), Is.Empty);
        }
        finally
        {
            await stop.CancelAsync();
            await run.WaitAsync(Timeout);
            root.Delete(recursive: true);
        }
    }

    [Test]
    public async Task Store_directory_keeps_mail_with_envelope_and_session_across_a_restart_and_deleting_removes_it()
    {
        var root = Directory.CreateTempSubdirectory("proto-serve-");
        var store = Path.Combine(root.FullName, "mail");
        try
        {
            string id;
            await using (var stack = await DevStack.StartAsync(Settings(root.FullName, store).ToOptions()).WaitAsync(Timeout))
            {
                await RawSmtp.SendAsync(stack.Smtp, "a@example.com", "b@example.com", "Subject: kept\r\n\r\nbody\r\n");
                id = (await stack.Store.ListAsync(new Protocols.Servers.Mail.MailQuery())).Messages.Single().Id;
                Assert.That(File.Exists(Path.Combine(store, "mail.db")), Is.True);
            }
            await using (var again = await DevStack.StartAsync(Settings(root.FullName, store).ToOptions()).WaitAsync(Timeout))
            {
                var loaded = await again.Store.GetAsync(id);
                Assert.That(loaded, Is.Not.Null);
                Assert.That(loaded!.Summary.EnvelopeFrom, Is.EqualTo("a@example.com"), "the envelope survives a restart");
                Assert.That(loaded.Summary.EnvelopeTo, Is.EqualTo(new[] { "b@example.com" }));
                Assert.That(loaded.Session.ClientAddress, Does.StartWith("127.0.0.1:"), "so does the client address");
                Assert.That(loaded.Session.Transcript, Does.Contain("C: MAIL FROM:<a@example.com>").And.Contain("S: 354"));
                using var http = new HttpClient { BaseAddress = again.MailPage, Timeout = Timeout };
                var deleted = await http.DeleteAsync($"api/messages/{id}").WaitAsync(Timeout);
                Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
                Assert.That(await again.Store.GetAsync(id), Is.Null);
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Test]
    public async Task With_tls_the_page_is_https_and_pop3_offers_stls()
    {
        var root = Directory.CreateTempSubdirectory("proto-serve-");
        try
        {
            await using var stack = await DevStack.StartAsync(Settings(root.FullName, tls: true).ToOptions()).WaitAsync(Timeout);
            Assert.That(stack.MailPage.Scheme, Is.EqualTo("https"));
            var curl = Peers.Require("curl");
            var page = await PeerRunner.RunAsync(curl, ["-sS", "-k", "--max-time", "10", stack.MailPage + "api/messages"]);
            Assert.That(page.ExitCode, Is.Zero, page.Stderr);
            Assert.That(page.Stdout, Is.EqualTo("{\"total\":0,\"stored\":0,\"nextCursor\":null,\"messages\":[]}"));
            var pop3 = await PeerRunner.RunAsync(curl, ["-sS", "-k", "--ssl-reqd", "--max-time", "10", "-u", "a:b", $"pop3://127.0.0.1:{stack.Pop3.Port}/"]);
            Assert.That(pop3.ExitCode, Is.Zero, pop3.Stderr);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Test]
    public async Task With_tls_pop3s_has_a_port_of_its_own_and_user_and_password_make_pop3_require_that_login()
    {
        var root = Directory.CreateTempSubdirectory("proto-serve-");
        try
        {
            var settings = Settings(root.FullName, tls: true) with { User = "bob", Password = "pw" };
            await using var stack = await DevStack.StartAsync(settings.ToOptions()).WaitAsync(Timeout);
            await RawSmtp.SendAsync(stack.Smtp, "a@example.com", "bob@example.com", "Subject: over pop3s\r\n\r\nbody\r\n");
            Assert.That(stack.Pop3Tls, Is.Not.Null);
            var curl = Peers.Require("curl");
            var pop3s = await PeerRunner.RunAsync(curl, ["-sS", "-k", "--max-time", "10", "-u", "bob:pw", $"pop3s://127.0.0.1:{stack.Pop3Tls!.Port}/1"]);
            Assert.That(pop3s.ExitCode, Is.Zero, pop3s.Stderr);
            Assert.That(pop3s.Stdout, Does.Contain("Subject: over pop3s"));
            var wrong = await PeerRunner.RunAsync(curl, ["-sS", "--max-time", "10", "-u", "any:thing", $"pop3://127.0.0.1:{stack.Pop3.Port}/"]);
            Assert.That(wrong.ExitCode, Is.Not.Zero, "only bob:pw may log in");
            var right = await PeerRunner.RunAsync(curl, ["-sS", "--max-time", "10", "-u", "bob:pw", $"pop3://127.0.0.1:{stack.Pop3.Port}/"]);
            Assert.That(right.ExitCode, Is.Zero, right.Stderr);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Test]
    public async Task Max_size_limits_smtp_messages_and_http_uploads()
    {
        var root = Directory.CreateTempSubdirectory("proto-serve-");
        try
        {
            await using var stack = await DevStack.StartAsync((Settings(root.FullName, write: true) with { MaxSize = 1000 }).ToOptions()).WaitAsync(Timeout);
            await using var client = new Protocols.Smtp.SmtpClient { Timeout = Timeout };
            await client.ConnectAsync("127.0.0.1", stack.Smtp.Port, Protocols.Smtp.SmtpEncryption.None).WaitAsync(Timeout);
            await client.SendAsync("Subject: small\r\n\r\nfits\r\n", "a@example.com", ["b@example.com"]).WaitAsync(Timeout);
            var tooBig = await Assert.ThrowsAsync<Protocols.Smtp.SmtpRefusedException>(() => client.SendAsync("Subject: big\r\n\r\n" + new string('x', 2000) + "\r\n", "a@example.com", ["b@example.com"]).WaitAsync(Timeout));
            Assert.That(tooBig!.StatusCode, Is.EqualTo(552));
            var curl = Peers.Require("curl");
            var upload = await PeerRunner.RunAsync(curl, ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "-T", "-", $"http://127.0.0.1:{stack.Http.Port}/big.txt"], stdin: new string('x', 2000));
            Assert.That(upload.Stdout, Is.EqualTo("413"));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Test]
    public async Task Proto_serve_tls_needs_no_self_signed_and_lists_pop3s()
    {
        await using var serve = Protocols.Tests.Cli.ProtoProcess.Start(["serve", "--tls", "--smtp-port", "0", "--ftp-port", "0", "--http-port", "0", "--pop3-port", "0", "--pop3s-port", "0", "--imap-port", "0", "--mail-port", "0", "--root", Path.GetTempPath()]);
        await serve.WaitForStdoutAsync("Press Ctrl+C");
        Assert.That(serve.Stdout, Does.Contain("POP3S  127.0.0.1:").And.Contain("https://127.0.0.1:"));
        await serve.InterruptAsync();
        Assert.That(await serve.WaitForExitAsync(), Is.Zero, serve.Stderr);
    }

    [Test]
    public async Task A_port_in_use_fails_with_exit_1_and_one_line()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        var error = new StringWriter();
        var exit = await ServeRunner.RunAsync(Settings(Path.GetTempPath()) with { SmtpPort = port }, new StringWriter(), error, CancellationToken.None).WaitAsync(Timeout);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(error.ToString().TrimEnd(), Does.StartWith("proto: cannot listen on 127.0.0.1:" + port).And.Not.Contain("\n"));
    }
}
