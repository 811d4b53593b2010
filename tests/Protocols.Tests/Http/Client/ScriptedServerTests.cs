using System.Text;
using Protocols.Http;
using Protocols.Net;
using HttpProtocolException = Protocols.Http.HttpProtocolException;

namespace Protocols.Tests.Http.Client;

/// <summary>Our client against a raw TCP server that scripts its replies, good and bad.</summary>
public class ScriptedServerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static HttpClientOptions Options(IProtocolLogger? transcript = null) => new()
    {
        Timeout = TimeSpan.FromSeconds(5),
        ReadTimeout = TimeSpan.FromSeconds(5),
        ProtocolLogger = transcript,
    };

    /// <summary>Answers every request on a connection with <paramref name="reply"/>, until the client closes.</summary>
    private static ScriptedServer Replying(string reply) => new(async (c, ct) =>
    {
        while (await ScriptedServer.ReadRequestAsync(c, ct) is not null) await ScriptedServer.SendAsync(c, reply, ct);
    });

    /// <summary>Reads one request, sends <paramref name="reply"/>, closes.</summary>
    private static ScriptedServer Once(string reply) => new(async (c, ct) =>
    {
        await ScriptedServer.ReadRequestAsync(c, ct);
        await ScriptedServer.SendAsync(c, reply, ct);
    });

    [Test]
    public async Task KeepAliveReusesOneConnection()
    {
        await using var server = Replying("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        await using var client = new Http1Client(Options());
        for (var i = 0; i < 3; i++)
        {
            Assert.That(await client.GetStringAsync(server.Url()).WaitAsync(Wait), Is.EqualTo("hello"));
        }
        Assert.That(server.Connections, Is.EqualTo(1));
        Assert.That(client.IdleConnectionCount, Is.EqualTo(1));
    }

    [Test]
    public async Task ChunkedBodyWithTrailersAndExtensions()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await ScriptedServer.ReadRequestAsync(c, ct);
            await ScriptedServer.SendAsync(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5;ext=1\r\nhel", ct);
            await Task.Delay(50, ct);
            await ScriptedServer.SendAsync(c, "lo\r\n", ct);
            await ScriptedServer.SendAsync(c, "7\r\n, world\r\n0\r\nX-Sum: 12\r\n\r\n", ct);
            await ScriptedServer.ReadRequestAsync(c, ct);
        });
        await using var client = new Http1Client(Options());
        await using var response = await client.GetAsync(server.Url()).WaitAsync(Wait);
        Assert.That(await response.ReadAsStringAsync().WaitAsync(Wait), Is.EqualTo("hello, world"));
        Assert.That(response.Trailers["X-Sum"], Is.EqualTo("12"));
        Assert.That(response.IsBodyComplete, Is.True);
    }

    [Test]
    public async Task CloseDelimitedBodyRunsToTheEnd()
    {
        await using var server = Once("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it");
        await using var client = new Http1Client(Options());
        Assert.That(await client.GetStringAsync(server.Url()).WaitAsync(Wait), Is.EqualTo("all of it"));
        Assert.That(client.IdleConnectionCount, Is.Zero);
    }

    [TestCase("HTTP/1.1 2OO OK\r\n\r\n", HttpError.BadStatusLine)]
    [TestCase("SSH-2.0-OpenSSH_9.2\r\n\r\n", HttpError.BadStatusLine)]
    [TestCase("HTTP/2 200\r\n\r\n", HttpError.BadStatusLine)]
    [TestCase("HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n", HttpError.BadHeader)]
    [TestCase("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello", HttpError.BadContentLength)]
    [TestCase("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", HttpError.BadContentLength)]
    [TestCase("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", HttpError.Truncated)]
    [TestCase("HTTP/1.1 200 OK\r\nContent-", HttpError.Truncated)]
    [TestCase("", HttpError.Truncated)]
    [TestCase("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", HttpError.BadChunk)]
    [TestCase("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", HttpError.BadChunk)]
    [TestCase("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", HttpError.BadChunk)]
    [TestCase("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", HttpError.Truncated)]
    [TestCase("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", HttpError.Truncated)]
    [TestCase("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: cut", HttpError.Truncated)]
    public async Task BadServersGetTypedErrors(string reply, HttpError error)
    {
        await using var server = Once(reply);
        await using var client = new Http1Client(Options());
        var e = await Assert.ThrowsAsync<HttpProtocolException>(async () => await client.GetBytesAsync(server.Url()).WaitAsync(Wait));
        Assert.That(e!.Error, Is.EqualTo(error), e.Message);
        Assert.That(client.IdleConnectionCount, Is.Zero);
    }

    [Test]
    public async Task OversizedHeadIsRefusedWithoutReadingItAll()
    {
        // The server would send 10 MB of header: the client stops at its limit.
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await ScriptedServer.ReadRequestAsync(c, ct);
            await ScriptedServer.SendAsync(c, "HTTP/1.1 200 OK\r\n", ct);
            var line = Encoding.ASCII.GetBytes("X-Filler: " + new string('x', 1000) + "\r\n");
            for (var i = 0; i < 10_000; i++) await c.Writer.WriteAsync(line, ct);
        });
        var options = Options();
        options.MaxHeadLength = 32 * 1024;
        await using var client = new Http1Client(options);
        var e = await Assert.ThrowsAsync<HttpProtocolException>(async () => await client.GetBytesAsync(server.Url()).WaitAsync(Wait));
        Assert.That(e!.Error, Is.EqualTo(HttpError.HeadTooLarge));
    }

    [Test]
    public async Task OverlongHeaderLineIsRefused()
    {
        await using var server = Once("HTTP/1.1 200 OK\r\nX-Long: " + new string('a', 9000) + "\r\n\r\n");
        await using var client = new Http1Client(Options());
        var e = await Assert.ThrowsAsync<HttpProtocolException>(async () => await client.GetBytesAsync(server.Url()).WaitAsync(Wait));
        Assert.That(e!.Error, Is.EqualTo(HttpError.LineTooLong));
    }

    [Test]
    public async Task SlowServerTimesOutWithTimeoutException()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await ScriptedServer.ReadRequestAsync(c, ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        var options = Options();
        options.Timeout = TimeSpan.FromMilliseconds(300);
        await using var client = new Http1Client(options);
        await Assert.ThrowsAsync<TimeoutException>(async () => await client.GetAsync(server.Url()).WaitAsync(Wait));
    }

    [Test]
    public async Task StalledBodyTimesOutOnTheIdleReadTimeout()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await ScriptedServer.ReadRequestAsync(c, ct);
            await ScriptedServer.SendAsync(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart", ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        var options = Options();
        options.ReadTimeout = TimeSpan.FromMilliseconds(300);
        await using var client = new Http1Client(options);
        await using var response = await client.GetAsync(server.Url()).WaitAsync(Wait);
        await Assert.ThrowsAsync<TimeoutException>(async () => await response.ReadAsBytesAsync().WaitAsync(Wait));
    }

    [Test]
    public async Task CallerCancellationIsNotATimeout()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await ScriptedServer.ReadRequestAsync(c, ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        await using var client = new Http1Client(Options());
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var e = await Assert.CatchAsync<OperationCanceledException>(async () => await client.GetAsync(server.Url(), cancel.Token).WaitAsync(Wait));
        Assert.That(e, Is.Not.InstanceOf<TimeoutException>());
    }

    [Test]
    public async Task StaleKeptAliveConnectionIsRetriedOnANewOne()
    {
        // The server promises keep-alive but closes after each response (as servers do at their idle timeout).
        await using var server = Once("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        await using var client = new Http1Client(Options());
        Assert.That(await client.GetStringAsync(server.Url()).WaitAsync(Wait), Is.EqualTo("ok"));
        await Task.Delay(100);
        Assert.That(await client.GetStringAsync(server.Url()).WaitAsync(Wait), Is.EqualTo("ok"));
        Assert.That(server.Connections, Is.EqualTo(2));
    }

    [Test]
    public async Task HeadResponseHasNoBodyAndKeepsTheConnection()
    {
        await using var server = Replying("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
        await using var client = new Http1Client(Options());
        for (var i = 0; i < 2; i++)
        {
            await using var response = await client.SendAsync(new HttpRequest("HEAD", server.Url())).WaitAsync(Wait);
            Assert.That(response.ContentLength, Is.EqualTo(1000));
            Assert.That(await response.ReadAsBytesAsync().WaitAsync(Wait), Is.Empty);
        }
        Assert.That(server.Connections, Is.EqualTo(1));
    }

    [Test]
    public async Task InterimResponsesAreSkipped()
    {
        await using var server = Once("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        await using var client = new Http1Client(Options());
        await using var response = await client.SendAsync(new HttpRequest("POST", server.Url()) { Body = RequestBody.FromString("x") }).WaitAsync(Wait);
        Assert.That(response.StatusCode, Is.EqualTo(201));
    }

    [Test]
    public async Task StreamingChunkedRequestBodyWithTrailersAndProgress()
    {
        ReceivedRequest? received = null;
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            received = await ScriptedServer.ReadRequestAsync(c, ct);
            await ScriptedServer.SendAsync(c, "HTTP/1.1 204 No Content\r\n\r\n", ct);
        });
        await using var client = new Http1Client(Options());
        var payload = new byte[200_000];
        Random.Shared.NextBytes(payload);
        var progress = new List<long>();
        var request = new HttpRequest("PUT", server.Url("/upload"))
        {
            Body = RequestBody.FromStream(new NonSeekableStream(payload), contentType: "application/octet-stream"),
            Trailers = new HttpFields().Add("X-Checksum", "abc"),
            UploadProgress = new SyncProgress(progress.Add),
        };
        await using (var response = await client.SendAsync(request).WaitAsync(Wait)) Assert.That(response.StatusCode, Is.EqualTo(204));
        Assert.That(received!.Header("Transfer-Encoding"), Is.EqualTo("chunked"));
        Assert.That(NginxInteropTests.Same(received.Body, payload), Is.True);
        Assert.That(received.Trailers, Is.EqualTo(new[] { "X-Checksum: abc" }));
        Assert.That(progress[^1], Is.EqualTo(payload.Length));
    }

    [Test]
    public async Task SeekableStreamBodyGoesWithContentLength()
    {
        ReceivedRequest? received = null;
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            received = await ScriptedServer.ReadRequestAsync(c, ct);
            await ScriptedServer.SendAsync(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", ct);
        });
        await using var client = new Http1Client(Options());
        using var body = new MemoryStream(Encoding.ASCII.GetBytes("0123456789"));
        await using (await client.SendAsync(new HttpRequest("POST", server.Url()) { Body = RequestBody.FromStream(body) }).WaitAsync(Wait)) { }
        Assert.That(received!.Header("Content-Length"), Is.EqualTo("10"));
        Assert.That(Encoding.ASCII.GetString(received.Body), Is.EqualTo("0123456789"));
    }

    [Test]
    public async Task OnePerOriginMakesTheSecondRequestWaitForTheFirstBody()
    {
        await using var server = Replying("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
        var options = Options();
        options.MaxConnectionsPerOrigin = 1;
        await using var client = new Http1Client(options);
        var first = await client.GetAsync(server.Url()).WaitAsync(Wait);
        var second = client.GetAsync(server.Url());
        await Task.Delay(200);
        Assert.That(second.IsCompleted, Is.False, "the second request must wait for the only connection");
        Assert.That(await first.ReadAsStringAsync().WaitAsync(Wait), Is.EqualTo("abc"));
        await first.DisposeAsync();
        await using var response = await second.WaitAsync(Wait);
        Assert.That(await response.ReadAsStringAsync().WaitAsync(Wait), Is.EqualTo("abc"));
        Assert.That(server.Connections, Is.EqualTo(1));
    }

    [Test]
    public async Task IdleConnectionsExpire()
    {
        await using var server = Replying("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
        var options = Options();
        options.IdleConnectionTimeout = TimeSpan.FromMilliseconds(200);
        await using var client = new Http1Client(options);
        await client.GetBytesAsync(server.Url()).WaitAsync(Wait);
        Assert.That(client.IdleConnectionCount, Is.EqualTo(1));
        await Task.Delay(600);
        await client.GetBytesAsync(server.Url()).WaitAsync(Wait);
        Assert.That(server.Connections, Is.EqualTo(2));
    }

    [Test]
    public async Task AbandonedLargeBodyClosesTheConnection()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            while (await ScriptedServer.ReadRequestAsync(c, ct) is not null)
            {
                await ScriptedServer.SendAsync(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n", ct);
                await c.Writer.WriteAsync(new byte[1_000_000], ct);
            }
        });
        await using var client = new Http1Client(Options());
        await using (var response = await client.GetAsync(server.Url()).WaitAsync(Wait))
        {
            var buffer = new byte[10];
            await response.Body.ReadExactlyAsync(buffer).AsTask().WaitAsync(Wait);
        }
        Assert.That(client.IdleConnectionCount, Is.Zero);
        Assert.That((await client.GetBytesAsync(server.Url()).WaitAsync(Wait)).Length, Is.EqualTo(1_000_000));
        Assert.That(server.Connections, Is.EqualTo(2));
    }

    [Test]
    public async Task ConnectionsInUseWhenTheClientIsDisposedAreClosedWhenTheyComeBack()
    {
        await using var server = Replying("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        var client = new Http1Client(Options());
        var response = await client.GetAsync(server.Url()).WaitAsync(Wait);
        await client.DisposeAsync();
        Assert.That(await response.ReadAsStringAsync().WaitAsync(Wait), Is.EqualTo("ok"));
        await response.DisposeAsync();
        Assert.That(client.IdleConnectionCount, Is.Zero);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await client.GetAsync(server.Url()).WaitAsync(Wait));
    }

    [Test]
    public async Task SmallUnreadBodyIsDrainedAndTheConnectionKept()
    {
        await using var server = Replying("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        await using var client = new Http1Client(Options());
        await using (await client.GetAsync(server.Url()).WaitAsync(Wait)) { }
        await client.GetBytesAsync(server.Url()).WaitAsync(Wait);
        Assert.That(server.Connections, Is.EqualTo(1));
    }

    [Test]
    public async Task TranscriptShowsBothHeadsWithAuthorizationRedacted()
    {
        var transcript = new MemoryProtocolLogger("> ", "< ");
        await using var server = Once("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        await using var client = new Http1Client(Options(transcript));
        var request = new HttpRequest("GET", server.Url("/secret"));
        request.Headers.Add("Authorization", "Basic dXNlcjpwYXNz").Add("Proxy-Authorization", "Bearer t0ken");
        await using (await client.SendAsync(request).WaitAsync(Wait)) { }
        var text = transcript.ToString();
        Assert.That(text, Does.Contain("> GET /secret HTTP/1.1"));
        Assert.That(text, Does.Contain("> Authorization: Basic [redacted]"));
        Assert.That(text, Does.Contain("> Proxy-Authorization: Bearer [redacted]"));
        Assert.That(text, Does.Contain("< HTTP/1.1 200 OK"));
        Assert.That(text, Does.Not.Contain("dXNlcjpwYXNz").And.Not.Contain("t0ken"));
    }

    [Test]
    public void HeaderInjectionIsRefused()
    {
        var request = new HttpRequest("GET", "http://127.0.0.1/");
        Assert.Throws<ArgumentException>(() => request.Headers.Add("X-A", "b\r\nX-Injected: 1"));
        Assert.Throws<ArgumentException>(() => request.Headers.Add("Bad Name", "v"));
        Assert.Throws<ArgumentException>(() => _ = new HttpRequest("GE T", "http://127.0.0.1/"));
        Assert.Throws<ArgumentException>(() => _ = new HttpRequest("GET", "ftp://127.0.0.1/"));
    }

    [Test]
    public async Task InMemoryConnectionThroughConnectCallback()
    {
        var (clientEnd, serverEnd) = Connection.CreatePair();
        var options = Options();
        options.ConnectCallback = (_, _) => ValueTask.FromResult(clientEnd);
        await using var client = new Http1Client(options);
        var serving = Task.Run(async () =>
        {
            var request = await ScriptedServer.ReadRequestAsync(serverEnd, CancellationToken.None);
            await ScriptedServer.SendAsync(serverEnd, $"HTTP/1.1 200 OK\r\nContent-Length: {request!.RequestLine.Length}\r\n\r\n{request.RequestLine}", CancellationToken.None);
        });
        Assert.That(await client.GetStringAsync("http://example.test/in/memory?q=1").WaitAsync(Wait), Is.EqualTo("GET /in/memory?q=1 HTTP/1.1"));
        await serving.WaitAsync(Wait);
        await serverEnd.DisposeAsync();
    }
}

internal sealed class SyncProgress(Action<long> report) : IProgress<long>
{
    public void Report(long value) => report(value);
}

/// <summary>A stream that hides its length, so the client must send it chunked.</summary>
internal sealed class NonSeekableStream(byte[] data) : Stream
{
    private readonly MemoryStream _inner = new(data);
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7000));
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
