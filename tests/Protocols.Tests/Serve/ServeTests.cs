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
        new(root, "127.0.0.1", 0, 0, 0, 0, store, write, tls, tls);

    [TestCase("--tls without --self-signed")]
    [TestCase("--self-signed without --tls")]
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
            "--tls without --self-signed" => Settings(root) with { Tls = true },
            "--self-signed without --tls" => Settings(root) with { SelfSigned = true },
            "bad host" => Settings(root) with { Host = "localhost:80" },
            "port past 65535" => Settings(root) with { HttpPort = 65536 },
            "negative port" => Settings(root) with { Pop3Port = -1 },
            "shared port" => Settings(root) with { SmtpPort = 2525, FtpPort = 2525 },
            _ => Settings("/nonexistent/proto-root"),
        };
        var reason = settings.Validate();
        Assert.That(reason, Is.Not.Null.And.Not.Contain("\n"));
    }

    [TestCase("--tls")]
    [TestCase("--self-signed")]
    [TestCase("--smtp-port", "70000")]
    [TestCase("--mail-port", "70000")]
    [TestCase("--root", "/nonexistent/proto-root")]
    public async Task Cli_refuses_bad_options_with_exit_2(params string[] args)
    {
        var exit = await Protocols.Cli.ProtoCommand.Build().Parse(["serve", .. args]).InvokeAsync().WaitAsync(Timeout);
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
    public async Task Store_directory_keeps_eml_files_loads_them_at_start_and_deleting_removes_the_file()
    {
        var root = Directory.CreateTempSubdirectory("proto-serve-");
        var store = Path.Combine(root.FullName, "mail");
        try
        {
            string id;
            await using (var stack = await DevStack.StartAsync(Settings(root.FullName, store).ToOptions()).WaitAsync(Timeout))
            {
                await RawSmtp.SendAsync(stack.Smtp, "a@example.com", "b@example.com", "Subject: kept\r\n\r\nbody\r\n");
                id = (await stack.Capture.ListAsync()).Single().Id;
                Assert.That(File.Exists(Path.Combine(store, id + ".eml")), Is.True);
            }
            await using (var again = await DevStack.StartAsync(Settings(root.FullName, store).ToOptions()).WaitAsync(Timeout))
            {
                var loaded = (await again.Capture.ListAsync()).Single();
                Assert.That(loaded.Id, Is.EqualTo(id));
                using var http = new HttpClient { BaseAddress = again.MailPage, Timeout = Timeout };
                var deleted = await http.DeleteAsync($"api/messages/{id}").WaitAsync(Timeout);
                Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
                Assert.That(File.Exists(Path.Combine(store, id + ".eml")), Is.False);
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
            Assert.That(page.Stdout, Is.EqualTo("{\"total\":0,\"messages\":[]}"));
            var pop3 = await PeerRunner.RunAsync(curl, ["-sS", "-k", "--ssl-reqd", "--max-time", "10", "-u", "a:b", $"pop3://127.0.0.1:{stack.Pop3.Port}/"]);
            Assert.That(pop3.ExitCode, Is.Zero, pop3.Stderr);
        }
        finally
        {
            root.Delete(recursive: true);
        }
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
        Assert.That(error.ToString().TrimEnd(), Does.StartWith("proto serve: ").And.Not.Contain("\n"));
    }
}
