using System.Buffers;
using System.Text;
using Protocols.Http;
using HttpProtocolException = Protocols.Http.HttpProtocolException;

namespace Protocols.Tests.Http.Client;

public class ResponseHeadParserTests
{
    private static readonly ResponseHeadParser Parser = new(maxLineLength: 8192, maxHeadLength: 65536, maxHeaderCount: 100, acceptBareLf: true);

    private const string Head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-Folded: a\r\n  b\r\n\r\n";

    private static bool TryParse(ResponseHeadParser parser, ReadOnlySequence<byte> input, out ResponseHead head, out long consumed)
    {
        var c = input.Start;
        var e = input.Start;
        var ok = parser.TryParseMessage(input, ref c, ref e, out head);
        consumed = input.Slice(0, c).Length;
        // Everything given was looked at: the reader must wait for more bytes than it has before calling again.
        Assert.That(input.Slice(0, e).Length, Is.EqualTo(input.Length));
        return ok;
    }

    private static ReadOnlySequence<byte> Bytes(string s) => new(Encoding.Latin1.GetBytes(s));

    [Test]
    public void ParsesStatusLineAndHeaders()
    {
        Assert.That(TryParse(Parser, Bytes(Head + "hello"), out var head, out var consumed), Is.True);
        Assert.That(head.StatusCode, Is.EqualTo(200));
        Assert.That(head.ReasonPhrase, Is.EqualTo("OK"));
        Assert.That(head.Version, Is.EqualTo(new Version(1, 1)));
        Assert.That(head.Headers["content-type"], Is.EqualTo("text/plain"));
        Assert.That(head.Headers["X-Folded"], Is.EqualTo("a b"));
        Assert.That(consumed, Is.EqualTo(Head.Length));
    }

    [Test]
    public void EveryPrefixAsksForMoreAndConsumesNothing()
    {
        var bytes = Encoding.Latin1.GetBytes(Head);
        for (var i = 0; i < bytes.Length; i++)
        {
            var ok = TryParse(Parser, new ReadOnlySequence<byte>(bytes, 0, i), out _, out var consumed);
            Assert.That(ok, Is.False, $"prefix of {i} bytes");
            Assert.That(consumed, Is.Zero);
        }
        Assert.That(TryParse(Parser, new ReadOnlySequence<byte>(bytes), out _, out var all), Is.True);
        Assert.That(all, Is.EqualTo(bytes.Length));
    }

    [Test]
    public void EverySplitIntoTwoAndThreeSegmentsParsesTheSame()
    {
        var bytes = Encoding.Latin1.GetBytes(Head + "body");
        for (var i = 1; i < bytes.Length; i++)
        {
            var two = Segments.Split(bytes, i);
            Assert.That(TryParse(Parser, two, out var head, out var consumed), Is.True, $"split at {i}");
            Assert.That(consumed, Is.EqualTo(Head.Length));
            Assert.That(head.Headers["X-Folded"], Is.EqualTo("a b"));
            Assert.That(head.Headers["Content-Length"], Is.EqualTo("5"));
        }
        var bytewise = Segments.OneBytePerSegment(bytes);
        Assert.That(TryParse(Parser, bytewise, out var h, out var c), Is.True);
        Assert.That((h.StatusCode, c), Is.EqualTo((200, (long)Head.Length)));
    }

    [TestCase("HTTP/1.0 404 Not Found\r\n\r\n", 404, "Not Found", 0)]
    [TestCase("HTTP/1.1 204\r\n\r\n", 204, "", 1)]
    [TestCase("HTTP/1.1 200 \r\n\r\n", 200, "", 1)]
    [TestCase("HTTP/1.1 599 Whatever it is\nA: b\n\n", 599, "Whatever it is", 1)]
    public void AcceptsValidVariants(string text, int status, string reason, int minor)
    {
        Assert.That(TryParse(Parser, Bytes(text), out var head, out _), Is.True);
        Assert.That((head.StatusCode, head.ReasonPhrase, head.Version.Minor), Is.EqualTo((status, reason, minor)));
    }

    [TestCase("HTTP/1.1 20 OK\r\n\r\n", HttpError.BadStatusLine)]
    [TestCase("HTTP/1.1 2000 OK\r\n\r\n", HttpError.BadStatusLine)]
    [TestCase("HTTP/1.1 099 Low\r\n\r\n", HttpError.BadStatusLine)]
    [TestCase("HTTP/1.1 600 High\r\n\r\n", HttpError.BadStatusLine)]
    [TestCase("HTTP/1.1  200 OK\r\n\r\n", HttpError.BadStatusLine)]
    [TestCase("HTTP/1.1 abc OK\r\n\r\n", HttpError.BadStatusLine)]
    [TestCase("HTTP/1.1\r\n\r\n", HttpError.BadStatusLine)]
    [TestCase("ICY 200 OK\r\n\r\n", HttpError.BadStatusLine)]
    [TestCase("http/1.1 200 OK\r\n\r\n", HttpError.BadStatusLine)]
    [TestCase("HTTP/2.0 200 OK\r\n\r\n", HttpError.UnsupportedVersion)]
    [TestCase("HTTP/1.1 200 O\u0001K\r\n\r\n", HttpError.BadStatusLine)]
    [TestCase("\r\n\r\n", HttpError.BadStatusLine)]
    [TestCase("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", HttpError.BadHeader)]
    [TestCase("HTTP/1.1 200 OK\r\nName : v\r\n\r\n", HttpError.BadHeader)]
    [TestCase("HTTP/1.1 200 OK\r\n: v\r\n\r\n", HttpError.BadHeader)]
    [TestCase("HTTP/1.1 200 OK\r\nA: b\u0000c\r\n\r\n", HttpError.BadHeader)]
    [TestCase("HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", HttpError.BadHeader)]
    [TestCase("HTTP/1.1 200 OK\r\n folded-first\r\n\r\n", HttpError.BadHeader)]
    public void RejectsMalformedHeads(string text, HttpError error)
    {
        var e = Assert.Throws<HttpProtocolException>(() => TryParse(Parser, Bytes(text), out _, out _));
        Assert.That(e!.Error, Is.EqualTo(error));
    }

