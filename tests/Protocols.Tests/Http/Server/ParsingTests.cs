using Microsoft.Extensions.Primitives;
using Protocols.Servers.Http;

namespace Protocols.Tests.Http.Server;

public class ParsingTests
{
    [TestCase("bytes=0-0", 10, 0, 1)]
    [TestCase("bytes=0-9", 10, 0, 10)]
    [TestCase("bytes=0-99", 10, 0, 10)]
    [TestCase("bytes=9-", 10, 9, 1)]
    [TestCase("bytes=-1", 10, 9, 1)]
    [TestCase("bytes=-10", 10, 0, 10)]
    [TestCase("bytes=-11", 10, 0, 10)]
    [TestCase("BYTES= 2 - 3 ", 10, 2, 2)]
    [TestCase("bytes=0-9223372036854775807", 10, 0, 10)] // RFC 9110 14.1.2: an end past the file is clamped (issue 14)
    [TestCase("bytes=3-99999999999999999999", 10, 3, 7)]
    [TestCase("bytes=-9223372036854775807", 10, 0, 10)]
    [TestCase("bytes=-99999999999999999999", 10, 0, 10)]
    public void Satisfiable_ranges(string header, long length, long start, long count)
    {
        Assert.That(ByteRange.TryParse(header, length, out var range), Is.EqualTo(ByteRange.Parse.Satisfiable));
        Assert.That(range, Is.EqualTo(new ByteRange(start, count)));
    }

    [TestCase("bytes=10-", 10)]
    [TestCase("bytes=10-20", 10)]
    [TestCase("bytes=-0", 10)]
    [TestCase("bytes=0-", 0)]
    [TestCase("bytes=-5", 0)]
    [TestCase("bytes=1234567890123456789-", 10)] // a start past the end, however long (was ignored before issue 14)
    [TestCase("bytes=99999999999999999999-", 10)]
    public void Unsatisfiable_ranges(string header, long length) =>
        Assert.That(ByteRange.TryParse(header, length, out _), Is.EqualTo(ByteRange.Parse.Unsatisfiable));

    [TestCase(null)]
    [TestCase("")]
    [TestCase("bytes")]
    [TestCase("bytes=")]
    [TestCase("bytes=-")]
    [TestCase("bytes=a-b")]
    [TestCase("bytes=5-3")]
    [TestCase("bytes=0-1,2-3")]
    [TestCase("pages=0-1")]
    [TestCase("bytes=+1-2")]
    public void Ignored_ranges(string? header) =>
        Assert.That(ByteRange.TryParse(header, 10, out _), Is.EqualTo(ByteRange.Parse.None));

    [TestCase("gzip", "gzip")]
    [TestCase("br", "br")]
    [TestCase("gzip, deflate, br, zstd", "br")]
    [TestCase("gzip;q=1.0, br;q=0.8", "gzip")]
    [TestCase("br;q=0, gzip", "gzip")]
    [TestCase("*", "br")]
    [TestCase("*;q=0", null)]
    [TestCase("deflate", null)]
    [TestCase("identity", null)]
    [TestCase("GZIP", "gzip")]
    [TestCase("gzip;q=abc", null)]
    [TestCase("", null)]
    public void Accept_encoding(string header, string? expected) =>
        Assert.That(FileResponder.ChooseEncoding(new StringValues(header)), Is.EqualTo(expected));

    [TestCase("/", "")]
    [TestCase("/a.txt", "a.txt")]
    [TestCase("/a/b/", "a/b")]
    [TestCase("/a b/ü.txt", "a b/ü.txt")]
    [TestCase("/...", "...")]
    [TestCase("/.hidden", ".hidden")]
    public void Acceptable_request_paths(string path, string relative)
    {
        Assert.That(RootedPath.TryValidate(path, out var actual), Is.True);
        Assert.That(actual, Is.EqualTo(relative));
    }

    [TestCase("")]
    [TestCase("a.txt")]
    [TestCase("/../x")]
    [TestCase("/a/../x")]
    [TestCase("/./x")]
    [TestCase("/a/.")]
    [TestCase("/a\\b")]
    [TestCase("/a\0b")]
    [TestCase("/a\nb")]
    [TestCase("/a%2Fb")]
    [TestCase("/a%2fb")]
    [TestCase("/a//b")]
    [TestCase("/a\u007fb")]
    public void Refused_request_paths(string path) => Assert.That(RootedPath.TryValidate(path, out _), Is.False);

    [TestCase("a.txt", true)]
    [TestCase("..", false)]
    [TestCase(".", false)]
    [TestCase("", false)]
    [TestCase("a/b", false)]
    [TestCase("a\\b", false)]
    [TestCase("a\0b", false)]
    [TestCase("a\tb", false)]
    public void Upload_file_names(string name, bool acceptable) =>
        Assert.That(UploadHandler.IsAcceptableName(name), Is.EqualTo(acceptable));

    [Test]
    public void Upload_file_names_at_and_past_255_characters()
    {
        Assert.That(UploadHandler.IsAcceptableName(new string('a', 255)), Is.True);
        Assert.That(UploadHandler.IsAcceptableName(new string('a', 256)), Is.False);
    }

    [Test]
    public void Options_validate_their_limits()
    {
        var options = new HttpServerOptions();
        Assert.That(options.MaxUploadBytes, Is.EqualTo(30_000_000));
        Assert.That(() => options.MaxUploadBytes = 0, Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => options.CompressionMinimumBytes = -1, Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new HttpFileServer(new HttpServerOptions { Root = "/nonexistent/dir/xyz" }), Throws.InstanceOf<DirectoryNotFoundException>());
    }
}
