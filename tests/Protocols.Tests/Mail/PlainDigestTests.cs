using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Protocols.Servers.Mail;
using Protocols.Tests.Hardening;

namespace Protocols.Tests.Mail;

/// <summary>
/// The digest of a plain message read without MimeKit (<see cref="PlainDigest"/>) is exactly MimeKit's digest
/// (<see cref="MailDigest.Parse"/>, what every message got before): over a corpus of plain messages and near misses,
/// over generated header fields, and over mutated messages. A message the fast path does not take goes to MimeKit, so
/// the digest is the same for every input; the tests also check the fast path is taken for the plain shapes.
/// </summary>
public sealed class PlainDigestTests
{
    private static readonly string[] Envelope = ["w@example.org", "bob@example.org"];

    private static byte[] Bytes(string message) => Encoding.Latin1.GetBytes(message);

    /// <summary>Plain messages: the fast path must take each.</summary>
    private static readonly string[] Plain =
    [
        "From: <w@example.org>\r\nTo: <w@example.org>\r\nDate: Tue, 1 Dec 2026 18:00:00 +0000\r\nMessage-Id: <bench@example.org>\r\nSubject: test\r\n\r\nLa de da de da 1.\r\n",
        "From: Alice Example <alice@example.org>\r\nTo: bob@example.org, Carol <carol@example.org>\r\nCc: <a@b.c>,<d@e.f>\r\nSubject: Re: hello\r\n\r\nbody\r\n",
        "from: x@localhost\r\nTO: first.last+tag@sub.example.co.uk\r\nSUBJECT: Re: [list] 50% off! (really) <tag> \"quoted\" 'single'\r\n\r\n",
        "Subject:nospace\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\nMIME-Version: 1.0\r\n\r\nline one\r\nline two\r\n",
        "Subject: x\r\nContent-Type: TEXT/PLAIN; charset=us-ascii\r\nContent-Transfer-Encoding: 8BIT\r\n\r\n\r\n\r\n",
        "Subject: x\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\n\r\nno newline at the end",
        "X-Mailer: smtp-source\r\n\r\n",
        "To: Jean-Luc Picard <jl@enterprise.example>, R2 D2 <r2@x-y.example>, _under_ <u_1@a1.b2>\r\nDate: Mon, 30 Nov 2026 09:00:00 -0500\r\n\r\nbare\rCR and bare\nLF in the body\r\n.\r\n",
        "Subject: a body past the indexed head\r\n\r\n" + new string('x', MailDigest.MaxIndexedText + 100) + "\r\n",
        // What smtp-source sends: a date with two spaces and a comment.
        "From: <w@example.org>\r\nTo: <w@example.org>\r\nDate: Wed,  2 Dec 2026 00:03:02 +0000 (UTC)\r\nMessage-Id: <3f00.0003.0000@vm>\r\n\r\n1XXXX\r\nXXXX\r\n",
        "Subject: two  spaces   and three\r\nX-Odd:\r\nX-Spaces:   a  b  \r\nX-Encoded: =?utf-8?q?x?=\r\n\r\nbody\r\n",
    ];

    /// <summary>Near misses: MimeKit's, and the digest must still be what MimeKit says.</summary>
    private static readonly string[] NotPlain =
    [
        "Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\nencoded word\r\n",
        "Subject: folded\r\n over two lines\r\n\r\nbody\r\n",
        "Subject: tab\tinside\r\n\r\nbody\r\n",
        "Subject:  leading\r\n\r\nbody\r\n",
        "Subject: trailing \r\n\r\nbody\r\n",
        "Subject: no blank line\r\n",
        "Subject: bare lf\n\nbody\n",
        "From: \"Doe, John\" <j@example.org>\r\n\r\n",
        "From: j@example.org (John)\r\n\r\n",
        "To: undisclosed-recipients:;\r\n\r\n",
        "To: a@b,\r\n\r\n",
        "To: <a@xn--n3h.example>\r\n\r\n",
        "To: John Q. Public <j@example.org>\r\n\r\n",
        "Subject: x\r\nSubject: y\r\n\r\n",
        "Content-Type: text/html\r\n\r\n<p>hi</p>\r\n",
        "Content-Type: text/plain; charset=iso-8859-1\r\n\r\nx\r\n",
        "Content-Type: text/plain; format=flowed\r\n\r\nx\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nsoft=\r\nbreak=3D\r\n",
        "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n",
        "Content-Disposition: attachment; filename=a.txt\r\n\r\nx\r\n",
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b\r\nContent-Type: text/html\r\n\r\n<b>two</b>\r\n--b--\r\n",
        "Subject: caf\u00e9\r\n\r\n8-bit header\r\n",
        "Subject: x\r\n\r\ncaf\u00e9 8-bit body\r\n",
        "From foo@example.org Mon Jan  1 00:00:00 2026\r\nSubject: mbox line\r\n\r\nx\r\n",
        "\r\nno header at all\r\n",
        "Sub ject: space in a name\r\n\r\nx\r\n",
        "",
    ];

    [Test]
    public void A_plain_message_is_read_without_mimekit_and_gives_mimekits_digest()
    {
        foreach (var message in Plain)
        {
            var raw = Bytes(message);
            Assert.That(PlainDigest.TryRead(raw, out _, out _, out _, out _, out _, out _), Is.True, $"taken: {message[..Math.Min(60, message.Length)]}");
            Assert.That(MailDigest.Create(raw, Envelope[0], Envelope), Is.EqualTo(MailDigest.Parse(raw, Envelope[0], Envelope)), message);
        }
    }

