using System.Globalization;
using System.Text.RegularExpressions;
using Protocols.Servers.Hosting;
using Protocols.Tests.Support;

namespace Protocols.Tests.Http.Server;

/// <summary>Real clients against our server: curl, python3 http.client and urllib, wrk.</summary>
public partial class InteropTests
{
    private ServerFixture _server = null!;
    private string _url = null!;

    [SetUp]
    public async Task SetUp()
    {
        _server = await ServerFixture.StartAsync(o => { o.AllowUploads = true; o.MaxUploadBytes = 100_000; });
        _server.Write("data.txt", "0123456789abcdefghij");
        _url = _server.BaseAddress.ToString();
    }

    [TearDown]
    public async Task TearDown() => await _server.DisposeAsync();

    private static async Task<PeerRunner.Result> CurlAsync(params string[] arguments)
    {
        var result = await PeerRunner.RunAsync(Peers.Require("curl"), ["-sS", "--max-time", "20", .. arguments]);
        return result;
    }

    [Test]
    public async Task Curl_range_and_resume()
    {
        var range = await CurlAsync("-r", "5-9", _url + "data.txt");
        Assert.That(range.ExitCode, Is.EqualTo(0), range.Stderr);
        Assert.That(range.Stdout, Is.EqualTo("56789"));

        var dir = Path.Combine(Path.GetDirectoryName(_server.Root)!, "downloads");
        Directory.CreateDirectory(dir);
        var partial = Path.Combine(dir, "data.txt");
        await File.WriteAllTextAsync(partial, "0123456789");
        var resume = await CurlAsync("-C", "-", "-o", partial, _url + "data.txt");
        Assert.That(resume.ExitCode, Is.EqualTo(0), resume.Stderr);
        Assert.That(await File.ReadAllTextAsync(partial), Is.EqualTo("0123456789abcdefghij"));
    }

    [Test]
    public async Task Curl_conditional_requests()
    {
        var head = await CurlAsync("-I", _url + "data.txt");
        var etag = EtagLine().Match(head.Stdout).Groups[1].Value.Trim();
        Assert.That(etag, Does.StartWith("\""));
        var byTag = await CurlAsync("-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: " + etag, _url + "data.txt");
        Assert.That(byTag.Stdout, Is.EqualTo("304"));
        var future = DateTime.UtcNow.AddHours(1).ToString("r", CultureInfo.InvariantCulture);
        var byDate = await CurlAsync("-o", "/dev/null", "-w", "%{http_code}", "-H", "If-Modified-Since: " + future, _url + "data.txt");
        Assert.That(byDate.Stdout, Is.EqualTo("304"));
        var unsatisfiable = await CurlAsync("-o", "/dev/null", "-w", "%{http_code}", "-r", "100-200", _url + "data.txt");
        Assert.That(unsatisfiable.Stdout, Is.EqualTo("416"));
    }

