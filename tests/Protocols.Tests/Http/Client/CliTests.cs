using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Protocols.Cli;
using Protocols.Net;

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
}
