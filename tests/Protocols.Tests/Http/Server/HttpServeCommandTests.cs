using System.CommandLine;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Protocols.Cli.Http;

using Protocols.Tests.Support;

namespace Protocols.Tests.Http.Server;

public partial class HttpServeCommandTests
{
    private static HttpServeSettings Settings(string root) =>
        new(root, "127.0.0.1", 0, false, null, false, null, null, false, null, null, true);

    [Test]
    public void Validation_gives_one_line_reasons()
    {
        var root = Path.GetTempPath();
        Assert.That(HttpServeRunner.Validate(Settings(root)), Is.Null);
        Assert.That(HttpServeRunner.Validate(Settings("/no/such/dir")), Does.StartWith("root directory not found"));
        Assert.That(HttpServeRunner.Validate(Settings(root) with { Host = "localhost" }), Does.Contain("IP address"));
        Assert.That(HttpServeRunner.Validate(Settings(root) with { Port = 65536 }), Does.Contain("--port"));
        Assert.That(HttpServeRunner.Validate(Settings(root) with { User = "u" }), Does.Contain("--password"));
        Assert.That(HttpServeRunner.Validate(Settings(root) with { MaxUpload = 0 }), Does.Contain("--max-size"));
        Assert.That(HttpServeRunner.Validate(Settings(root) with { Tls = true, TlsCert = "/x.pem" }), Does.Contain("go together"));
        Assert.That(HttpServeRunner.Validate(Settings(root) with { Tls = true, TlsCert = "/x.pem", TlsKey = "/y.pem" }), Does.Contain("not found"));
    }

    [Test]
    public async Task Serve_prints_the_url_serves_and_stops_on_cancel()
    {
        var root = Directory.CreateTempSubdirectory("httpd-cli-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(root, "f.txt"), "cli");
            var text = new StringWriter();
            var output = TextWriter.Synchronized(text);
            using var stop = new CancellationTokenSource();
            var run = HttpServeRunner.RunAsync(Settings(root) with { Tls = true, Upload = true }, output, TextWriter.Null, stop.Token);
            string? url = null;
            for (var i = 0; i < 200 && url is null; i++)
            {
                url = UrlPattern().Match(Snapshot(output, text)) is { Success: true } m ? m.Value : null;
                if (url is null) await Task.Delay(50);
            }
            Assert.That(url, Is.Not.Null, Snapshot(output, text));
            Assert.That(Snapshot(output, text), Does.Contain("uploads on").And.Contain("self-signed"));
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
            using var client = new HttpClient(handler) { Timeout = ServerFixture.Timeout };
            Assert.That(await client.GetStringAsync(url + "f.txt"), Is.EqualTo("cli"));
            await stop.CancelAsync();
            Assert.That(await run.WaitAsync(ServerFixture.Timeout), Is.EqualTo(0));
            Assert.That(Snapshot(output, text), Does.Contain("Stopping."));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Test]
    public async Task A_taken_port_is_exit_code_1_with_a_message()
    {
        using var squatter = new TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;
        var error = new StringWriter();
        var code = await HttpServeRunner.RunAsync(Settings(Path.GetTempPath()) with { Port = port }, TextWriter.Null, error, CancellationToken.None)
            .WaitAsync(ServerFixture.Timeout);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error.ToString(), Does.StartWith("proto: cannot listen on 127.0.0.1:" + port));
    }

    [Test]
    public void The_command_parses_every_option()
    {
        var command = HttpServeCommand.Create();
        var parse = command.Parse(["--root", "/tmp", "--host", "127.0.0.1", "-p", "0", "--write", "--max-size", "1000",
            "--cors", "--user", "u", "--password", "p", "--tls", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--no-listing"]);
        Assert.That(parse.Errors, Is.Empty);
        var bad = command.Parse(["--port", "abc"]);
        Assert.That(bad.Errors, Is.Not.Empty);
    }

    // The synchronized writer locks on itself; reading the inner writer under the same lock is safe.
    private static string Snapshot(TextWriter synchronizedWriter, StringWriter inner)
    {
        lock (synchronizedWriter) return inner.ToString();
    }

    [GeneratedRegex(@"https?://127\.0\.0\.1:\d+/")]
    private static partial Regex UrlPattern();
}

public class HttpServeProcessTests
{
    [Test]
    public async Task Proto_http_serve_prints_its_url_serves_and_stops_cleanly_on_sigint()
    {
        var root = Directory.CreateTempSubdirectory("httpd-proc-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "f.txt"), "from the process");
        try
        {
            await using var process = Protocols.Tests.Cli.ProtoProcess.Start(["http", "serve", "--root", root, "--port", "0"]);
            await process.WaitForStdoutAsync("\n", TimeSpan.FromSeconds(30));
            var first = process.Stdout.Split('\n')[0].TrimEnd('\r');
            Assert.That(first, Does.StartWith("Serving " + root + " at http://127.0.0.1:"));
            var url = first[(first.IndexOf(" at ", StringComparison.Ordinal) + 4)..];
            using var client = new HttpClient { Timeout = ServerFixture.Timeout };
            Assert.That(await client.GetStringAsync(url + "f.txt"), Is.EqualTo("from the process"));

            await process.InterruptAsync();
            var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.That(process.Stdout, Does.Contain("Stopping."));
            Assert.That(code, Is.EqualTo(0), process.Stderr);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
