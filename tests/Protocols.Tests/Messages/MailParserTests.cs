using System.Text;
using MimeKit;
using Protocols.Servers.MailUi;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Messages;

/// <summary>The servers' door to MimeKit: the size cap (at it and past it), the nesting limit, header-only reads.</summary>
public class MailParserTests
{
    private static byte[] Message(int bodyLength) =>
        Encoding.ASCII.GetBytes("From: a@example.org\r\nSubject: big\r\n\r\n" + new string('x', bodyLength));

    [Test]
    public void A_message_at_the_cap_parses_and_one_past_it_is_refused_with_its_size()
    {
        var raw = Message(1000);
        Assert.That(MailParser.Load(raw, raw.Length).Subject, Is.EqualTo("big"));
        var e = Assert.Throws<MessageTooLargeToParseException>(() => MailParser.Load(raw, raw.Length - 1));
        Assert.That((e!.Size, e.Limit), Is.EqualTo(((long)raw.Length, (long)raw.Length - 1)));
        Assert.That(MailParser.LoadHeaders(raw)["Subject"], Is.EqualTo("big"), "the headers are there past the cap");
    }

    [Test]
    public void The_default_cap_is_64_mib_and_past_it_the_page_shows_headers_and_raw_text()
    {
        Assert.That(MailParser.MaxParsedSize, Is.EqualTo(64L * 1024 * 1024));
        var raw = Message(checked((int)MailParser.MaxParsedSize)); // headers + 64 MiB body: one past any cap it could meet
        Assert.Throws<MessageTooLargeToParseException>(() => MailParser.Load(raw));
        var view = MailView.Parse(raw);
        Assert.That(view.Subject, Is.EqualTo("big"));
        Assert.That(view.From, Is.EqualTo("a@example.org"));
        Assert.That(view.Body, Is.Null);
        Assert.That(view.Text, Has.Length.EqualTo(raw.Length));
    }

    [Test]
    public void Received_message_parses_once_and_reads_headers_without_parsing()
    {
        var raw = MailFixtures.Read("nested.eml");
        var message = new ReceivedMessage("id1", new SmtpEnvelope("a@example.org", new Dictionary<string, string?>(), []), raw, DateTimeOffset.UtcNow);
        Assert.That(message.GetHeader("Subject"), Is.Not.Null);
        Assert.That(message.Headers.Count, Is.GreaterThan(3));
        var first = message.Message;
        Assert.That(message.Message, Is.SameAs(first), "parsed once");
        Assert.That(message.Message.BodyParts.Count(), Is.EqualTo(4));
    }

    private static byte[] Nested(int depth)
    {
        var text = new StringBuilder("From: a@example.org\r\nSubject: deep\r\n");
        for (var i = 0; i < depth; i++) text.Append($"Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n");
        text.Append("Content-Type: text/plain\r\n\r\ninnermost\r\n");
        for (var i = depth - 1; i >= 0; i--) text.Append($"--b{i}--\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static int Depth(MimeEntity entity) => entity is Multipart m && m.Count > 0 ? 1 + Depth(m[0]) : 0;

    [Test]
    public void Nesting_up_to_the_limit_is_a_tree_and_deeper_stays_flat()
    {
        var at = MailParser.Load(Nested(MailParser.MaxNestingDepth - 1));
        Assert.That(Depth(at.Body!), Is.EqualTo(MailParser.MaxNestingDepth - 1));
        Assert.That(at.TextBody?.TrimEnd(), Is.EqualTo("innermost"));
        var past = MailParser.Load(Nested(MailParser.MaxNestingDepth + 5));
        Assert.That(Depth(past.Body!), Is.LessThanOrEqualTo(MailParser.MaxNestingDepth), "MimeKit stops making multiparts at MaxMimeDepth");
        Assert.That(MailView.Parse(Nested(MailParser.MaxNestingDepth + 5)).Body, Is.Not.Null, "the page's tree is bounded too");
    }
}
