using Protocols.Http;
using Protocols.Net;
using Protocols.Servers.Testing;

namespace Protocols.Tests.Http.Client;

/// <summary>The HTTP client logs each connection through the one protocol logger, against the in-process test server.</summary>
public class ProtocolLogTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(10);

    [Test]
    public async Task Heads_both_ways_credentials_and_cookies_redacted_bodies_left_out()
    {
        await using var http = await HttpTestServer.StartAsync().WaitAsync(T);
        http.Stub(r => r.Post("/login")).Respond(r => r.Status(200).Header("Set-Cookie", "sid=server-session-id; HttpOnly").Body("response-body-text"));
        http.Stub(r => r.Get("/again")).Respond(200, "second-body-text");
        var log = new MemoryProtocolLogger("> ", "< ");
        await using var client = new Http1Client(new HttpClientOptions { ProtocolLogger = log, Timeout = T });

        var login = new HttpRequest("POST", new Uri(http.BaseAddress, "/login")) { Body = RequestBody.FromString("request-body-text") };
        login.Headers.Add("Authorization", "Basic YWxpY2U6cHctaHR0cA==").Add("Cookie", "sid=client-cookie-value");
        await using (var response = await client.SendAsync(login).WaitAsync(T))
            Assert.That(await response.ReadAsStringAsync().WaitAsync(T), Is.EqualTo("response-body-text"));
        await using (var response = await client.SendAsync(new HttpRequest("GET", new Uri(http.BaseAddress, "/again"))).WaitAsync(T))
            Assert.That(await response.ReadAsStringAsync().WaitAsync(T), Is.EqualTo("second-body-text"));

        TestContext.Out.WriteLine(log.ToString());
        var lines = log.Lines;
        Assert.That(log.Connects, Is.EqualTo(new[] { new Uri($"http://127.0.0.1:{http.EndPoint.Port}") }), "one kept-alive connection");
        Assert.That(lines, Has.Some.StartsWith("* Connected to "));
        Assert.That(lines, Has.Some.EqualTo("> POST /login HTTP/1.1"));
        Assert.That(lines, Has.Some.EqualTo("> Authorization: Basic [redacted]"));
        Assert.That(lines, Has.Some.EqualTo("> Cookie: [redacted]"));
        Assert.That(lines, Has.Some.EqualTo("> Content-Length: 17"));
        Assert.That(lines, Has.Some.EqualTo("< Set-Cookie: [redacted]"));
        Assert.That(lines, Has.Some.EqualTo("> GET /again HTTP/1.1"));
        Assert.That(lines.Count(l => l == "< HTTP/1.1 200 OK"), Is.EqualTo(2), "the second head is logged after the first body");
        Assert.That(lines.Count(l => l is "> " or "< "), Is.EqualTo(4), "each head ends with its empty line");
        var everything = log.Everything();
        foreach (var hidden in new[] { "YWxpY2U6cHctaHR0cA==", "client-cookie-value", "server-session-id", "request-body-text", "response-body-text", "second-body-text" })
            Assert.That(everything, Does.Not.Contain(hidden));
    }
}
