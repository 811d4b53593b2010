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

    [Test]
    public void Messages_parsed_one_after_another_on_one_thread_keep_their_own_parts()
    {
        // One parser per thread is reused: a message must not share anything with the next one parsed.
        var first = MailParser.Load(Encoding.ASCII.GetBytes("Subject: one\r\n\r\nfirst body\r\n"));
        var second = MailParser.Load(MailFixtures.Read("nested.eml"));
        var third = MailParser.Load(Encoding.ASCII.GetBytes("Subject: three\r\nContent-Type: text/plain\r\n\r\nthird body\r\n"));
        Assert.That((first.Subject, first.TextBody?.TrimEnd()), Is.EqualTo(("one", "first body")));
        Assert.That(second.BodyParts.Count(), Is.EqualTo(4));
        Assert.That((third.Subject, third.TextBody?.TrimEnd()), Is.EqualTo(("three", "third body")));
        Assert.Throws<MessageTooLargeToParseException>(() => MailParser.Load(Message(10), 5));
        Assert.That(MailParser.Load(Message(10)).Subject, Is.EqualTo("big"), "a refused message leaves the parser usable");
    }

    [Test]
    public void The_reused_parser_keeps_no_message_alive()
    {
        var bytes = ParseAndDrop();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.That(bytes.IsAlive, Is.False, "the thread's parser let go of the last message's bytes");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference ParseAndDrop()
    {
        var raw = Message(100_000);
        Assert.That(MailParser.Load(raw).Subject, Is.EqualTo("big"));
        return new WeakReference(raw);
    }

    [Test]
    public void Legacy_charsets_decode_and_each_answer_is_remembered_up_to_the_bound()
    {
        var koi8 = MailParser.Load(Encoding.ASCII.GetBytes("Subject: =?koi8-r?B?8NLJ18XU?=\r\n\r\nx\r\n"));
        Assert.That(koi8.Subject, Is.EqualTo("Привет"));
        var codePages = new CachedCodePages();
        var windows1252 = codePages.GetEncoding(1252);
        Assert.That(windows1252?.CodePage, Is.EqualTo(1252));
        Assert.That(codePages.GetEncoding(1252), Is.SameAs(windows1252));
        Assert.That(codePages.GetEncoding(65001), Is.Null, "UTF-8 is .NET's own: not the provider's, remembered as such");
        Assert.That(codePages.Cached, Is.EqualTo((2, 0)));
        for (var i = 0; i < CachedCodePages.MaxCached; i++) Assert.That(codePages.GetEncoding("x-unknown-" + i), Is.Null);
        Assert.That(codePages.Cached.Names, Is.EqualTo(CachedCodePages.MaxCached), "at the bound");
        Assert.That(codePages.GetEncoding("windows-1251")?.CodePage, Is.EqualTo(1251), "past the bound: still answered");
        Assert.That(codePages.Cached.Names, Is.EqualTo(CachedCodePages.MaxCached), "past the bound: not remembered");
    }
}
