using System.Text;
using Protocols.Mime;

namespace Protocols.Tests.Mime;

public class BuilderRoundTripTests
{
    private static MimeMessage NewMessage(string subject = "Test")
    {
        var message = new MimeMessage { Subject = subject };
        message.From.Add("Sender Name", "sender@example.org");
        message.To.Add("Recipient", "to@example.net");
        return message;
    }

    private static MimeMessage RoundTrip(MimeMessage message, out byte[] bytes)
    {
        bytes = message.ToBytes();
        WireAssert.IsWellFormed(bytes);
        return MimeParser.Parse(bytes);
    }

    [Test]
    public void Text_only()
    {
        var message = NewMessage();
        message.Body = new BodyBuilder { TextBody = "Hello,\nworld.\n" }.ToMessageBody();
        var parsed = RoundTrip(message, out var bytes);
        Assert.That(parsed.TextBody, Is.EqualTo("Hello,\r\nworld.\r\n"));
        Assert.That(parsed.HtmlBody, Is.Null);
        var text = Encoding.ASCII.GetString(bytes);
        Assert.That(text, Does.Contain("MIME-Version: 1.0\r\n").And.Contain("Content-Type: text/plain; charset=utf-8\r\n"));
        Assert.That(text, Does.Not.Contain("Content-Transfer-Encoding"), "7bit is the default and is left out");
    }

    [Test]
    public void Standard_headers_are_generated()
    {
        var message = NewMessage("Grüße");
        message.Cc.Add("Carbon", "cc@example.net");
        message.Bcc.Add("Hidden", "bcc@example.net");
        message.ReplyTo.Add(null, "reply@example.org");
        message.Sender = new MailboxAddress("Agent", "agent@example.org");
        message.Headers.Add("X-Custom", "custom value");
        message.Body = MimePart.CreateText("x");
        var parsed = RoundTrip(message, out var bytes);
        var text = Encoding.UTF8.GetString(bytes);
        Assert.That(text, Does.Not.Contain("bcc@example.net"), "Bcc is not written by default");
        Assert.That(parsed.Bcc, Is.Empty);
        Assert.That(parsed.Cc.Single().Address, Is.EqualTo("cc@example.net"));
        Assert.That(parsed.ReplyTo.Single().Address, Is.EqualTo("reply@example.org"));
        Assert.That(parsed.Sender!.Address, Is.EqualTo("agent@example.org"));
        Assert.That(parsed.Subject, Is.EqualTo("Grüße"));
        Assert.That(text, Does.Contain("Subject: =?utf-8?"));
        Assert.That(parsed.Headers["X-Custom"], Is.EqualTo("custom value"));
        Assert.That(parsed.MessageId, Does.EndWith("@example.org"));
        Assert.That(parsed.MessageId, Is.EqualTo(message.MessageId));
        Assert.That(parsed.Date, Is.Not.Null);
        Assert.That((DateTimeOffset.Now - parsed.Date!.Value).Duration(), Is.LessThan(TimeSpan.FromMinutes(5)));
        Assert.That(message.RequiresSmtpUtf8, Is.False);
        Assert.That(message.Requires8BitMime, Is.False);

        var withBcc = MimeParser.Parse(message.ToBytes(new MimeWriteOptions { IncludeBcc = true }));
        Assert.That(withBcc.Bcc.Single().Address, Is.EqualTo("bcc@example.net"));
    }

    [Test]
    public void Text_and_html_alternative()
    {
        var message = NewMessage();
        message.Body = new BodyBuilder { TextBody = "plain", HtmlBody = "<p>html</p>" }.ToMessageBody();
        var parsed = RoundTrip(message, out _);
        var body = (Multipart)parsed.Body!;
        Assert.That(body.ContentType.MimeType, Is.EqualTo("multipart/alternative"));
        Assert.That(body.Select(p => p.ContentType.MimeType), Is.EqualTo(new[] { "text/plain", "text/html" }));
        Assert.That(parsed.TextBody, Is.EqualTo("plain"));
        Assert.That(parsed.HtmlBody, Is.EqualTo("<p>html</p>"));
    }

