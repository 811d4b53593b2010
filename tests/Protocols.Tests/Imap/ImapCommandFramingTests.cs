using System.Buffers;
using System.Text;
using Protocols.Net;
using Protocols.Servers.Imap;
using Protocols.Servers.Lines;
using Protocols.Tests.Support;

namespace Protocols.Tests.Imap;

/// <summary>IMAP's framing on the kernel's contract: every prefix, segments, continuations, and what is left to handlers.</summary>
public class ImapCommandFramingTests
{
    private static ImapCommandFraming Framing(int maxLiteral = 1000) => new(new ImapServerOptions { MaxLiteralSize = maxLiteral });

    private static FrameStatus Read(ImapCommandFraming framing, ReadOnlySequence<byte> input, out string frame, out long consumed)
    {
        var status = framing.TryReadFrame(input, out var bytes, out var position);
        frame = status == FrameStatus.Complete ? Encoding.UTF8.GetString(bytes) : "";
        consumed = status == FrameStatus.Complete ? input.Slice(0, position).Length : 0;
        return status;
    }

    [Test]
    public void Every_prefix_of_a_command_with_literal_plus_is_incomplete_and_the_whole_is_one_frame()
    {
        var text = "a1 LOGIN {4+}\r\nuser {6+}\r\nsecret\r\na2 NOOP\r\n";
        var bytes = Encoding.ASCII.GetBytes(text);
        var first = text.IndexOf("a2", StringComparison.Ordinal);
        for (var n = 0; n < first; n++)
        {
            var framing = Framing();
            Assert.That(Read(framing, new ReadOnlySequence<byte>(bytes, 0, n), out _, out _), Is.EqualTo(FrameStatus.Incomplete), "prefix " + n);
        }
        foreach (var input in new[] { new ReadOnlySequence<byte>(bytes), Sequences.BytewiseSegments(bytes), Sequences.SplitAt(bytes, 17) })
        {
            var framing = Framing();
            Assert.That(Read(framing, input, out var frame, out var consumed), Is.EqualTo(FrameStatus.Complete));
            Assert.That(frame, Is.EqualTo("a1 LOGIN {4+}\r\nuser {6+}\r\nsecret"));
            Assert.That(consumed, Is.EqualTo(first));
        }
    }

    [Test]
    public void A_synchronizing_literal_asks_once_then_waits_for_its_bytes()
    {
        var framing = Framing();
        var head = Encoding.ASCII.GetBytes("a1 LOGIN {4}\r\n");
        Assert.That(Read(framing, new ReadOnlySequence<byte>(head), out _, out _), Is.EqualTo(FrameStatus.Continue));
        Assert.That(Read(framing, new ReadOnlySequence<byte>(head), out _, out _), Is.EqualTo(FrameStatus.Incomplete), "asked once");
        var whole = Encoding.ASCII.GetBytes("a1 LOGIN {4}\r\nuser pass\r\n");
        Assert.That(Read(framing, new ReadOnlySequence<byte>(whole), out var frame, out _), Is.EqualTo(FrameStatus.Complete));
        Assert.That(frame, Is.EqualTo("a1 LOGIN {4}\r\nuser pass"));
        framing.Reset();
        Assert.That(Read(framing, new ReadOnlySequence<byte>(head), out _, out _), Is.EqualTo(FrameStatus.Continue), "Reset forgets the question");
    }

    [Test]
    public void Append_and_a_literal_past_the_limit_stop_at_the_announcement_for_the_handler()
    {
        Assert.That(Read(Framing(), new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("a1 append INBOX {5000000}\r\nFrom:")), out var frame, out var consumed), Is.EqualTo(FrameStatus.Complete));
        Assert.That(frame, Is.EqualTo("a1 append INBOX {5000000}"));
        Assert.That(consumed, Is.EqualTo(27));
        Assert.That(Read(Framing(maxLiteral: 10), new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("a1 LOGIN {11+}\r\n")), out frame, out _), Is.EqualTo(FrameStatus.Complete));
        Assert.That(frame, Is.EqualTo("a1 LOGIN {11+}"));
        Assert.That(Read(Framing(maxLiteral: 10), new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("a1 LOGIN {10+}\r\n")), out _, out _), Is.EqualTo(FrameStatus.Incomplete), "at the limit it is read");
    }

    [Test]
    public void A_line_past_the_limit_is_too_long_and_a_bare_lf_is_a_protocol_error()
    {
        var framing = new ImapCommandFraming(new ImapServerOptions { MaxCommandLength = 1024 });
        var atLimit = Encoding.ASCII.GetBytes("a " + new string('x', 1020) + "\r\n");
        Assert.That(Read(framing, new ReadOnlySequence<byte>(atLimit), out _, out _), Is.EqualTo(FrameStatus.Complete));
        framing.Reset();
        var past = Encoding.ASCII.GetBytes("a " + new string('x', 1021) + "\r\n");
        Assert.That(Read(framing, new ReadOnlySequence<byte>(past), out _, out _), Is.EqualTo(FrameStatus.TooLong));
        framing.Reset();
        Assert.Throws<ProtocolException>(() => Read(framing, new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("a NOOP\n")), out _, out _));
    }
}