    [Test]
    public async Task Curl_uploads_with_put_and_form_and_gets_413_past_the_limit()
    {
        var source = Path.Combine(Path.GetDirectoryName(_server.Root)!, "upload.bin");
        var data = new byte[50_000];
        new Random(3).NextBytes(data);
        await File.WriteAllBytesAsync(source, data);

        var put = await CurlAsync("-T", source, "-w", "%{http_code}", "-o", "/dev/null", _url + "put/upload.bin");
        Assert.That(put.Stdout, Is.EqualTo("201"), put.Stderr);
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(_server.Root, "put", "upload.bin")), Is.EqualTo(data));

        var form = await CurlAsync("-F", "file=@" + source + ";filename=form.bin", _url);
        Assert.That(form.Stdout, Does.Contain("form.bin"), form.Stderr);
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(_server.Root, "form.bin")), Is.EqualTo(data));

        await File.WriteAllBytesAsync(source, new byte[100_001]);
        var tooBig = await CurlAsync("-T", source, "-w", "%{http_code}", "-o", "/dev/null", _url + "big.bin");
        Assert.That(tooBig.Stdout, Is.EqualTo("413"));
        Assert.That(File.Exists(Path.Combine(_server.Root, "big.bin")), Is.False);
    }

    [Test]
    public async Task Curl_compressed_and_head()
    {
        _server.Write("long.txt", string.Concat(Enumerable.Repeat("compress me please ", 500)));
        var compressed = await CurlAsync("--compressed", "-D", "-", _url + "long.txt");
        Assert.That(compressed.Stdout, Does.Match("(?i)content-encoding: (br|gzip)"));
        Assert.That(compressed.Stdout, Does.EndWith("compress me please "));
        var head = await CurlAsync("-I", _url + "data.txt");
        Assert.That(head.Stdout, Does.Contain("Content-Length: 20"));
    }

    [Test]
    public async Task Curl_over_tls_with_insecure()
    {
        await using var tls = await ServerFixture.StartAsync(tls: EndpointTls.SelfSigned());
        var url = tls.BaseAddress + "hello.txt";
        var strict = await CurlAsync(url);
        Assert.That(strict.ExitCode, Is.Not.EqualTo(0), "a self-signed certificate is refused without -k");
        var insecure = await CurlAsync("-k", url);
        Assert.That(insecure.ExitCode, Is.EqualTo(0), insecure.Stderr);
        Assert.That(insecure.Stdout, Is.EqualTo("hello, world\n"));
        var http2 = await CurlAsync("-k", "--http2", "-o", "/dev/null", "-w", "%{http_version}", url);
        Assert.That(http2.Stdout, Is.EqualTo("2"));
    }

    [Test]
    public async Task Python_http_client_and_urllib()
    {
        var port = _server.EndPoint.Port;
        var script = $$"""
            import http.client, json, urllib.request
            c = http.client.HTTPConnection('127.0.0.1', {{port}}, timeout=10)
            c.request('GET', '/data.txt', headers={'Range': 'bytes=0-3'})
            r = c.getresponse(); print(r.status, r.read().decode())
            c.request('HEAD', '/data.txt'); r = c.getresponse(); r.read(); print(r.status, r.getheader('Content-Length'))
            c.request('PUT', '/py.txt', body=b'from python'); r = c.getresponse(); r.read(); print(r.status)
            c.request('GET', '/nope'); r = c.getresponse(); r.read(); print(r.status)
            req = urllib.request.Request('http://127.0.0.1:{{port}}/?format=json')
            listing = json.load(urllib.request.urlopen(req, timeout=10))
            print(sorted(e['name'] for e in listing['entries']))
            print(urllib.request.urlopen('http://127.0.0.1:{{port}}/py.txt', timeout=10).read().decode())
            """;
        var result = await PeerRunner.RunAsync(Peers.Require(Peers.Python), ["-c", script]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Stderr);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Is.EqualTo(new[]
        {
            "206 0123", "200 20", "201", "404", "['data.txt', 'hello.txt', 'py.txt']", "from python",
        }));
    }

    [Test]
    [Category("Slow")] // a benchmark tool as a test (wrk, a one-second load run)
    public async Task Wrk_short_run_has_requests_and_no_errors()
    {
        _server.Write("1k.bin", new byte[1024]);
        var result = await PeerRunner.RunAsync(Peers.Require("wrk"), ["-t1", "-c8", "-d1s", "--timeout", "5s", _url + "1k.bin"], timeout: TimeSpan.FromSeconds(30));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Stderr);
        var requests = RequestsLine().Match(result.Stdout);
        Assert.That(requests.Success, Is.True, result.Stdout);
        Assert.That(long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture), Is.GreaterThan(0));
        Assert.That(result.Stdout, Does.Not.Contain("Socket errors"));
        Assert.That(result.Stdout, Does.Not.Contain("Non-2xx"));
    }

    [GeneratedRegex(@"(?im)^etag:(.*)$")]
    private static partial Regex EtagLine();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestsLine();
}
