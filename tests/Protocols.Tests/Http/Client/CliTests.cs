using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Protocols.Cli;
using Protocols.Net;
using Protocols.Tests.Cli;

namespace Protocols.Tests.Http.Client;

/// <summary>`proto http get|head|delete|put|post` run in-process against a Kestrel app.</summary>
[NonParallelizable]
public class CliTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private KestrelApp _app = null!;
    private string _dir = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _dir = Directory.CreateTempSubdirectory("proto-cli-http-").FullName;
        _app = await KestrelApp.StartAsync(app =>
        {
            app.MapMethods("/hello", ["GET", "HEAD"], () => "hello\n");
            app.MapGet("/big", () => Results.Bytes(new byte[1_000_000]));
            app.MapGet("/missing", () => Results.NotFound("nope"));
            app.MapGet("/cut", async (HttpContext c) =>
            {
                c.Response.ContentLength = 1_000_000;
                await c.Response.Body.WriteAsync(new byte[10_000]);
                await c.Response.Body.FlushAsync();
                c.Abort();
            });
            app.MapGet("/moved", () => Results.Redirect("/hello"));
            app.Map("/echo", async (HttpContext c) =>
            {
                c.Response.Headers["X-Method"] = c.Request.Method;
                c.Response.Headers["X-A"] = c.Request.Headers["X-A"].ToString();
                await c.Request.Body.CopyToAsync(c.Response.Body);
            });
        });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        var capturedOut = new StringWriter();
        var capturedErr = new StringWriter();
        Console.SetOut(capturedOut);
        Console.SetError(capturedErr);
        try
        {
            var exit = await ProtoCommand.RunAsync(args).WaitAsync(Wait);
            return (exit, capturedOut.ToString(), capturedErr.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    private string Temp(string name) => Path.Combine(_dir, name);

    [Test]
    public async Task GetToFile()
    {
        var (exit, _, err) = await RunAsync("http", "get", _app.Url("/big"), "-o", Temp("big.bin"));
        Assert.That(exit, Is.Zero, err);
        Assert.That(new FileInfo(Temp("big.bin")).Length, Is.EqualTo(1_000_000));
    }

    [Test]
    public async Task JsonSummary()
    {
        var (exit, output, err) = await RunAsync("http", "get", _app.Url("/hello"), "--json");
        Assert.That(exit, Is.Zero, err);
        using var json = JsonDocument.Parse(output);
        Assert.That(json.RootElement.GetProperty("status").GetInt32(), Is.EqualTo(200));
        Assert.That(json.RootElement.GetProperty("headers").GetProperty("Content-Type").GetString(), Does.StartWith("text/plain"));
        Assert.That(json.RootElement.GetProperty("timing").GetProperty("totalMs").GetDouble(), Is.GreaterThan(0));
    }

    [Test]
    public async Task FailExitsNonZeroOnlyWithFail()
    {
        var (exit, _, _) = await RunAsync("http", "get", _app.Url("/missing"), "-o", Temp("missing.txt"));
        Assert.That(exit, Is.Zero);
        Assert.That(await File.ReadAllTextAsync(Temp("missing.txt")), Does.Contain("nope"));
        var (failed, _, err) = await RunAsync("http", "get", _app.Url("/missing"), "--fail", "-o", Temp("failed.txt"));
        Assert.That(failed, Is.EqualTo(22));
        Assert.That(File.Exists(Temp("failed.txt")), Is.False, "--fail writes no body");
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(err, Does.Contain("404"));
    }

    [Test]
    public async Task PostDataAndPutFileWithHeaders()
    {
        var (exit, _, err) = await RunAsync("http", "post", _app.Url("/echo"), "-d", "a=1&b=2", "-H", "X-A: one", "-o", Temp("post.txt"));
        Assert.That(exit, Is.Zero, err);
        Assert.That(await File.ReadAllTextAsync(Temp("post.txt")), Is.EqualTo("a=1&b=2"));

        await File.WriteAllBytesAsync(Temp("upload.bin"), Encoding.ASCII.GetBytes("file body"));
        (exit, var output, err) = await RunAsync("http", "put", _app.Url("/echo"), "--data-file", Temp("upload.bin"), "-H", "X-A: two", "-H", "X-B: three", "--json");
        Assert.That(exit, Is.Zero, err);
        using var json = JsonDocument.Parse(output);
        Assert.That(json.RootElement.GetProperty("headers").GetProperty("X-Method").GetString(), Is.EqualTo("PUT"));
        Assert.That(json.RootElement.GetProperty("headers").GetProperty("X-A").GetString(), Is.EqualTo("two"));
        Assert.That(json.RootElement.GetProperty("bodyBytes").GetInt64(), Is.Zero);
    }

    [Test]
    public async Task DeleteAndHead()
    {
        var (exit, output, err) = await RunAsync("http", "delete", _app.Url("/echo"), "--json");
        Assert.That(exit, Is.Zero, err);
        Assert.That(output, Does.Contain("\"X-Method\": \"DELETE\""));
        (exit, output, err) = await RunAsync("http", "head", _app.Url("/hello"));
        Assert.That(exit, Is.Zero, err);
        Assert.That(output, Does.StartWith("HTTP/1.1 200 OK"));
        Assert.That(output, Does.Contain("Content-Type: text/plain"));
    }

    [Test]
    public async Task VerboseTranscriptRedactsAuthorization()
    {
        var (exit, _, err) = await RunAsync("http", "get", _app.Url("/hello"), "-v", "-H", "Authorization: Bearer hunter2", "-o", Temp("v.txt"));
        Assert.That(exit, Is.Zero, err);
        Assert.That(err, Does.Contain("> GET /hello HTTP/1.1"));
        Assert.That(err, Does.Contain("> Authorization: Bearer [redacted]"));
        Assert.That(err, Does.Contain("< HTTP/1.1 200 OK"));
        Assert.That(err, Does.Not.Contain("hunter2"));
    }

    [Test]
    public async Task RedirectsOnlyWithLocation()
    {
        var (_, output, _) = await RunAsync("http", "get", _app.Url("/moved"), "--json");
        Assert.That(JsonDocument.Parse(output).RootElement.GetProperty("status").GetInt32(), Is.EqualTo(302));
        (_, output, _) = await RunAsync("http", "get", _app.Url("/moved"), "-L", "--json");
        var root = JsonDocument.Parse(output).RootElement;
        Assert.That((root.GetProperty("status").GetInt32(), root.GetProperty("redirects").GetInt32()), Is.EqualTo((200, 1)));
    }

    [TestCase("ftp://127.0.0.1/x", "not an http or https URL", 2)]
    [TestCase("http://127.0.0.1:1/", "cannot connect to 127.0.0.1:1: connection refused", 1)]
    public async Task FailuresAreOneLine(string url, string reason, int code)
    {
        var (exit, _, err) = await RunAsync("http", "get", url);
        Assert.That(exit, Is.EqualTo(code));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(err, Does.StartWith("proto: ").And.Contain(reason));
    }

    [Test]
    public async Task BadHeaderArgument()
    {
        var (exit, _, err) = await RunAsync("http", "get", _app.Url("/hello"), "-H", "no colon here");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.Contain("Name: value"));
    }

    [Test]
    public async Task TlsNeedsInsecureForASelfSignedCertificate()
    {
        using var certificate = SelfSignedCertificate.Create();
        await using var tls = await KestrelApp.StartAsync(app => app.MapGet("/", () => "secure"), certificate);
        var (exit, _, err) = await RunAsync("http", "get", tls.BaseUrl + "/", "-o", Temp("tls.txt"));
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("-k"));
        (exit, _, err) = await RunAsync("http", "get", tls.BaseUrl + "/", "-k", "-o", Temp("tls.txt"));
        Assert.That(exit, Is.Zero, err);
        Assert.That(await File.ReadAllTextAsync(Temp("tls.txt")), Is.EqualTo("secure"));
    }

    [Test]
    public async Task A_failed_download_keeps_the_existing_file()
    {
        var keep = Temp("keep.bin");
        await File.WriteAllTextAsync(keep, "precious");
        var (exit, _, err) = await RunAsync("http", "get", _app.Url("/cut"), "-o", keep);
        Assert.That(exit, Is.EqualTo(1), err);
        Assert.That(await File.ReadAllTextAsync(keep), Is.EqualTo("precious"));
        Assert.That(Directory.GetFiles(_dir, "*.part"), Is.Empty);
    }

    [Test]
    public async Task Https_to_a_plain_port_says_the_server_did_not_start_tls()
    {
        var port = new Uri(_app.BaseUrl).Port;
        var (exit, _, err) = await RunAsync("http", "get", $"https://127.0.0.1:{port}/hello");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err.Trim(), Is.EqualTo($"proto: TLS with 127.0.0.1:{port} failed: the server did not start TLS; is it a plain http:// server?"));
    }

    [Test]
    public async Task The_progress_line_shows_total_percent_and_rate_and_is_silent_when_not_a_terminal()
    {
        var shown = await ProtoProcess.RunAsync(["http", "get", _app.Url("/big"), "-o", Temp("p1.bin")],
            environment: new Dictionary<string, string> { ["PROTO_PROGRESS"] = "always" });
        Assert.That(shown.ExitCode, Is.Zero, shown.Stderr);
        Assert.That(shown.Stderr, Does.Contain("976.6 KiB / 976.6 KiB  100%").And.Contain("/s"));
        var quiet = await ProtoProcess.RunAsync(["http", "get", _app.Url("/big"), "-o", Temp("p2.bin")]);
        Assert.That(quiet.ExitCode, Is.Zero, quiet.Stderr);
        Assert.That(quiet.Stderr, Is.Empty);
    }
}
