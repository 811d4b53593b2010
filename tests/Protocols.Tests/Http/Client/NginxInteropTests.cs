using System.Security.Authentication;
using System.Text;
using Protocols.Http;
using Protocols.Net;

namespace Protocols.Tests.Http.Client;

/// <summary>Interop: our client against nginx started by the test (static files, gzip-chunked responses, redirects, TLS).</summary>
public class NginxInteropTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly byte[] Binary = MakeBinary();
    private static readonly string Text = string.Concat(Enumerable.Range(0, 20000).Select(i => $"{i}: the quick brown fox\n"));
    private NginxServer _nginx = null!;

    private static byte[] MakeBinary()
    {
        var bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(5).NextBytes(bytes);
        return bytes;
    }

    /// <summary>NUnit compares large arrays element by element, slowly; a span comparison is instant.</summary>
    internal static bool Same(byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b);

    [OneTimeSetUp]
    public async Task StartAsync() => _nginx = await NginxServer.StartAsync(root =>
    {
        File.WriteAllBytes(Path.Combine(root, "data.bin"), Binary);
        File.WriteAllText(Path.Combine(root, "text.txt"), Text);
        File.WriteAllText(Path.Combine(root, "hello.txt"), "hello from nginx\n");
    });

    [OneTimeTearDown]
    public async Task StopAsync() => await _nginx.DisposeAsync();

    private static Http1Client NewClient(HttpClientOptions? options = null)
    {
        options ??= new HttpClientOptions();
        options.Timeout = Wait;
        return new Http1Client(options);
    }

    [Test]
    public async Task StaticFileWithContentLengthOnKeepAlive()
    {
        var transcript = new MemoryProtocolLogger("> ", "< ");
        await using var client = NewClient(new HttpClientOptions { ProtocolLogger = transcript });
        for (var i = 0; i < 3; i++)
        {
            Assert.That(Same(await client.GetBytesAsync(_nginx.Url("/data.bin")).WaitAsync(Wait), Binary), Is.True);
        }
        Assert.That(transcript.Connects, Has.Count.EqualTo(1), "one connection, kept alive");
        Assert.That(transcript.ToString(), Does.Contain("< Server: nginx"));
    }

    [Test]
    public async Task GzipResponsesAreChunkedAndDecoded()
    {
        await using var client = NewClient();
        await using var response = await client.GetAsync(_nginx.Url("/text.txt")).WaitAsync(Wait);
        Assert.That(response.Headers["Content-Encoding"], Is.EqualTo("gzip"));
        Assert.That(response.Headers["Transfer-Encoding"], Is.EqualTo("chunked"));
        Assert.That(response.IsDecoded, Is.True);
        Assert.That(await response.ReadAsStringAsync().WaitAsync(Wait), Is.EqualTo(Text));
        Assert.That(response.IsBodyComplete, Is.True);
        Assert.That(client.IdleConnectionCount, Is.EqualTo(1));
    }

    [TestCase("/r301")]
    [TestCase("/r302")]
    [TestCase("/r307")]
    [TestCase("/r308")]
    [TestCase("/chain")]
    public async Task FollowsRedirects(string path)
    {
        await using var client = NewClient();
        await using var response = await client.GetAsync(_nginx.Url(path)).WaitAsync(Wait);
        Assert.That(response.StatusCode, Is.EqualTo(200));
        Assert.That(response.Uri.AbsolutePath, Is.EqualTo("/hello.txt"));
        Assert.That(await response.ReadAsStringAsync().WaitAsync(Wait), Is.EqualTo("hello from nginx\n"));
    }

    [Test]
    public async Task NotFoundAndHead()
    {
        await using var client = NewClient();
        await using (var missing = await client.GetAsync(_nginx.Url("/missing")).WaitAsync(Wait))
        {
            Assert.That(missing.StatusCode, Is.EqualTo(404));
            Assert.That(await missing.ReadAsStringAsync().WaitAsync(Wait), Does.Contain("404"));
        }
        await using var head = await client.SendAsync(new HttpRequest("HEAD", _nginx.Url("/data.bin"))).WaitAsync(Wait);
        Assert.That(head.ContentLength, Is.EqualTo(Binary.Length));
        Assert.That(await head.ReadAsBytesAsync().WaitAsync(Wait), Is.Empty);
    }

    [Test]
    public async Task DownloadWithProgress()
    {
        await using var client = NewClient();
        using var sink = new MemoryStream();
        var reports = 0;
        long last = 0;
        var written = await client.DownloadAsync(_nginx.Url("/data.bin"), sink, new SyncProgress(n => { reports++; last = n; })).WaitAsync(Wait);
        Assert.That(written, Is.EqualTo(Binary.Length));
        Assert.That(last, Is.EqualTo(Binary.Length));
        Assert.That(reports, Is.GreaterThan(1));
        Assert.That(Same(sink.ToArray(), Binary), Is.True);
    }

    [Test]
    public async Task Tls()
    {
        await using (var strict = NewClient())
        {
            await Assert.ThrowsAsync<AuthenticationException>(async () => await strict.GetAsync(_nginx.TlsUrl("/hello.txt")).WaitAsync(Wait));
        }
        await using var client = NewClient(new HttpClientOptions { AcceptAnyCertificate = true });
        Assert.That(await client.GetStringAsync(_nginx.TlsUrl("/hello.txt")).WaitAsync(Wait), Is.EqualTo("hello from nginx\n"));
        Assert.That(Same(await client.GetBytesAsync(_nginx.TlsUrl("/data.bin")).WaitAsync(Wait), Binary), Is.True);
        Assert.That(Encoding.UTF8.GetString(await client.GetBytesAsync(_nginx.TlsUrl("/text.txt")).WaitAsync(Wait)), Is.EqualTo(Text));
    }
}