    [Test]
    public void BareLfIsAnErrorWhenNotAccepted()
    {
        var strict = new ResponseHeadParser(8192, 65536, 100, acceptBareLf: false);
        var e = Assert.Throws<HttpProtocolException>(() => TryParse(strict, Bytes("HTTP/1.1 200 OK\nA: b\r\n\r\n"), out _, out _));
        Assert.That(e!.Error, Is.EqualTo(HttpError.BareLineFeed));
    }

    [Test]
    public void LineLimitAtTheLimitPassesAndOnePastFails()
    {
        const int limit = 100;
        var parser = new ResponseHeadParser(limit, 65536, 100, true);
        // A header line of exactly `limit` bytes, CRLF included.
        var atLimit = "X: " + new string('a', limit - 5) + "\r\n";
        Assert.That(atLimit, Has.Length.EqualTo(limit));
        Assert.That(TryParse(parser, Bytes("HTTP/1.1 200 OK\r\n" + atLimit + "\r\n"), out _, out _), Is.True);
        var past = "X: " + new string('a', limit - 4) + "\r\n";
        var e = Assert.Throws<HttpProtocolException>(() => TryParse(parser, Bytes("HTTP/1.1 200 OK\r\n" + past + "\r\n"), out _, out _));
        Assert.That(e!.Error, Is.EqualTo(HttpError.LineTooLong));
        // An unterminated line longer than the limit fails without waiting for its end.
        e = Assert.Throws<HttpProtocolException>(() => TryParse(parser, Bytes("HTTP/1.1 200 OK\r\nX: " + new string('a', limit)), out _, out _));
        Assert.That(e!.Error, Is.EqualTo(HttpError.LineTooLong));
    }

    [Test]
    public void HeadLimitAtTheLimitPassesAndOnePastFails()
    {
        var head = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n";
        var exact = new ResponseHeadParser(8192, head.Length, 100, true);
        Assert.That(TryParse(exact, Bytes(head), out _, out _), Is.True);
        var smaller = new ResponseHeadParser(8192, head.Length - 1, 100, true);
        var e = Assert.Throws<HttpProtocolException>(() => TryParse(smaller, Bytes(head), out _, out _));
        Assert.That(e!.Error, Is.EqualTo(HttpError.HeadTooLarge));
    }

    [Test]
    public void HeaderCountAtTheLimitPassesAndOnePastFails()
    {
        var fields = string.Concat(Enumerable.Range(0, 5).Select(i => $"H{i}: v\r\n"));
        var text = "HTTP/1.1 200 OK\r\n" + fields + "\r\n";
        Assert.That(TryParse(new ResponseHeadParser(8192, 65536, 5, true), Bytes(text), out var head, out _), Is.True);
        Assert.That(head.Headers.Count, Is.EqualTo(5));
        var e = Assert.Throws<HttpProtocolException>(() => TryParse(new ResponseHeadParser(8192, 65536, 4, true), Bytes(text), out _, out _));
        Assert.That(e!.Error, Is.EqualTo(HttpError.TooManyHeaders));
    }

    [TestCase("5", 5L)]
    [TestCase("ff", 255L)]
    [TestCase("FF;name=value", 255L)]
    [TestCase("a ;ext", 10L)]
    [TestCase("0", 0L)]
    [TestCase("fffffffffffffff", 0xfffffffffffffffL)]
    public void ChunkSizes(string line, long size) =>
        Assert.That(ChunkedBodyStream.ParseSize(Bytes(line)), Is.EqualTo(size));

    [TestCase("")]
    [TestCase("g")]
    [TestCase("-1")]
    [TestCase("0x10")]
    [TestCase("5 5")]
    [TestCase("1000000000000000")]
    public void BadChunkSizes(string line)
    {
        var e = Assert.Throws<HttpProtocolException>(() => ChunkedBodyStream.ParseSize(Bytes(line)));
        Assert.That(e!.Error, Is.EqualTo(HttpError.BadChunk));
    }
}

internal static class Segments
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    public static ReadOnlySequence<byte> From(params byte[][] parts)
    {
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts.Skip(1)) last = last.Append(part);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public static ReadOnlySequence<byte> Split(byte[] bytes, int at) => From(bytes[..at], bytes[at..]);

    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] bytes) => From([.. bytes.Select(b => new[] { b })]);
}
