using System.Buffers;
using System.Text;
using Protocols.Http;

namespace Protocols.Tests.Http.Client;

/// <summary>Shared header strings (one <see cref="FieldStrings"/> per connection) never change what was received.</summary>
public class FieldStringsTests
{
    private static ResponseHead Parse(FieldStrings strings, string text)
    {
        var parser = new ResponseHeadParser(8192, 65536, 100, acceptBareLf: true) { Strings = strings };
        var input = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text));
        var consumed = input.Start;
        var examined = input.Start;
        Assert.That(parser.TryParseMessage(input, ref consumed, ref examined, out var head), Is.True);
        return head;
    }

    [Test]
    public void RepeatedValuesAreTheSameStringAndChangedOnesAreNew()
    {
        var strings = new FieldStrings();
        var first = Parse(strings, "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Tue, 01 Dec 2026 08:00:00 GMT\r\nX-Id: 1\r\n\r\n");
        var second = Parse(strings, "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Tue, 01 Dec 2026 08:00:01 GMT\r\nX-Id: 1\r\n\r\n");
        Assert.That(ReferenceEquals(first.Headers["Server"], second.Headers["Server"]), Is.True, "an unchanged Server value is shared");
        Assert.That(second.Headers["Date"], Is.EqualTo("Tue, 01 Dec 2026 08:00:01 GMT"), "a changed value is the new bytes");
        Assert.That(first.Headers["Date"], Is.EqualTo("Tue, 01 Dec 2026 08:00:00 GMT"), "the earlier response keeps its value");
        Assert.That(second.Headers["X-Id"], Is.EqualTo("1"));
    }

    [Test]
    public void NamesKeepTheSpellingReceived()
    {
        var head = Parse(new FieldStrings(), "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nContent-Type: a\r\nCONTENT-ENCODING: identity\r\nX-Mine: b\r\n\r\n");
        Assert.That(head.Headers.Select(f => f.Key), Is.EqualTo(new[] { "content-length", "Content-Type", "CONTENT-ENCODING", "X-Mine" }));
        Assert.That(head.Headers["Content-Length"], Is.EqualTo("0"));
    }

    [Test]
    public void ValuesOfTheSameLengthThatDifferAreNotConfused()
    {
        var strings = new FieldStrings();
        Parse(strings, "HTTP/1.1 200 OK\r\nETag: \"aaaa\"\r\n\r\n");
        var head = Parse(strings, "HTTP/1.1 200 OK\r\nETag: \"aaab\"\r\nConnection: close\r\n\r\n");
        Assert.That(head.Headers["ETag"], Is.EqualTo("\"aaab\""));
        Assert.That(head.Headers.HasToken("Connection", "close"), Is.True);
    }
}
