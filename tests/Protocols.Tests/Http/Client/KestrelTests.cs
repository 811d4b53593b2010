using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Authentication;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Protocols.Http;
using Protocols.Net;
using HttpRequest = Protocols.Http.HttpRequest;

namespace Protocols.Tests.Http.Client;

/// <summary>Our client against a Kestrel app in the test process.</summary>
public class KestrelTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private static readonly byte[] Text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 5000).Select(i => $"line {i} of some compressible text\n")));
    private readonly ConcurrentDictionary<string, byte> _connectionIds = new();
    private KestrelApp _app = null!;
    private KestrelApp _other = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _app = await KestrelApp.StartAsync(Map);
        _other = await KestrelApp.StartAsync(Map);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _app.DisposeAsync();
        await _other.DisposeAsync();
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/hello", (HttpContext c) =>
        {
            _connectionIds.TryAdd(c.Connection.Id, 0);
            return "hello";
        });
        app.MapGet("/chunked", async (HttpContext c) =>
        {
            for (var i = 0; i < 5; i++)
            {
                await c.Response.WriteAsync($"part{i};");
                await c.Response.Body.FlushAsync();
            }
        });
        app.MapGet("/encoded/{coding}", async (HttpContext c, string coding) =>
        {
            c.Response.Headers.ContentEncoding = coding;
            using var memory = new MemoryStream();
            await using (Stream z = coding switch
            {
                "gzip" => new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true),
                "deflate" => new ZLibStream(memory, CompressionLevel.Fastest, leaveOpen: true),
                _ => new BrotliStream(memory, CompressionLevel.Fastest, leaveOpen: true),
            })
            {
                await z.WriteAsync(Text);
            }
            await c.Response.Body.WriteAsync(memory.ToArray());
        });
        app.Map("/echo", async (HttpContext c) =>
        {
            c.Response.Headers["X-Method"] = c.Request.Method;
            c.Response.Headers["X-Content-Type"] = c.Request.ContentType ?? "";
            c.Response.Headers["X-Chunked"] = c.Request.Headers.TransferEncoding.ToString();
            await c.Request.Body.CopyToAsync(c.Response.Body);
        });
        app.Map("/whoami", (HttpContext c) => $"{c.Request.Method} auth={c.Request.Headers.Authorization} host={c.Request.Host}");
        app.Map("/redirect/{code:int}", (HttpContext c, int code) =>
        {
            c.Response.StatusCode = code;
            c.Response.Headers.Location = c.Request.Query["to"].ToString();
        });
        app.MapGet("/loop", (HttpContext c) => Results.Redirect("/loop"));
        app.MapGet("/status/{code:int}", (int code) => Results.StatusCode(code));
    }

    private static Http1Client NewClient(HttpClientOptions? options = null)
    {
        options ??= new HttpClientOptions();
        options.Timeout = Wait;
        return new Http1Client(options);
    }

    [Test]
    public async Task KeepAliveAgainstKestrel()
    {
        _connectionIds.Clear();
        await using var client = NewClient();
        for (var i = 0; i < 20; i++) Assert.That(await client.GetStringAsync(_app.Url("/hello")).WaitAsync(Wait), Is.EqualTo("hello"));
        Assert.That(_connectionIds, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task ConcurrentRequestsStayWithinThePerOriginLimit()
    {
        _connectionIds.Clear();
        await using var client = NewClient(new HttpClientOptions { MaxConnectionsPerOrigin = 3 });
        var all = Enumerable.Range(0, 30).Select(_ => client.GetStringAsync(_app.Url("/hello")));
        var bodies = await Task.WhenAll(all).WaitAsync(Wait);
        Assert.That(bodies, Is.All.EqualTo("hello"));
        Assert.That(_connectionIds.Count, Is.InRange(1, 3));
    }

    [Test]
    public async Task ChunkedResponse()
    {
        await using var client = NewClient();
        await using var response = await client.GetAsync(_app.Url("/chunked")).WaitAsync(Wait);
        Assert.That(response.Headers["Transfer-Encoding"], Is.EqualTo("chunked"));
        Assert.That(await response.ReadAsStringAsync().WaitAsync(Wait), Is.EqualTo("part0;part1;part2;part3;part4;"));
    }

    [TestCase("gzip")]
    [TestCase("deflate")]
    [TestCase("br")]
    public async Task DecodesContentEncodings(string coding)
    {
        await using var client = NewClient();
        await using var response = await client.GetAsync(_app.Url("/encoded/" + coding)).WaitAsync(Wait);
        Assert.That(response.IsDecoded, Is.True);
        Assert.That(NginxInteropTests.Same(await response.ReadAsBytesAsync().WaitAsync(Wait), Text), Is.True);
        Assert.That(response.BodyBytesRead, Is.LessThan(Text.Length / 4));
    }

    [Test]
    public async Task ExplicitAcceptEncodingGetsTheBytesAsSent()
    {
        await using var client = NewClient();
        var request = new HttpRequest("GET", _app.Url("/encoded/gzip"));
        request.Headers.Add("Accept-Encoding", "gzip");
        await using var response = await client.SendAsync(request).WaitAsync(Wait);
        Assert.That(response.IsDecoded, Is.False);
        var raw = await response.ReadAsBytesAsync().WaitAsync(Wait);
        Assert.That(raw[..2], Is.EqualTo(new byte[] { 0x1f, 0x8b }));
    }

    [Test]
    public async Task PostsBytesAndStreamsAndChunked()
    {
        await using var client = NewClient();
        var payload = new byte[300_000];
        Random.Shared.NextBytes(payload);
        foreach (var body in new[]
        {
            RequestBody.FromBytes(payload, "application/octet-stream"),
            RequestBody.FromStream(new MemoryStream(payload), contentType: "application/octet-stream"),
            RequestBody.FromStream(new NonSeekableStream(payload), contentType: "application/octet-stream"),
        })
        {
            await using var response = await client.SendAsync(new HttpRequest("POST", _app.Url("/echo")) { Body = body }).WaitAsync(Wait);
            Assert.That(response.Headers["X-Content-Type"], Is.EqualTo("application/octet-stream"));
            Assert.That(response.Headers["X-Chunked"], Is.EqualTo(body.Length is null ? "chunked" : ""));
            Assert.That(NginxInteropTests.Same(await response.ReadAsBytesAsync().WaitAsync(Wait), payload), Is.True);
        }
    }

    [TestCase(301, "POST", "GET", "")]
    [TestCase(302, "POST", "GET", "")]
    [TestCase(303, "PUT", "GET", "")]
    [TestCase(301, "PUT", "PUT", "data")]
    [TestCase(307, "POST", "POST", "data")]
    [TestCase(308, "PUT", "PUT", "data")]
    [TestCase(303, "HEAD", "HEAD", "")]
    public async Task RedirectMethodRules(int code, string method, string expectedMethod, string expectedBody)
    {
        await using var client = NewClient();
        var request = new HttpRequest(method, _app.Url($"/redirect/{code}?to=/echo")) { Body = method == "HEAD" ? null : RequestBody.FromString("data") };
        await using var response = await client.SendAsync(request).WaitAsync(Wait);
        Assert.That(response.StatusCode, Is.EqualTo(200));
        Assert.That(response.RedirectCount, Is.EqualTo(1));
        Assert.That(response.Headers["X-Method"], Is.EqualTo(expectedMethod));
        Assert.That(await response.ReadAsStringAsync().WaitAsync(Wait), Is.EqualTo(expectedBody));
        Assert.That(response.Uri.AbsolutePath, Is.EqualTo("/echo"));
    }

    [Test]
    public async Task AuthorizationStaysOnTheSameOriginAndIsDroppedAcrossOrigins()
    {
        await using var client = NewClient();
        var host = new Uri(_app.BaseUrl).Authority;
        var same = new HttpRequest("GET", _app.Url("/redirect/302?to=/whoami"));
        same.Headers.Add("Authorization", "Bearer secret").Add("Host", host);
        await using (var response = await client.SendAsync(same).WaitAsync(Wait))
            Assert.That(await response.ReadAsStringAsync().WaitAsync(Wait), Is.EqualTo($"GET auth=Bearer secret host={host}"));

        var cross = new HttpRequest("GET", _app.Url("/redirect/302?to=" + Uri.EscapeDataString(_other.Url("/whoami"))));
        cross.Headers.Add("Authorization", "Bearer secret").Add("Host", host);
        await using (var response = await client.SendAsync(cross).WaitAsync(Wait))
            Assert.That(await response.ReadAsStringAsync().WaitAsync(Wait), Is.EqualTo($"GET auth= host={new Uri(_other.BaseUrl).Authority}"));
    }

    [Test]
    public async Task RedirectLimit()
    {
        await using var client = NewClient(new HttpClientOptions { MaxRedirects = 3 });
        var e = await Assert.ThrowsAsync<HttpRedirectLimitException>(async () => await client.GetAsync(_app.Url("/loop")).WaitAsync(Wait));
        Assert.That(e!.Limit, Is.EqualTo(3));
    }

    [Test]
    public async Task RedirectsNotFollowedWhenOff()
    {
        await using var client = NewClient(new HttpClientOptions { FollowRedirects = false });
        await using var response = await client.GetAsync(_app.Url("/redirect/308?to=/hello")).WaitAsync(Wait);
        Assert.That(response.StatusCode, Is.EqualTo(308));
        Assert.That(response.Headers["Location"], Is.EqualTo("/hello"));
    }

    [Test]
    public async Task StatusHelpers()
    {
        await using var client = NewClient();
        var e = await Assert.ThrowsAsync<HttpStatusException>(async () => await client.GetBytesAsync(_app.Url("/status/404")).WaitAsync(Wait));
        Assert.That(e!.StatusCode, Is.EqualTo(404));
        using var sink = new MemoryStream();
        long last = 0;
        var written = await client.DownloadAsync(_app.Url("/encoded/gzip"), sink, new SyncProgress(n => last = n)).WaitAsync(Wait);
        Assert.That(written, Is.EqualTo(Text.Length));
        Assert.That(NginxInteropTests.Same(sink.ToArray(), Text), Is.True);
        Assert.That(last, Is.GreaterThan(0));
    }

    [Test]
    public async Task TlsSendsTheHostAsSni()
    {
        using var certificate = SelfSignedCertificate.Create();
        var names = new ConcurrentQueue<string?>();
        await using var tls = await KestrelApp.StartAsync(app => app.MapGet("/", () => "named"), certificate, names.Enqueue);
        var port = new Uri(tls.BaseUrl).Port;
        await using var client = NewClient(new HttpClientOptions { AcceptAnyCertificate = true });
        Assert.That(await client.GetStringAsync($"https://localhost:{port}/").WaitAsync(Wait), Is.EqualTo("named"));
        Assert.That(names, Does.Contain("localhost"));
    }

    [Test]
    public async Task TlsWithAlpnHttp11()
    {
        using var certificate = SelfSignedCertificate.Create();
        await using var tls = await KestrelApp.StartAsync(app => app.MapGet("/", () => "secure"), certificate);
        var transcript = new MemoryProtocolLogger("> ", "< ");
        await using (var strict = NewClient())
        {
            await Assert.ThrowsAsync<AuthenticationException>(async () => await strict.GetAsync(tls.BaseUrl + "/").WaitAsync(Wait));
        }
        await using var client = NewClient(new HttpClientOptions { AcceptAnyCertificate = true, ProtocolLogger = transcript });
        Assert.That(tls.BaseUrl, Does.StartWith("https://"));
        Assert.That(await client.GetStringAsync(tls.BaseUrl + "/").WaitAsync(Wait), Is.EqualTo("secure"));
        Assert.That(transcript.ToString(), Does.Contain("ALPN http/1.1"));
    }
}
