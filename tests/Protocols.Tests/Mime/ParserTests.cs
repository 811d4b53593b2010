using System.Buffers;
using System.Text;
using Protocols.Mime;

namespace Protocols.Tests.Mime;

public class ParserTests
{
    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private const string Small =
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: =?utf-8?q?s=C3=BC?=\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n" +
        "pre\r\n--x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nhi=\r\n there\r\n" +
        "--x\r\nContent-Type: application/octet-stream; name=a.bin\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--x--\r\nepi\r\n";

    [Test]
    public void Every_prefix_parses_without_exception()
    {
        var data = Bytes(Small);
        for (var length = 0; length <= data.Length; length++)
        {
            var message = MimeParser.Parse(data.AsMemory(0, length));
            Assert.That(message, Is.Not.Null);
            _ = message.TextBody;
            _ = message.Attachments.Select(a => a.Content.Length).ToList();
            WireAssert.IsWellFormed(message.ToBytes());
        }

        var full = MimeParser.Parse(data);
        Assert.That(full.TextBody, Is.EqualTo("hi there"));
        Assert.That(full.Attachments.Single().Content.ToArray(), Is.EqualTo(new byte[] { 0, 1, 2 }));
    }

    [Test]
    public void Every_prefix_of_every_fixture_parses()
    {
        foreach (var name in MailFixtures.All())
        {
            var data = MailFixtures.Read(name);
            for (var length = 0; length <= data.Length; length += 7)
            {
                var message = MimeParser.Parse(data.AsMemory(0, length));
                _ = message.BodyParts.OfType<MimePart>().Select(p => p.GetText()).ToList();
            }
        }

        Assert.That(MailFixtures.All().Count(), Is.GreaterThanOrEqualTo(12));
    }

    [Test]
    public void Multi_segment_sequence_gives_the_same_result()
    {
        var data = Bytes(Small);
        var first = new Segment(data.AsMemory(0, 40));
        var last = first.Append(data.AsMemory(40, 60)).Append(data.AsMemory(100));
        var sequence = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        Assert.That(sequence.IsSingleSegment, Is.False);
        Assert.That(MimeParser.Parse(sequence).ToBytes(), Is.EqualTo(MimeParser.Parse(data).ToBytes()));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }

    [TestCase("")]
    [TestCase("\r\n")]
    [TestCase("no headers at all, just text")]
    [TestCase(": empty name\r\n\r\nbody")]
    [TestCase("Content-Type: multipart/mixed\r\n\r\nno boundary")]
    [TestCase("Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n")]
    [TestCase("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--\r\n--b\r\n")]
    [TestCase("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n--b\r\n--b\r\n")]
    [TestCase("Content-Type: message/rfc822\r\n\r\n")]
    [TestCase("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!")]
    [TestCase("\0\0\0\r\n\r\n\0")]
    [TestCase(" continuation first\r\nSubject: x\r\n\r\n")]
    [TestCase("Subject: =?utf-8?b?####?=\r\n\r\n")]
    [TestCase("Content-Type: text/plain; charset=\"\r\n\r\n\xff\xfe")]
    public void Garbage_gives_a_best_effort_message(string input)
    {
        var message = MimeParser.Parse(Bytes(input));
        _ = message.Subject;
        _ = message.TextBody;
        WireAssert.IsWellFormed(message.ToBytes());
    }

    [Test]
    public void A_line_that_is_not_a_header_starts_the_body()
    {
        var message = MimeParser.Parse(Bytes("Subject: s\r\nthis is body text\r\nmore\r\n"));
        Assert.That(message.Subject, Is.EqualTo("s"));
        Assert.That(message.TextBody, Is.EqualTo("this is body text\r\nmore\r\n"));
    }

    [Test]
    public void Mbox_from_line_is_skipped()
    {
        var message = MimeParser.Parse(Bytes("From someone@example.org Sat Nov 21 10:00:00 2026\r\nSubject: s\r\n\r\nbody\r\n"));
        Assert.That(message.Subject, Is.EqualTo("s"));
    }