    [Test]
    public void Anything_else_goes_to_mimekit_and_the_digest_is_the_same()
    {
        foreach (var message in NotPlain)
        {
            var raw = Bytes(message);
            Assert.That(PlainDigest.TryRead(raw, out _, out _, out _, out _, out _, out _), Is.False, $"not taken: {message[..Math.Min(60, message.Length)]}");
            Assert.That(MailDigest.Create(raw, Envelope[0], Envelope), Is.EqualTo(MailDigest.Parse(raw, Envelope[0], Envelope)), message);
        }
    }

    [Test]
    public void The_smtp_source_message_has_its_fields()
    {
        var digest = MailDigest.Create(Bytes(Plain[1]), "w@example.org", ["bob@example.org"]);
        Assert.That(digest, Is.EqualTo(new MailDigest("Alice Example <alice@example.org>", "bob@example.org, Carol <carol@example.org>",
            "a@b.c, d@e.f", "Re: hello", null, false, 0,
            "w@example.org bob@example.org Alice Example <alice@example.org> bob@example.org, Carol <carol@example.org> a@b.c, d@e.f", "body\r\n")));
    }

    private static readonly string[] Names =
    [
        "From", "To", "Cc", "Subject", "Date", "Content-Type", "Content-Transfer-Encoding", "MIME-Version", "X-Mailer", "Message-Id",
        "from", "SUBJECT", "cc", "Content-Disposition", "Reply-To", "Sender", "Bcc", "Received",
    ];

    private static readonly string[] PlainValues =
    [
        "<w@example.org>", "Alice <a@b.org>", "a@b", "a@b, c@d", "Two Words <x@y.z>", "test", "Re: hello", "text/plain", "7bit", "a  b",
        "Wed,  2 Dec 2026 00:03:02 +0000 (UTC)", "x   y z",
        "text/plain; charset=us-ascii", "1.0", "Tue, 1 Dec 2026 18:00:00 +0000", "<id@host>", "x_y <z@w>", "[x] 100% <y>", "Jean-Luc <j@l>",
    ];

    private static readonly string[] Values =
    [
        "<w@example.org>", "Alice <a@b.org>", "a@b", "a@b, c@d", "a@b,c@d", "Two Words <x@y.z>", "<a@b> , <c@d>", "test", "Re: hello",
        "=?utf-8?q?x?=", "=?", "text/plain", "text/plain; charset=us-ascii", "text/plain; charset=\"utf-8\"", "text/plain;charset=utf-8",
        "text/plain; charset=utf-16", "text/html", "7bit", "8bit", "binary", "base64", "quoted-printable", " lead", "trail ", "a  b", "\"Q\" <q@r.s>",
        "x@xn--n3h.com", "a.@b", "<>", "", "g: a@b;", "(c) a@b", "a@b (c)", "caf\u00e9", "1.0", "Tue, 1 Dec 2026 18:00:00 +0000",
        "<id@host>", "a@-b.c", "a@b-.c", "a@b..c", "a@@b", "@b", "a@", "<a@b", "a@b>", "Name<a@b>", "Name  <a@b>", "x_y <z@w>",
        "\\escaped", "a\"b", "[x] 100% <y>", "a@[127.0.0.1]", "Jean-Luc <j@l>",
    ];

    private static readonly string[] Bodies = ["", "hello\r\n", "caf\u00e9\r\n", "\r", "\n.\r\n", "line\r\nline\r\n", "=3D\r\n", "<b>x</b>"];

    private static readonly string[] Breaks = ["\r\n", "\r\n", "\r\n", "\r\n", "\n", "\r\n ", "\r\n\t"];

    [Test]
    public void Generated_header_fields_give_mimekits_digest_whether_or_not_the_fast_path_takes_them()
    {
        var field =
            from name in Gen.Elements(Names)
            from value in Gen.Frequency((3, Gen.Elements(PlainValues)), (2, Gen.Elements(Values)))
            from space in Gen.Elements("", " ", " ", " ", " ", " ", "  ")
            from lineBreak in Gen.Frequency((12, Gen.Constant("\r\n")), (1, Gen.Elements(Breaks)))
            select name + ":" + space + value + lineBreak;
        var messages =
            from count in Gen.Choose(0, 6)
            from fields in Gen.ListOf(field, count)
            from body in Gen.Elements(Bodies)
            select string.Concat(fields) + "\r\n" + body;
        int taken = 0, cases = 0;
        Prop.ForAll(messages.ToArbitrary(), message =>
        {
            var raw = Bytes(message);
            cases++;
            if (PlainDigest.TryRead(raw, out _, out _, out _, out _, out _, out _)) taken++;
            var fast = MailDigest.Create(raw, Envelope[0], Envelope);
            var mimeKit = MailDigest.Parse(raw, Envelope[0], Envelope);
            return (fast == mimeKit).Label($"{Convert.ToHexString(raw)}: {fast} against {mimeKit}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(Fuzz.Cases * 4).WithQuietOnSuccess(true));
        TestContext.Out.WriteLine($"{cases} generated messages, {taken} read without MimeKit");
        Assert.That(taken, Is.GreaterThan(cases / 20), "the generator reaches the fast path");
    }

    [Test]
    public void Mutated_messages_give_mimekits_digest()
    {
        var seeds = Plain.Concat(NotPlain).Where(m => m.Length < 4096).Select(Bytes).ToList();
        Fuzz.Check("mail digest without MimeKit = with", seeds, raw =>
        {
            var fast = MailDigest.Create(raw, Envelope[0], Envelope);
            var mimeKit = MailDigest.Parse(raw, Envelope[0], Envelope);
            if (fast != mimeKit) throw new InvalidOperationException($"{fast} against {mimeKit}");
            return Task.CompletedTask;
        }, _ => false);
    }
}