    [Test]
    public void Attachments_and_inline_resources()
    {
        var pdf = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        var png = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var builder = new BodyBuilder { TextBody = "see attached", HtmlBody = "<img src=\"cid:logo\">" };
        builder.Attachments.Add("report.pdf", pdf);
        builder.Attachments.Add("Überblick – 2026.txt", Encoding.UTF8.GetBytes("notes"));
        var logo = builder.LinkedResources.Add("logo.png", png);
        var message = NewMessage();
        message.Body = builder.ToMessageBody();
        var parsed = RoundTrip(message, out var bytes);

        var mixed = (Multipart)parsed.Body!;
        Assert.That(mixed.ContentType.MimeType, Is.EqualTo("multipart/mixed"));
        var alternative = (Multipart)mixed[0];
        var related = (Multipart)alternative[1];
        Assert.That(related.ContentType.MimeType, Is.EqualTo("multipart/related"));
        var image = (MimePart)related[1];
        Assert.That(image.ContentId, Is.EqualTo(logo.ContentId));
        Assert.That(image.ContentType.MimeType, Is.EqualTo("image/png"));
        Assert.That(image.ContentDisposition!.Disposition, Is.EqualTo("inline"));
        Assert.That(image.Content.ToArray(), Is.EqualTo(png));

        var attachments = parsed.Attachments.ToList();
        Assert.That(attachments.Select(a => a.FileName), Is.EqualTo(new[] { "report.pdf", "Überblick – 2026.txt" }));
        Assert.That(attachments[0].ContentType.MimeType, Is.EqualTo("application/pdf"));
        Assert.That(attachments[0].Content.ToArray(), Is.EqualTo(pdf));
        Assert.That(attachments[1].ContentType.MimeType, Is.EqualTo("text/plain"));
        Assert.That(attachments[1].GetText(), Is.EqualTo("notes"));
        Assert.That(Encoding.ASCII.GetString(bytes), Does.Contain("filename*=utf-8''"));
        Assert.That(parsed.TextBody, Is.EqualTo("see attached"));
    }

    [Test]
    public void Attached_message_round_trips()
    {
        var inner = NewMessage("inner subject");
        inner.Body = new BodyBuilder { TextBody = "inner body", HtmlBody = "<b>inner</b>" }.ToMessageBody();
        var builder = new BodyBuilder { TextBody = "outer" };
        builder.Attachments.Add(inner);
        var message = NewMessage("outer subject");
        message.Body = builder.ToMessageBody();
        var parsed = RoundTrip(message, out _);
        var attached = parsed.AttachedMessages.Single().Message;
        Assert.That(attached.Subject, Is.EqualTo("inner subject"));
        Assert.That(attached.TextBody, Is.EqualTo("inner body"));
        Assert.That(attached.HtmlBody, Is.EqualTo("<b>inner</b>"));
        Assert.That(parsed.TextBody, Is.EqualTo("outer"));
    }

    [TestCase("mostly ascii with one é", "quoted-printable")]
    [TestCase("日本語のテキストです。日本語のテキストです。", "base64")]
    [TestCase("pure ascii", null)]
    public void Text_encoding_is_chosen(string text, string? expected)
    {
        var message = NewMessage();
        message.Body = MimePart.CreateText(text);
        var parsed = RoundTrip(message, out _);
        Assert.That(parsed.Body!.Headers["Content-Transfer-Encoding"], Is.EqualTo(expected));
        Assert.That(parsed.TextBody, Is.EqualTo(text + "\r\n").Or.EqualTo(text));
    }

    [Test]
    public void Long_ascii_lines_go_quoted_printable()
    {
        var line = new string('a', 2500);
        var message = NewMessage();
        message.Body = MimePart.CreateText(line + "\n" + line);
        var parsed = RoundTrip(message, out _);
        Assert.That(parsed.Body!.Headers["Content-Transfer-Encoding"], Is.EqualTo("quoted-printable"));
        Assert.That(parsed.TextBody!.TrimEnd(), Is.EqualTo(line + "\r\n" + line));
    }

    [Test]
    public void Eight_bit_only_when_asked()
    {
        var message = NewMessage();
        message.Body = new BodyBuilder { TextBody = "Grüße", Allow8BitText = true }.ToMessageBody();
        var parsed = RoundTrip(message, out var bytes);
        Assert.That(parsed.Body!.Headers["Content-Transfer-Encoding"], Is.EqualTo("8bit"));
        Assert.That(message.Requires8BitMime, Is.True);
        Assert.That(message.RequiresSmtpUtf8, Is.False);
        Assert.That(parsed.TextBody!.TrimEnd(), Is.EqualTo("Grüße"));
        Assert.That(bytes.Any(b => b >= 0x80), Is.True);
    }

    [Test]
    public void International_address_needs_smtputf8()
    {
        var message = NewMessage();
        message.To.Add("Jörg", "jörg@bücher.example");
        message.Body = MimePart.CreateText("hi");
        Assert.That(message.RequiresSmtpUtf8, Is.True);
        var parsed = RoundTrip(message, out _);
        Assert.That(parsed.To[1].Address, Is.EqualTo("jörg@bücher.example"));
        Assert.That(parsed.To[1].Name, Is.EqualTo("Jörg"));
    }

    [Test]
    public void International_bcc_alone_still_flags_smtputf8()
    {
        var message = NewMessage();
        message.Bcc.Add(null, "jörg@bücher.example");
        message.Body = MimePart.CreateText("hi");
        Assert.That(message.RequiresSmtpUtf8, Is.True, "the envelope will carry the address");
    }

