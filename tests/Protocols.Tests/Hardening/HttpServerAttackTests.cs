using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Protocols.Http;
using Protocols.Servers.Testing;

namespace Protocols.Tests.Hardening;

/// <summary>The HTTP server (Kestrel-hosted, through <see cref="HttpTestServer"/>) against oversized and malformed
/// request lines and headers, and against slow headers and bodies; a normal client is served afterwards.</summary>
public class HttpServerAttackTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static string Big(int n) => new('a', n);

    public static IEnumerable<TestCaseData> BadRequests()
    {
        yield return new TestCaseData($"GET /{Big(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n", 414).SetName("request line of 100 KB");
        yield return new TestCaseData($"GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: {Big(100_000)}\r\n\r\n", 431).SetName("one header of 100 KB");
        yield return new TestCaseData("GET /ok HTTP/1.1\r\nHost: x\r\n" + string.Concat(Enumerable.Range(0, 400).Select(i => $"X-H{i}: {Big(100)}\r\n")) + "\r\n", 431).SetName("400 headers of 100 bytes");
        yield return new TestCaseData("GET /ok HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400).SetName("extra token in the request line");
        yield return new TestCaseData("GE\0T /ok HTTP/1.1\r\nHost: x\r\n\r\n", 400).SetName("NUL in the method");
        yield return new TestCaseData("GET /ok HTTP/9.9\r\nHost: x\r\n\r\n", 505).SetName("unknown HTTP version");
        yield return new TestCaseData("GET /ok HTTP/1.1\r\nHost: x\r\nX-Bad: a\rb\r\n\r\n", 400).SetName("bare CR inside a header value");
        yield return new TestCaseData("GET /ok HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", 400).SetName("space in a header name");
        yield return new TestCaseData("GET /ok HTTP/1.1\r\n\r\n", 400).SetName("HTTP/1.1 without Host");
        yield return new TestCaseData("POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400).SetName("two different Content-Lengths");
        yield return new TestCaseData("POST /ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400).SetName("bad chunk size");
        yield return new TestCaseData("POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400).SetName("negative Content-Length");
    }

    [TestCaseSource(nameof(BadRequests))]
    public async Task Bad_request_gets_a_clear_4xx_and_the_server_serves_the_next_client(string request, int status)
    {
        await using var http = await HttpTestServer.StartAsync();
        http.Stub(m => m.PathPrefix("/ok")).Respond(200, "fine");
        using var socket = new Socket(System.Net.Sockets.AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(http.EndPoint).WaitAsync(Wait);
        using var stream = new NetworkStream(socket);
        var sending = stream.WriteAsync(Encoding.Latin1.GetBytes(request)).AsTask();
        var statusLine = await ReadLineAsync(stream).WaitAsync(Wait);
        Assert.That(statusLine, Does.StartWith($"HTTP/1.1 {status}"));
        await Task.WhenAny(sending, Task.Delay(Wait)); // the server may close before it reads everything
        await using var client = new Http1Client();
        Assert.That(await client.GetStringAsync(new Uri(http.BaseAddress, "/ok").ToString()).WaitAsync(Wait), Is.EqualTo("fine"));
        HardeningReport.Row(HardeningReport.Attack, $"HTTP: {TestContext.CurrentContext.Test.Name}", 1, 0, TimeSpan.Zero, $"{status}; next client served");
    }

    [Test]
    [Category("Slow")] // waits out the server's header and body deadlines (about 30 s)
    public async Task Slow_headers_and_slow_bodies_are_cut_off_and_others_are_served()
    {
        await using var http = await HttpTestServer.StartAsync();
        http.Stub(m => m.PathPrefix("/ok")).Respond(200, "fine");
        var watch = Stopwatch.StartNew();
        var slowHead = CutOffAsync(http, "GET /ok HTTP/1.1\r\nHost: x\r\nX-Slow: ");
        var slowBody = CutOffAsync(http, "POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
        await using (var client = new Http1Client())
            Assert.That(await client.GetStringAsync(new Uri(http.BaseAddress, "/ok").ToString()).WaitAsync(Wait), Is.EqualTo("fine"));
        var served = watch.Elapsed;
        var (headCut, bodyCut) = (await slowHead.WaitAsync(TimeSpan.FromSeconds(120)), await slowBody.WaitAsync(TimeSpan.FromSeconds(120)));
        HardeningReport.Row(HardeningReport.Attack, "HTTP slow headers (1 byte/s)", 1, 0, headCut, $"cut off after {headCut.TotalSeconds:0} s; a normal client served in {served.TotalMilliseconds:0} ms meanwhile");
        HardeningReport.Row(HardeningReport.Attack, "HTTP slow body (1 byte/s)", 1, 0, bodyCut, $"cut off after {bodyCut.TotalSeconds:0} s");
    }

    /// <summary>Sends the start, then one byte a second, until the server closes; returns how long that took (at most 100 s, else fails).</summary>
    private static async Task<TimeSpan> CutOffAsync(HttpTestServer http, string start)
    {
        var watch = Stopwatch.StartNew();
        using var socket = new Socket(System.Net.Sockets.AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(http.EndPoint).WaitAsync(Wait);
        await socket.SendAsync(Encoding.ASCII.GetBytes(start), SocketFlags.None);
        var buffer = new byte[4096];
        var reading = socket.ReceiveAsync(buffer, SocketFlags.None);
        while (watch.Elapsed < TimeSpan.FromSeconds(100))
        {
            if (await Task.WhenAny(reading, Task.Delay(1000)) == reading)
            {
                // A response (408) or the end of the stream both mean the server gave up on the slow client.
                return watch.Elapsed;
            }
            try
            {
                await socket.SendAsync("a"u8.ToArray(), SocketFlags.None);
            }
            catch (SocketException)
            {
                return watch.Elapsed; // reset by the server
            }
        }
        Assert.Fail($"the server kept a 1 byte/s client for 100 s: {start.Split('\r')[0]}");
        return watch.Elapsed;
    }

    private static async Task<string> ReadLineAsync(Stream stream)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (line.Length < 8192)
        {
            if (await stream.ReadAsync(one) == 0) break;
            if (one[0] == '\n') break;
            if (one[0] != '\r') line.Append((char)one[0]);
        }
        return line.ToString();
    }
}
