using System.Buffers;
using System.Text;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Tests.Support;

namespace Protocols.Tests.Lines;

public class ReplyParserTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static bool TryParse(ReadOnlySequence<byte> input, out Reply reply, out long consumed, bool strict = true, bool enhanced = false)
    {
        var c = input.Start;
        var e = input.End;
        var ok = new ReplyParser(strict, enhanced).TryParseMessage(input, ref c, ref e, out reply);
        consumed = input.Slice(0, c).Length;
        return ok;
    }

    private const string Ehlo = "250-mail.test greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\nNEXT";

    [Test]
    public void Parses_a_multi_line_reply_and_consumes_exactly_it()
    {
        Assert.That(TryParse(new ReadOnlySequence<byte>(B(Ehlo)), out var reply, out var consumed), Is.True);
        Assert.That(reply.Code, Is.EqualTo(250));
        Assert.That(reply.Lines, Is.EqualTo(new[] { "mail.test greets you", "PIPELINING", "SIZE 10240000", "8BITMIME" }));
        Assert.That(consumed, Is.EqualTo(Ehlo.Length - 4));
    }

    [Test]
    public void Every_prefix_short_of_the_last_line_asks_for_more()
    {
        var bytes = B(Ehlo);
        var end = Ehlo.Length - 4;
        for (var n = 0; n < end; n++)
        {
            Assert.That(TryParse(new ReadOnlySequence<byte>(bytes, 0, n), out _, out var consumed), Is.False, $"prefix {n}");
            Assert.That(consumed, Is.Zero);
        }
        Assert.That(TryParse(new ReadOnlySequence<byte>(bytes, 0, end), out _, out _), Is.True);
    }

    [Test]
    public void Parses_the_same_across_every_two_segment_cut_and_bytewise_segments()
    {
        var bytes = B(Ehlo);
        for (var at = 0; at <= bytes.Length; at++)
        {
            Assert.That(TryParse(Sequences.SplitAt(bytes, at), out var reply, out var consumed), Is.True, $"cut at {at}");
            Assert.That(reply.Lines, Has.Count.EqualTo(4));
            Assert.That(consumed, Is.EqualTo(Ehlo.Length - 4));
        }
        Assert.That(TryParse(Sequences.BytewiseSegments(bytes), out var r, out _), Is.True);
        Assert.That(r.Lines[3], Is.EqualTo("8BITMIME"));
    }

    [TestCase("250-a\r\n251 b\r\n", TestName = "a different code on a later line")]
    [TestCase("250_a\r\n", TestName = "a bad separator")]
    [TestCase("25 a\r\n", TestName = "two digits")]
    [TestCase("650 a\r\n", TestName = "a first digit past 5")]
    [TestCase("hello\r\n", TestName = "no code at all")]
    [TestCase("250-a\r\nb\r\n250 c\r\n", TestName = "a codeless line in strict mode")]
    public void Malformed_replies_are_protocol_errors(string text) =>
        Assert.Throws<ProtocolException>(() => TryParse(new ReadOnlySequence<byte>(B(text)), out _, out _));

    [Test]
    public void FTP_multi_line_replies_may_carry_any_text_between_first_and_last()
    {
        const string ftp = "211-Features:\r\n MDTM\r\n 123 not an end\r\n211-still going\r\n211 End\r\n";
        Assert.That(TryParse(new ReadOnlySequence<byte>(B(ftp)), out var reply, out _, strict: false), Is.True);
        Assert.That(reply.Code, Is.EqualTo(211));
        Assert.That(reply.Lines, Is.EqualTo(new[] { "Features:", " MDTM", " 123 not an end", "still going", "End" }));
    }

    [Test]
    public void A_bare_code_is_a_complete_reply()
    {
        Assert.That(TryParse(new ReadOnlySequence<byte>(B("354\r\n")), out var reply, out _), Is.True);
        Assert.That(reply.Code, Is.EqualTo(354));
        Assert.That(reply.Text, Is.Empty);
    }

    [Test]
    public void Enhanced_status_codes_are_kept_apart_from_the_text()
    {
        Assert.That(TryParse(new ReadOnlySequence<byte>(B("550-5.1.1 no such\r\n550 5.1.1 user\r\n")), out var reply, out _, enhanced: true), Is.True);
        Assert.That(reply.EnhancedCode, Is.EqualTo(new EnhancedStatusCode(5, 1, 1)));
        Assert.That(reply.Lines, Is.EqualTo(new[] { "no such", "user" }));
        Assert.That(reply.ToString(), Is.EqualTo("550-5.1.1 no such\r\n550 5.1.1 user"));
    }

    [TestCase("2.0.0", true)]
    [TestCase("5.7.30 x", true)]
    [TestCase("4.123.456", true)]
    [TestCase("3.0.0", false)]
    [TestCase("5.1", false)]
    [TestCase("5.1.1x", false)]
    [TestCase("5.1234.1", false)]
    public void Enhanced_status_code_syntax(string text, bool valid) =>
        Assert.That(EnhancedStatusCode.TryParse(text, out _, out _), Is.EqualTo(valid));

    [Test]
    public void Formats_single_and_multi_line_replies()
    {
        Assert.That(Encoding.ASCII.GetString(new Reply(220, "ready").ToBytes()), Is.EqualTo("220 ready\r\n"));
        Assert.That(Encoding.ASCII.GetString(new Reply(250, ["a", "b"]).ToBytes()), Is.EqualTo("250-a\r\n250 b\r\n"));
        Assert.That(Encoding.ASCII.GetString(new Reply(250, "OK", new EnhancedStatusCode(2, 0, 0)).ToBytes()), Is.EqualTo("250 2.0.0 OK\r\n"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Reply(99, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Reply(600, "x"));
    }

    [Test]
    public async Task Reads_replies_from_a_connection_delivered_byte_by_byte()
    {
        var (client, server) = Connection.CreatePair();
        await using var _ = client;
        await using var __ = server;
        var bytes = B("220 hi\r\n250-a\r\n250 b\r\n");
        var writing = Task.Run(async () => { foreach (var b in bytes) await server.Writer.WriteAsync(new[] { b }); await server.CloseAsync(); });
        var first = await ReplyReader.ReadAsync(client.Reader).Seconds();
        var second = await ReplyReader.ReadAsync(client.Reader).Seconds();
        Assert.That((first.Code, second.Code, second.Lines.Count), Is.EqualTo((220, 250, 2)));
        await Assert.ThrowsAsync<IncompleteReadException>(async () => await ReplyReader.ReadAsync(client.Reader).Seconds());
        await writing.Seconds();
    }

    [Test]
    public async Task A_reply_longer_than_the_limit_is_refused()
    {
        var (client, server) = Connection.CreatePair();
        await using var _ = client;
        await using var __ = server;
        await server.Writer.WriteAsync(B("250-" + new string('x', 200) + "\r\n250 y\r\n")).Seconds();
        await Assert.ThrowsAsync<LimitExceededException>(async () => await ReplyReader.ReadAsync(client.Reader, maxBytes: 100).Seconds());
    }
}
