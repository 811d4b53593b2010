using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Protocols.Tests.Http.Server;

public class StaticFileTests
{
    private ServerFixture _server = null!;

    [SetUp]
    public async Task SetUp() => _server = await ServerFixture.StartAsync();

    [TearDown]
    public async Task TearDown() => await _server.DisposeAsync();

    private HttpClient Client => _server.Client;

    [Test]
    public async Task Get_returns_the_file_with_type_length_and_validators()
    {
        using var response = await Client.GetAsync("/hello.txt");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("hello, world\n"));
        Assert.That(response.Content.Headers.ContentType!.ToString(), Is.EqualTo("text/plain; charset=utf-8"));
        Assert.That(response.Content.Headers.ContentLength, Is.EqualTo(13));
        Assert.That(response.Headers.ETag!.IsWeak, Is.False);
        Assert.That(response.Content.Headers.LastModified, Is.Not.Null);
        Assert.That(response.Headers.AcceptRanges, Does.Contain("bytes"));
    }

    [TestCase("a.html", "text/html; charset=utf-8")]
    [TestCase("a.css", "text/css; charset=utf-8")]
    [TestCase("a.js", "text/javascript; charset=utf-8")]
    [TestCase("a.json", "application/json; charset=utf-8")]
    [TestCase("a.png", "image/png")]
    [TestCase("a.svg", "image/svg+xml")]
    [TestCase("a.wasm", "application/wasm")]
    [TestCase("a.unknownext", "application/octet-stream")]
    [TestCase("noext", "application/octet-stream")]
    public async Task Content_type_follows_the_extension(string name, string expected)
    {
        _server.Write(name, "x");
        using var response = await Client.GetAsync("/" + name);
        Assert.That(response.Content.Headers.ContentType!.ToString(), Is.EqualTo(expected));
    }

    [Test]
    public async Task Head_has_the_headers_of_get_and_no_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "/hello.txt");
        using var response = await Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentLength, Is.EqualTo(13));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.Empty);
    }

    [Test]
    public async Task Missing_file_is_404_and_unknown_method_is_405_with_allow()
    {
        using var missing = await Client.GetAsync("/nope.txt");
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using var delete = await Client.DeleteAsync("/hello.txt");
        Assert.That(delete.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(delete.Content.Headers.Allow, Does.Contain("GET"));
        using var put = await Client.PutAsync("/new.txt", new StringContent("x"));
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed), "uploads are off by default");
        Assert.That(File.Exists(Path.Combine(_server.Root, "new.txt")), Is.False);
    }

    [Test]
    public async Task A_file_path_with_a_trailing_slash_is_404()
    {
        using var response = await Client.GetAsync("/hello.txt/");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Large_file_is_sent_whole()
    {
        var data = new byte[3 * 1024 * 1024 + 17];
        new Random(5).NextBytes(data);
        _server.Write("big.bin", data);
        var body = await Client.GetByteArrayAsync("/big.bin");
        Assert.That(body, Is.EqualTo(data));
    }

    [Test]
    public async Task A_changed_file_is_served_fresh()
    {
        var path = _server.Write("c.txt", "one");
        Assert.That(await Client.GetStringAsync("/c.txt"), Is.EqualTo("one"));
        File.WriteAllText(path, "two!");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        Assert.That(await Client.GetStringAsync("/c.txt"), Is.EqualTo("two!"));
    }

    [Test]
    public async Task Directory_without_slash_redirects_and_index_html_is_served()
    {
        _server.Write("site/index.html", "<h1>home</h1>");
        using var redirect = await Client.GetAsync("/site?x=1");
        Assert.That(redirect.StatusCode, Is.EqualTo(HttpStatusCode.MovedPermanently));
        Assert.That(redirect.Headers.Location!.OriginalString, Is.EqualTo("/site/?x=1"));
        Assert.That(await Client.GetStringAsync("/site/"), Is.EqualTo("<h1>home</h1>"));
    }

    [Test]
    public async Task Listing_is_html_for_browsers_with_escaped_names()
    {
        _server.Write("dir/<b>&x.txt", "1");
        _server.Write("dir/sub/y.txt", "2");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dir/");
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        using var response = await Client.SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/html"));
        Assert.That(html, Does.Contain("&lt;b&gt;&amp;x.txt"));
        Assert.That(html, Does.Not.Contain("<b>&x"));
        Assert.That(html, Does.Contain("href=\"sub/\""));
        Assert.That(html, Does.Contain("href=\"%3Cb%3E%26x.txt\""));
    }

    [TestCase("/dir/?format=json", null)]
    [TestCase("/dir/", "application/json")]
    public async Task Listing_is_json_when_asked(string url, string? accept)
    {
        _server.Write("dir/a.txt", "12345");
        _server.Write("dir/sub/b.txt", "2");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (accept is not null) request.Headers.Accept.ParseAdd(accept);
        using var response = await Client.SendAsync(request);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/json"));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(json.RootElement.GetProperty("path").GetString(), Is.EqualTo("/dir/"));
        var entries = json.RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.That(entries.Select(e => e.GetProperty("name").GetString()), Is.EqualTo(new[] { "sub", "a.txt" }));
        Assert.That(entries[0].GetProperty("type").GetString(), Is.EqualTo("directory"));
        Assert.That(entries[1].GetProperty("size").GetInt64(), Is.EqualTo(5));
        Assert.That(entries[1].GetProperty("href").GetString(), Is.EqualTo("/dir/a.txt"));
    }

    [Test]
    public async Task If_none_match_and_if_modified_since_give_304()
    {
        using var first = await Client.GetAsync("/hello.txt");
        var etag = first.Headers.ETag!;
        using var byTag = new HttpRequestMessage(HttpMethod.Get, "/hello.txt");
        byTag.Headers.IfNoneMatch.Add(etag);
        using var notModified = await Client.SendAsync(byTag);
        Assert.That(notModified.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        Assert.That(notModified.Headers.ETag, Is.EqualTo(etag));
        Assert.That(await notModified.Content.ReadAsByteArrayAsync(), Is.Empty);

        using var byOtherTag = new HttpRequestMessage(HttpMethod.Get, "/hello.txt");
        byOtherTag.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"other\""));
        using var modified = await Client.SendAsync(byOtherTag);
        Assert.That(modified.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        using var byDate = new HttpRequestMessage(HttpMethod.Get, "/hello.txt");
        byDate.Headers.IfModifiedSince = first.Content.Headers.LastModified;
        using var dateNotModified = await Client.SendAsync(byDate);
        Assert.That(dateNotModified.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));

        using var byOldDate = new HttpRequestMessage(HttpMethod.Get, "/hello.txt");
        byOldDate.Headers.IfModifiedSince = first.Content.Headers.LastModified!.Value.AddSeconds(-1);
        using var dateModified = await Client.SendAsync(byOldDate);
        Assert.That(dateModified.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task If_match_mismatch_is_412()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hello.txt");
        request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"nope\""));
        using var response = await Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
    }

    [TestCase("bytes=0-4", 206, "hello", "bytes 0-4/13")]
    [TestCase("bytes=7-", 206, "world\n", "bytes 7-12/13")]
    [TestCase("bytes=-6", 206, "world\n", "bytes 7-12/13")]
    [TestCase("bytes=-100", 206, "hello, world\n", "bytes 0-12/13")]
    [TestCase("bytes=12-12", 206, "\n", "bytes 12-12/13")]
    [TestCase("bytes=10-1000", 206, "ld\n", "bytes 10-12/13")]
    [TestCase("bytes=13-", 416, null, "bytes */13")]
    [TestCase("bytes=-0", 416, null, "bytes */13")]
    [TestCase("bytes=5-2", 200, "hello, world\n", null)]
    [TestCase("bytes=0-1,3-4", 200, "hello, world\n", null)]
    [TestCase("items=0-4", 200, "hello, world\n", null)]
    public async Task Ranges(string range, int status, string? body, string? contentRange)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hello.txt");
        request.Headers.TryAddWithoutValidation("Range", range);
        using var response = await Client.SendAsync(request);
        Assert.That((int)response.StatusCode, Is.EqualTo(status));
        if (body is not null) Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo(body));
        var actualRange = response.Content.Headers.TryGetValues("Content-Range", out var values) ? values.Single() : null;
        Assert.That(actualRange, Is.EqualTo(contentRange));
    }

    [Test]
    public async Task If_range_honours_the_range_only_for_the_current_version()
    {
        using var first = await Client.GetAsync("/hello.txt");
        using var matching = new HttpRequestMessage(HttpMethod.Get, "/hello.txt");
        matching.Headers.Range = new RangeHeaderValue(0, 4);
        matching.Headers.IfRange = new RangeConditionHeaderValue(first.Headers.ETag!);
        using var partial = await Client.SendAsync(matching);
        Assert.That(partial.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));

        using var stale = new HttpRequestMessage(HttpMethod.Get, "/hello.txt");
        stale.Headers.Range = new RangeHeaderValue(0, 4);
        stale.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"old\""));
        using var whole = await Client.SendAsync(stale);
        Assert.That(whole.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await whole.Content.ReadAsStringAsync(), Is.EqualTo("hello, world\n"));

        using var byDate = new HttpRequestMessage(HttpMethod.Get, "/hello.txt");
        byDate.Headers.Range = new RangeHeaderValue(0, 4);
        byDate.Headers.IfRange = new RangeConditionHeaderValue(first.Content.Headers.LastModified!.Value);
        using var partialByDate = await Client.SendAsync(byDate);
        Assert.That(partialByDate.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
    }

    [Test]
    public async Task Range_of_a_large_file_from_disk()
    {
        var data = new byte[1024 * 1024];
        new Random(7).NextBytes(data);
        _server.Write("big.bin", data);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/big.bin");
        request.Headers.Range = new RangeHeaderValue(100_000, 699_999);
        using var response = await Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(data.AsSpan(100_000, 600_000).ToArray()));
    }

    [TestCase("gzip")]
    [TestCase("br")]
    public async Task Text_is_compressed_when_accepted(string encoding)
    {
        var text = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 200));
        _server.Write("big.txt", text);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/big.txt");
        request.Headers.AcceptEncoding.ParseAdd(encoding);
        using var response = await Client.SendAsync(request);
        Assert.That(response.Content.Headers.ContentEncoding, Is.EqualTo(new[] { encoding }));
        Assert.That(response.Headers.Vary, Does.Contain("Accept-Encoding"));
        Assert.That(response.Headers.ETag!.IsWeak, Is.True);
        var compressed = await response.Content.ReadAsByteArrayAsync();
        Assert.That(compressed, Has.Length.LessThan(text.Length / 4));
        using var input = new MemoryStream(compressed);
        using Stream decoder = encoding == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        using var reader = new StreamReader(decoder, Encoding.UTF8);
        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo(text));
    }

    [Test]
    public async Task Not_compressed_when_small_binary_ranged_or_refused()
    {
        _server.Write("big.bin", new byte[10_000]);
        _server.Write("big.txt", new string('a', 10_000));
        async Task<ICollection<string>> EncodingOf(string path, string acceptEncoding, bool range = false)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
            if (range) request.Headers.Range = new RangeHeaderValue(0, 9);
            using var response = await Client.SendAsync(request);
            return response.Content.Headers.ContentEncoding;
        }
        Assert.That(await EncodingOf("/hello.txt", "gzip"), Is.Empty, "below the minimum size");
        Assert.That(await EncodingOf("/big.bin", "gzip"), Is.Empty, "not a text type");
        Assert.That(await EncodingOf("/big.txt", "gzip", range: true), Is.Empty, "a range is sent as is");
        Assert.That(await EncodingOf("/big.txt", "gzip;q=0, br;q=0"), Is.Empty, "q=0 refuses");
        Assert.That(await EncodingOf("/big.txt", "identity"), Is.Empty);
        Assert.That(await EncodingOf("/big.txt", "gzip;q=1, br;q=0.5"), Is.EqualTo(new[] { "gzip" }));
    }

    [Test]
    public async Task Listing_can_be_turned_off()
    {
        await using var server = await ServerFixture.StartAsync(o => o.DirectoryListing = false);
        using var response = await server.Client.GetAsync("/");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