    [Test]
    public void Boundary_must_start_a_line_and_may_have_trailing_whitespace()
    {
        var message = MimeParser.Parse(Bytes(
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b  \r\n\r\nx --b not a boundary\r\n--bb not ours\r\n--b\t\r\n\r\ny\r\n--b--  \r\n"));
        var parts = ((Multipart)message.Body!).Cast<MimePart>().Select(p => p.GetText()).ToList();
        Assert.That(parts, Is.EqualTo(new[] { "x --b not a boundary\r\n--bb not ours", "y" }));
    }

    [Test]
    public void Quoted_printable_text_with_latin1_charset()
    {
        var message = MimeParser.Parse(Bytes("Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nK=F6ln=\r\n!\r\n"));
        Assert.That(message.TextBody, Is.EqualTo("Köln!\r\n"));
    }

    private static string Headers(int count) => string.Concat(Enumerable.Range(0, count).Select(i => $"X-H{i}: v\r\n"));

    [Test]
    public void Header_count_limit_at_and_past()
    {
        var options = new MimeParserOptions { MaxHeaderCount = 10 };
        Assert.That(MimeParser.Parse(Bytes(Headers(10) + "\r\nbody"), options).Headers.Count, Is.EqualTo(10));
        var error = Assert.Throws<MimeFormatException>(() => MimeParser.Parse(Bytes(Headers(11) + "\r\nbody"), options));
        Assert.That(error!.Error, Is.EqualTo(MimeFormatError.TooManyHeaders));
    }

    [Test]
    public void Header_line_length_limit_at_and_past()
    {
        var options = new MimeParserOptions { MaxHeaderLineLength = 100 };
        var atLimit = "X-Long: " + new string('a', 92);
        Assert.That(MimeParser.Parse(Bytes(atLimit + "\r\n\r\n"), options).Headers["X-Long"], Has.Length.EqualTo(92));
        var error = Assert.Throws<MimeFormatException>(() => MimeParser.Parse(Bytes(atLimit + "a\r\n\r\n"), options));
        Assert.That(error!.Error, Is.EqualTo(MimeFormatError.HeaderLineTooLong));
    }

    private static string Nested(int depth)
    {
        var text = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            text.Append($"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n");
        }

        text.Append("Content-Type: text/plain\r\n\r\nleaf\r\n");
        for (var i = depth - 1; i >= 0; i--)
        {
            text.Append($"--b{i}--\r\n");
        }

        return text.ToString();
    }

    [Test]
    public void Nesting_limit_at_and_past()
    {
        var options = new MimeParserOptions { MaxNestingDepth = 5 };
        Assert.That(MimeParser.Parse(Bytes(Nested(5)), options).TextBody, Is.EqualTo("leaf"));
        var error = Assert.Throws<MimeFormatException>(() => MimeParser.Parse(Bytes(Nested(6)), options));
        Assert.That(error!.Error, Is.EqualTo(MimeFormatError.NestingTooDeep));
    }

    [Test]
    public void Default_nesting_limit_stops_a_deep_bomb()
    {
        var error = Assert.Throws<MimeFormatException>(() => MimeParser.Parse(Bytes(Nested(500))));
        Assert.That(error!.Error, Is.EqualTo(MimeFormatError.NestingTooDeep));
    }

    private static string ManyParts(int parts) =>
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + string.Concat(Enumerable.Range(0, parts).Select(i => $"--b\r\n\r\n{i}\r\n")) + "--b--\r\n";

    [Test]
    public void Part_count_limit_at_and_past()
    {
        // The message itself counts as one entity.
        var options = new MimeParserOptions { MaxParts = 11 };
        Assert.That(((Multipart)MimeParser.Parse(Bytes(ManyParts(10)), options).Body!).Count, Is.EqualTo(10));
        var error = Assert.Throws<MimeFormatException>(() => MimeParser.Parse(Bytes(ManyParts(11)), options));
        Assert.That(error!.Error, Is.EqualTo(MimeFormatError.TooManyParts));
    }

    [Test]
    public async Task Message_size_limit_at_and_past()
    {
        var data = Bytes("Subject: s\r\n\r\n" + new string('x', 986));
        Assert.That(data, Has.Length.EqualTo(1000));
        var options = new MimeParserOptions { MaxMessageSize = 1000 };
        using var atLimit = new MemoryStream(data);
        Assert.That((await MimeMessage.LoadAsync(atLimit, options).WaitAsync(TimeSpan.FromSeconds(10))).Subject, Is.EqualTo("s"));
        using var past = new MemoryStream([.. data, (byte)'x']);
        var error = await Assert.ThrowsAsync<MimeFormatException>(async () => await MimeMessage.LoadAsync(past, options).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.That(error!.Error, Is.EqualTo(MimeFormatError.MessageTooLarge));
    }

    [Test]
    public void Large_attachment_is_found_without_copying()
    {
        var payload = new byte[1 << 20];
        new Random(7).NextBytes(payload);
        var builder = new BodyBuilder { TextBody = "big" };
        builder.Attachments.Add("big.bin", payload);
        var message = new MimeMessage { Body = builder.ToMessageBody() };
        var bytes = message.ToBytes();
        var parsed = MimeParser.Parse(bytes);
        var attachment = parsed.Attachments.Single();
        Assert.That(attachment.HasEncodedContent, Is.True);
        Assert.That(attachment.Content.ToArray(), Is.EqualTo(payload));
    }

    /// <summary>A stream that hands out one byte per read.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }

    [Test]
    public async Task LoadAsync_from_a_stream_that_returns_one_byte_per_read()
    {
        var data = MailFixtures.Read("nested.eml");
        using var stream = new TrickleStream(data);
        var message = await MimeMessage.LoadAsync(stream).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(message.ToBytes(), Is.EqualTo(MimeParser.Parse(data).ToBytes()));
    }

    [Test]
    public async Task LoadAsync_honours_cancellation()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        using var stream = new MemoryStream(MailFixtures.Read("nested.eml"));
        await Assert.CatchAsync<OperationCanceledException>(async () => await MimeMessage.LoadAsync(stream, cts.Token).WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
