using System.Text;
using MimeKit;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Messages;

/// <summary>The golden corpus (fixtures/mail) through MimeKit, the parser every message now goes through: the parts
/// each fixture is expected to have.</summary>
public class MimeKitFixtureTests
{
    /// <summary>Through the servers' door to MimeKit (which also makes the legacy code pages such as windows-1252 known).</summary>
    private static MimeMessage Load(string name) => MailParser.Load(MailFixtures.Read(name));

    private static string Text(MimeEntity entity) => ((TextPart)entity).Text;

    /// <summary>MimeKit decodes text with the platform's line ends; the assertions use LF.</summary>
    private static string? Lf(string? text) => text?.ReplaceLineEndings("\n");

    private static readonly FormatOptions Crlf = CrlfOptions();

    private static FormatOptions CrlfOptions()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }

    private static byte[] Decoded(MimeEntity entity)
    {
        using var output = new MemoryStream();
        ((MimePart)entity).Content!.DecodeTo(output);
        return output.ToArray();
    }

    [Test]
    public void Folded_headers_are_unfolded_and_addresses_parsed()
    {
        var message = Load("folded-headers.eml");
        Assert.That(message.Subject, Is.EqualTo("Quarterly report: numbers for the board meeting, the budget review and the staffing plan for next year"));
        Assert.That(message.To.Mailboxes.Select(m => m.Address), Is.EqualTo(new[] { "bob@example.net", "carol@example.net", "dave@example.net" }));
        Assert.That(message.To[1].Name, Is.EqualTo("Carol, the Accountant"));
        Assert.That(message.From.Single().Name, Is.EqualTo("Alice Example"));
        Assert.That(message.Headers.Count(h => h.Id == HeaderId.Received), Is.EqualTo(2));
        Assert.That(message.Headers["received"], Does.StartWith("from mail.example.org (mail.example.org [192.0.2.10])"));
        Assert.That(message.Headers["X-Mailer"], Is.EqualTo("Example Mail 4.2"));
        Assert.That(message.Date, Is.EqualTo(new DateTimeOffset(2026, 11, 21, 18, 4, 9, TimeSpan.FromHours(1))));
        Assert.That(message.MessageId, Is.EqualTo("20261121170409.9B1C2E0001@mail.example.org"));
        Assert.That(Lf(message.TextBody), Does.StartWith("Hi all,\n\nthe numbers").And.EndWith("Alice\n"));
    }

    [Test]
    public void Encoded_words_in_b_and_q_with_utf8_and_latin1()
    {
        var message = Load("encoded-words.eml");
        Assert.That(message.Subject, Is.EqualTo("Grüße aus Köln und Grüße aus Berlin"));
        Assert.That(message.From[0].Name, Is.EqualTo("Jörg Müller"));
        Assert.That(message.To[0].Name, Is.EqualTo("Renée François"));
        Assert.That(message.To.Mailboxes.ElementAt(1).Address, Is.EqualTo("plain@example.com"));
        Assert.That(Lf(message.TextBody), Is.EqualTo("Liebe Grüße,\ndas Café öffnet um 8 Uhr. Preis: 3 Mark.\n"));
    }

    [Test]
    public void Nested_multiparts_mixed_alternative_related()
    {
        var message = Load("nested.eml");
        var mixed = (Multipart)message.Body!;
        Assert.That(mixed.ContentType.MimeType, Is.EqualTo("multipart/mixed"));
        Assert.That(mixed.Preamble, Does.StartWith("This is a multi-part message in MIME format."));
        Assert.That(mixed.Epilogue, Does.StartWith("This epilogue is ignored by mail readers."));
        Assert.That(mixed, Has.Count.EqualTo(2));
        var alternative = (Multipart)mixed[0];
        Assert.That(alternative.ContentType.MimeType, Is.EqualTo("multipart/alternative"));
        var related = (Multipart)alternative[1];
        Assert.That(related.ContentType.Parameters["type"], Is.EqualTo("text/html"));
        var image = (MimePart)related[1];
        Assert.That(image.ContentId, Is.EqualTo("logo@shop.example"));
        var png = Decoded(image);
        Assert.That(png[..8], Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }));
        Assert.That(png, Has.Length.EqualTo(69));
        Assert.That(Lf(message.TextBody), Is.EqualTo("Your order #1234 has shipped.\nTrack it at https://shop.example/track/1234\n"));
        Assert.That(message.HtmlBody, Does.Contain("<img src=\"cid:logo@shop.example\">"));
        var attachment = (MimePart)message.Attachments.Single();
        Assert.That(attachment.FileName, Is.EqualTo("invoice-1234.pdf"));
        Assert.That(attachment.ContentType.MimeType, Is.EqualTo("application/pdf"));
        Assert.That(Encoding.Latin1.GetString(Decoded(attachment)), Does.StartWith("%PDF-1.4\n").And.EndWith("%%EOF\n"));
        Assert.That(message.BodyParts.Count(), Is.EqualTo(4), "leaves: text, html, image, pdf");
    }

    [Test]
    public void Eight_bit_body()
    {
        var message = Load("8bit-body.eml");
        var part = (MimePart)message.Body!;
        Assert.That(part.ContentTransferEncoding, Is.EqualTo(ContentEncoding.EightBit));
        Assert.That(message.TextBody, Does.Contain("mødet i morgen").And.Contain("☕"));
        Assert.That(message.Subject, Is.EqualTo("Møde i morgen"));
    }

    [Test]
    public void Lines_starting_with_dots_are_content()
    {
        var message = Load("dot-lines.eml");
        Assert.That(Lf(message.TextBody), Is.EqualTo(".hidden file\n..two dots\n.\na line after a lone dot\n. leading dot and space\n"));
    }

    [Test]
    public void A_998_octet_line_is_kept()
    {
        var lines = Lf(Load("long-line.eml").TextBody)!.Split("\n");
        Assert.That(lines[1], Has.Length.EqualTo(998));
    }

    [Test]
    public void Rfc2231_file_name_with_continuations()
    {
        var message = Load("rfc2231-filename.eml");
        var attachment = (MimePart)message.Attachments.Single();
        Assert.That(attachment.FileName, Is.EqualTo("Résumé — François.txt"));
        Assert.That(Text(attachment), Is.EqualTo("Résumé text for the attachment.\n"));
        Assert.That(message.TextBody, Is.EqualTo("See the attached file."));
    }

    [Test]
    public void Message_rfc822_attachment_is_parsed_as_a_message()
    {
        var message = Load("rfc822-attachment.eml");
        var attached = message.Attachments.OfType<MessagePart>().Single();
        Assert.That(attached.ContentDisposition!.FileName, Is.EqualTo("lunch.eml"));
        Assert.That(attached.Message!.Subject, Is.EqualTo("Lunch on Friday?"));
        Assert.That(attached.Message!.From.Mailboxes.Single().Address, Is.EqualTo("colleague@example.com"));
        Assert.That(attached.Message!.TextBody, Is.EqualTo("Pizza or sushi?"));
        Assert.That(attached.Message!.HtmlBody, Is.EqualTo("<p>Pizza or <i>sushi</i>?</p>"));
        Assert.That(Lf(message.TextBody), Is.EqualTo("See the message below.\n"), "the outer text, not the attached one");
    }

    [Test]
    public void Missing_final_boundary_keeps_the_last_part()
    {
        var message = Load("missing-final-boundary.eml");
        Assert.That((Multipart)message.Body!, Has.Count.EqualTo(2));
        Assert.That(message.TextBody, Is.EqualTo("First part is complete."));
        var data = (MimePart)message.Attachments.Single();
        Assert.That(data.FileName, Is.EqualTo("data.bin"));
        Assert.That(Decoded(data), Is.EqualTo(Enumerable.Range(0, 48).Select(i => (byte)i).ToArray()));
    }

    [Test]
    public void Lf_only_line_ends()
    {
        var message = Load("lf-only.eml");
        Assert.That(message.Subject, Is.EqualTo("cron output folded with LF only"));
        Assert.That(message.TextBody, Is.EqualTo("job finished: 0 errors"));
        Assert.That(message.HtmlBody, Is.EqualTo("<pre>job finished: 0 errors</pre>"));
    }

    [Test]
    public void International_addresses()
    {
        var message = Load("international.eml");
        var from = message.From.Mailboxes.Single();
        Assert.That(from.Name, Is.EqualTo("Jörg Müller"));
        Assert.That(from.Address, Is.EqualTo("jörg@bücher.example"));
        Assert.That(from.IsInternational, Is.True);
        Assert.That(message.To.Mailboxes.Select(m => m.Address), Is.EqualTo(new[] { "tanaka@例え.jp", "list@example.com" }));
        Assert.That(message.To[0].Name, Is.EqualTo("田中"));
        Assert.That(message.Cc.Mailboxes, Is.Empty, "Cc is an empty group");
        Assert.That(message.Subject, Is.EqualTo("Bücher für das Büro"));
    }

    [Test]
    public void Windows1252_unknown_charset_groups_and_comments()
    {
        var message = Load("charsets.eml");
        Assert.That(message.From[0].Name, Is.EqualTo("Smith, John"));
        Assert.That(message.To.Mailboxes.Select(m => m.Address), Is.EqualTo(new[] { "anna@example.com", "ben@example.com", "eve@example.com" }));
        Assert.That(message.To.Mailboxes.ElementAt(1).Name, Is.EqualTo("Ben B."));
        Assert.That(message.Subject, Is.EqualTo("Price list €"));
        Assert.That(message.Date, Is.EqualTo(new DateTimeOffset(2026, 11, 12, 13, 45, 0, TimeSpan.FromHours(-5))));
        var parts = message.BodyParts.OfType<TextPart>().ToList();
        Assert.That(Lf(parts[0].Text), Is.EqualTo("Price: 10 € – “quoted”\n"));
        Assert.That(parts[1].Text, Is.EqualTo("café ok"), "unknown charset: valid UTF-8 is read as UTF-8");
    }

    [TestCaseSource(typeof(MailFixtures), nameof(MailFixtures.All))]
    public void Every_unchanged_fixture_is_written_back_byte_for_byte(string name)
    {
        var raw = MailFixtures.Read(name);
        if (name == "lf-only.eml") raw = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(raw).ReplaceLineEndings("\r\n"));
        using var output = new MemoryStream();
        MailParser.Load(raw).WriteTo(Crlf, output);
        var written = output.ToArray();
        if (name == "missing-final-boundary.eml")
        {
            // The multipart was never closed: MimeKit adds line ends after its last part, nothing else.
            Assert.That(written[..raw.Length], Is.EqualTo(raw));
            Assert.That(written[raw.Length..].All(b => b is (byte)'\r' or (byte)'\n'), Is.True);
            return;
        }
        Assert.That(written, Is.EqualTo(raw));
    }
}
