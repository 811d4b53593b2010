using System.Net;
using System.Net.Sockets;
using System.Text;
using Protocols.Servers.Testing;

namespace Protocols.Tests.Http.Server;

public class HttpTestServerTests
{
    private static readonly TimeSpan Timeout = ServerFixture.Timeout;

    private static HttpClient ClientFor(HttpTestServer server) => new() { BaseAddress = server.BaseAddress, Timeout = Timeout };

    [Test]
    public async Task Starts_on_a_free_port_and_answers_stubs()
    {
        await using var http = await HttpTestServer.StartAsync().WaitAsync(Timeout);
        Assert.That(http.BaseAddress.ToString(), Does.StartWith("http://127.0.0.1:"));
        Assert.That(http.EndPoint.Port, Is.GreaterThan(0));
        http.Stub(r => r.Get("/x")).Respond(200, "body");
        http.Stub(r => r.Post("/items").Header("X-Key", "k1")).Respond(r => r.Status(201).Header("Location", "/items/7").Json(new { id = 7 }));
        using var client = ClientFor(http);

        Assert.That(await client.GetStringAsync("/x"), Is.EqualTo("body"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/items") { Content = new StringContent("{\"name\":\"a\"}") };
        request.Headers.Add("X-Key", "k1");
        using var created = await client.SendAsync(request);
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(created.Headers.Location!.OriginalString, Is.EqualTo("/items/7"));
        Assert.That(await created.Content.ReadAsStringAsync(), Is.EqualTo("{\"id\":7}"));
        Assert.That(created.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/json"));

        using var wrongHeader = await client.PostAsync("/items", new StringContent("{}"));
        Assert.That(wrongHeader.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await wrongHeader.Content.ReadAsStringAsync(), Does.Contain("no stub matches POST /items"));
        Assert.That(http.Stubs.Select(s => s.Hits), Is.EqualTo(new[] { 1, 1 }));
    }

    [Test]
    public async Task The_latest_matching_stub_wins_and_matchers_combine()
    {
        await using var http = await HttpTestServer.StartAsync().WaitAsync(Timeout);
        http.Stub(r => r.PathPrefix("/api/")).Respond(500, "generic");
        http.Stub(r => r.Get("/api/a").Query("v", "2")).Respond(200, "v2");
        http.Stub(r => r.Method("PATCH").Path("/api/a").BodyContains("hello")).Respond(202);
        using var client = ClientFor(http);
        Assert.That(await client.GetStringAsync("/api/a?v=2"), Is.EqualTo("v2"));
        using var generic = await client.GetAsync("/api/a?v=1");
        Assert.That((int)generic.StatusCode, Is.EqualTo(500));
        using var patch = await client.PatchAsync("/api/a", new StringContent("say hello"));
        Assert.That(patch.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task Journal_records_requests_and_waits_for_one()
    {
        await using var http = await HttpTestServer.StartAsync().WaitAsync(Timeout);
        http.Stub(r => r.Put("/upload")).Respond(204);
        using var client = ClientFor(http);
        var waiting = http.WaitForRequestAsync(r => r.Method == "PUT" && r.BodyText == "payload", Timeout);
        Assert.That(waiting.IsCompleted, Is.False);
        using var request = new HttpRequestMessage(HttpMethod.Put, "/upload?tag=a%20b") { Content = new StringContent("payload") };
        request.Headers.Add("X-Trace", "t1");
        using var response = await client.SendAsync(request);
        var recorded = await waiting;
        Assert.That(recorded.Path, Is.EqualTo("/upload"));
        Assert.That(recorded.QueryString, Is.EqualTo("?tag=a%20b"));
        Assert.That(recorded.Query("tag"), Is.EqualTo("a b"));
        Assert.That(recorded.Header("x-trace"), Is.EqualTo("t1"));
        Assert.That(recorded.Body, Is.EqualTo("payload"u8.ToArray()));
        Assert.That(recorded.Sequence, Is.EqualTo(1));
        Assert.That(http.Requests, Has.Count.EqualTo(1));

        var already = await http.WaitForRequestAsync(r => r.Path == "/upload", Timeout);
        Assert.That(already, Is.SameAs(recorded), "a request received before the wait counts");

        var error = await Assert.ThrowsAsync<TimeoutException>(() => http.WaitForRequestAsync(r => r.Path == "/never", TimeSpan.FromMilliseconds(100)));
        Assert.That(error!.Message, Does.Contain("PUT /upload?tag=a%20b"));
    }

    [Test]
    public async Task Reset_forgets_stubs_and_requests()
    {
        await using var http = await HttpTestServer.StartAsync().WaitAsync(Timeout);
        http.Stub(r => r.Get("/x")).Respond(200, "x");
        using var client = ClientFor(http);
        Assert.That(await client.GetStringAsync("/x"), Is.EqualTo("x"));
        http.Reset();
        Assert.That(http.Requests, Is.Empty);
        Assert.That(http.Stubs, Is.Empty);
        using var after = await client.GetAsync("/x");
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(http.Requests.Single().Sequence, Is.EqualTo(1));
    }

    [Test]
    public async Task Delay_holds_the_response()
    {
        await using var http = await HttpTestServer.StartAsync().WaitAsync(Timeout);
        http.Stub(r => r.Get("/slow")).Respond(r => r.Status(200).Body("late").Delay(TimeSpan.FromSeconds(2)));
        using var client = ClientFor(http);
        var response = client.GetStringAsync("/slow");
        await http.WaitForRequestAsync(r => r.Path == "/slow", Timeout);
        Assert.That(response.IsCompleted, Is.False, "received, but the answer is held");
        Assert.That(await response.WaitAsync(Timeout), Is.EqualTo("late"));
    }

    [TestCase(HttpFault.ResetConnection)]
    [TestCase(HttpFault.CloseConnection)]
    [TestCase(HttpFault.WrongContentLength)]
    public async Task Faults_break_the_response(HttpFault fault)
    {
        await using var http = await HttpTestServer.StartAsync().WaitAsync(Timeout);
        http.Stub(r => r.Get("/f")).Respond(r => r.Body("0123456789").Fault(fault));
        using var client = ClientFor(http);
        await Assert.ThrowsAsync<HttpRequestException>(async () => await client.GetStringAsync("/f"));
    }

    [Test]
    public async Task Reset_is_a_tcp_reset()
    {
        await using var http = await HttpTestServer.StartAsync().WaitAsync(Timeout);
        http.Stub(r => r.Get("/rst")).Fault(HttpFault.ResetConnection);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(http.EndPoint).WaitAsync(Timeout);
        await socket.SendAsync("GET /rst HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray()).WaitAsync(Timeout);
        var error = await Assert.ThrowsAsync<SocketException>(async () => await socket.ReceiveAsync(new byte[100]).WaitAsync(Timeout));
        Assert.That(error!.SocketErrorCode, Is.EqualTo(SocketError.ConnectionReset));
    }

    [Test]
    public async Task Stall_sends_nothing_until_the_client_gives_up()
    {
        await using var http = await HttpTestServer.StartAsync().WaitAsync(Timeout);
        http.Stub(r => r.Get("/stall")).Fault(HttpFault.Stall);
        http.Stub(r => r.Get("/half")).Respond(r => r.Body("0123456789").Fault(HttpFault.StallMidBody));
        using var client = new HttpClient { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromMilliseconds(300) };
        Assert.That(async () => await client.GetStringAsync("/stall"), Throws.InstanceOf<TaskCanceledException>());
        using var half = await ClientFor(http).GetAsync("/half", HttpCompletionOption.ResponseHeadersRead);
        Assert.That(half.Content.Headers.ContentLength, Is.EqualTo(10));
        var stream = await half.Content.ReadAsStreamAsync();
        var buffer = new byte[10];
        Assert.That(await stream.ReadAtLeastAsync(buffer, 5).AsTask().WaitAsync(Timeout), Is.EqualTo(5));
        var more = stream.ReadAsync(buffer).AsTask();
        Assert.That(await Task.WhenAny(more, Task.Delay(300)), Is.Not.SameAs(more), "the rest of the body never comes");
    }

    [Test]
    public async Task Raw_bytes_go_to_the_socket_as_they_are()
    {
        await using var http = await HttpTestServer.StartAsync().WaitAsync(Timeout);
        http.Stub(r => r.Get("/raw")).Respond(r => r.Raw("HTTP/1.1 2OO Broken\r\n\r\n"));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(http.EndPoint).WaitAsync(Timeout);
        await socket.SendAsync("GET /raw HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray()).WaitAsync(Timeout);
        var received = new MemoryStream();
        var buffer = new byte[1024];
        int read;
        while ((read = await socket.ReceiveAsync(buffer).WaitAsync(Timeout)) > 0) received.Write(buffer, 0, read);
        Assert.That(Encoding.Latin1.GetString(received.ToArray()), Is.EqualTo("HTTP/1.1 2OO Broken\r\n\r\n"));
    }

    [Test]
    public async Task Static_root_serves_what_no_stub_matches_and_tls_works()
    {
        var root = Directory.CreateTempSubdirectory("httpd-ts-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(root, "page.html"), "<p>static</p>");
            await using var http = await HttpTestServer.StartAsync(new HttpTestServerOptions { StaticRoot = root, UseTls = true }).WaitAsync(Timeout);
            http.Stub(r => r.Get("/api")).Respond(200, "stub");
            Assert.That(http.BaseAddress.Scheme, Is.EqualTo("https"));
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => c?.Thumbprint == http.Certificate!.Thumbprint };
            using var client = new HttpClient(handler) { BaseAddress = http.BaseAddress, Timeout = Timeout };
            Assert.That(await client.GetStringAsync("/page.html"), Is.EqualTo("<p>static</p>"));
            Assert.That(await client.GetStringAsync("/api"), Is.EqualTo("stub"));
            Assert.That(http.Requests.Select(r => r.Path), Is.EqualTo(new[] { "/page.html", "/api" }));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Test]
    public async Task Bodies_up_to_the_limit_are_recorded_and_past_it_get_413()
    {
        await using var http = await HttpTestServer.StartAsync(new HttpTestServerOptions { MaxRecordedBodyBytes = 1000 }).WaitAsync(Timeout);
        http.Stub(r => r.Post("/p")).Respond(200);
        using var client = ClientFor(http);
        using var ok = await client.PostAsync("/p", new ByteArrayContent(new byte[1000]));
        Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(http.Requests.Single().Body, Has.Length.EqualTo(1000));
        using var tooBig = await client.PostAsync("/p", new ByteArrayContent(new byte[1001]));
        Assert.That(tooBig.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(http.Requests, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Dispose_stops_and_frees_the_port()
    {
        var http = await HttpTestServer.StartAsync().WaitAsync(Timeout);
        var endPoint = http.EndPoint;
        await http.DisposeAsync().AsTask().WaitAsync(Timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var error = await Assert.ThrowsAsync<SocketException>(async () => await socket.ConnectAsync(endPoint).WaitAsync(Timeout));
        Assert.That(error!.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused));
    }

    /// <summary>The example in docs/httpd.md, kept compiling and passing.</summary>
    [Test]
    public async Task Readme_example_posts_the_order_and_survives_a_reset()
    {
        await using var http = await HttpTestServer.StartAsync().WaitAsync(Timeout);
        http.Stub(r => r.Post("/orders").Header("Authorization", "Bearer t1"))
            .Respond(r => r.Status(201).Header("Location", "/orders/7").Json(new { id = 7 }));
        http.Stub(r => r.Get("/flaky")).Fault(HttpFault.ResetConnection);

        using var client = new HttpClient { BaseAddress = http.BaseAddress, Timeout = Timeout };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/orders") { Content = new StringContent("{\"item\":\"book\"}") };
        request.Headers.Add("Authorization", "Bearer t1");
        using var response = await client.SendAsync(request);
        Assert.That((int)response.StatusCode, Is.EqualTo(201));
        Assert.That(async () => await client.GetAsync("/flaky"), Throws.InstanceOf<HttpRequestException>());

        var order = await http.WaitForRequestAsync(r => r.Path == "/orders", TimeSpan.FromSeconds(5));
        Assert.That(order.BodyText, Does.Contain("\"book\""));
    }
}