    [Test]
    public void Binary_content_with_every_byte_value()
    {
        var data = Enumerable.Range(0, 256 * 40).Select(i => (byte)i).ToArray();
        var builder = new BodyBuilder();
        builder.Attachments.Add("all.bin", data);
        var message = NewMessage();
        message.Body = builder.ToMessageBody();
        var parsed = RoundTrip(message, out _);
        Assert.That(parsed.Attachments.Single().Content.ToArray(), Is.EqualTo(data));
        Assert.That(parsed.Attachments.Single().ContentType.MimeType, Is.EqualTo("application/octet-stream"));
    }

    [Test]
    public void Empty_body_and_empty_attachment()
    {
        var builder = new BodyBuilder { TextBody = string.Empty };
        builder.Attachments.Add("empty.txt", ReadOnlyMemory<byte>.Empty);
        var message = NewMessage();
        message.Body = builder.ToMessageBody();
        var parsed = RoundTrip(message, out _);
        Assert.That(parsed.TextBody, Is.EqualTo(string.Empty));
        Assert.That(parsed.Attachments.Single().Content.Length, Is.EqualTo(0));
    }

    [Test]
    public void Preamble_and_epilogue()
    {
        var multipart = new Multipart("mixed") { MimePart.CreateText("one"), MimePart.CreateText("two") };
        multipart.Preamble = "This is a multi-part message.";
        multipart.Epilogue = "bye";
        var message = NewMessage();
        message.Body = multipart;
        var parsed = RoundTrip(message, out _);
        var body = (Multipart)parsed.Body!;
        Assert.That(body.Preamble, Is.EqualTo("This is a multi-part message."));
        Assert.That(body.Epilogue, Is.EqualTo("bye\r\n"));
        Assert.That(body.Select(p => ((MimePart)p).GetText()), Is.EqualTo(new[] { "one", "two" }));
    }

    [Test]
    public void Text_ending_in_a_line_break_keeps_it_inside_a_multipart()
    {
        var multipart = new Multipart("mixed") { MimePart.CreateText("one\n"), MimePart.CreateText("two\n\n") };
        var message = NewMessage();
        message.Body = multipart;
        var parsed = RoundTrip(message, out _);
        Assert.That(parsed.BodyParts.OfType<MimePart>().Select(p => p.GetText()), Is.EqualTo(new[] { "one\r\n", "two\r\n\r\n" }));
    }

    [Test]
    public void Deeply_nested_multiparts()
    {
        MimeEntity body = MimePart.CreateText("leaf");
        for (var i = 0; i < 20; i++)
        {
            body = new Multipart(i % 2 == 0 ? "mixed" : "alternative") { body };
        }

        var message = NewMessage();
        message.Body = body;
        var parsed = RoundTrip(message, out _);
        Assert.That(parsed.TextBody, Is.EqualTo("leaf"));
        Assert.That(parsed.BodyParts.Count(), Is.EqualTo(21));
    }

    [Test]
    public void Modified_parsed_message_is_rewritten()
    {
        var original = MimeParser.Parse(MailFixtures.Read("nested.eml"));
        original.To.Add("Added", "added@example.com");
        original.Subject = "Changed ✓";
        var parsed = RoundTrip(original, out _);
        Assert.That(parsed.To.Select(m => m.Address), Is.EqualTo(new[] { "customer@example.com", "added@example.com" }));
        Assert.That(parsed.Subject, Is.EqualTo("Changed ✓"));
        Assert.That(parsed.Attachments.Single().FileName, Is.EqualTo("invoice-1234.pdf"));
    }

    [Test]
    public async Task WriteToAsync_matches_ToBytes()
    {
        var builder = new BodyBuilder { TextBody = "stream" };
        builder.Attachments.Add("big.bin", new byte[300_000]);
        var message = NewMessage();
        message.Body = builder.ToMessageBody();
        using var stream = new MemoryStream();
        await message.WriteToAsync(stream).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(stream.ToArray(), Is.EqualTo(message.ToBytes()));
    }

    [Test]
    public async Task WriteToAsync_honours_cancellation()
    {
        var message = NewMessage();
        message.Body = MimePart.CreateText("x");
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        using var stream = new MemoryStream();
        await Assert.CatchAsync<OperationCanceledException>(async () => await message.WriteToAsync(stream, cts.Token).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public void Envelope_sender_and_recipients()
    {
        var message = NewMessage();
        message.Cc.Add(null, "to@EXAMPLE.net");
        message.Cc.Add(null, "cc@example.net");
        message.Bcc.Add(null, "bcc@example.net");
        Assert.That(message.GetEnvelopeSender()!.Address, Is.EqualTo("sender@example.org"));
        Assert.That(message.GetEnvelopeRecipients().Select(m => m.Address), Is.EqualTo(new[] { "to@example.net", "cc@example.net", "bcc@example.net" }));
        message.Sender = new MailboxAddress(null, "bounce@example.org");
        Assert.That(message.GetEnvelopeSender()!.Address, Is.EqualTo("bounce@example.org"));
    }
}
