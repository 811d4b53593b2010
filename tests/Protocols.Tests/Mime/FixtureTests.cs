using System.Text;
using Protocols.Mime;

namespace Protocols.Tests.Mime;

public class FixtureTests
{
    private static MimeMessage Load(string name) => MimeParser.Parse(MailFixtures.Read(name));

    [Test]
    public void Folded_headers_are_unfolded_and_addresses_parsed()
    {
        var message = Load("folded-headers.eml");
        Assert.That(message.Subject, Is.EqualTo("Quarterly report: numbers for the board meeting, the budget review and the staffing plan for next year"));
        Assert.That(message.To.Select(m => m.Address), Is.EqualTo(new[] { "bob@example.net", "carol@example.net", "dave@example.net" }));
        Assert.That(message.To[1].Name, Is.EqualTo("Carol, the Accountant"));
        Assert.That(message.From.Single().Name, Is.EqualTo("Alice Example"));
        Assert.That(message.Headers.FindAll("Received").Count(), Is.EqualTo(2));
        Assert.That(message.Headers["received"], Does.StartWith("from mail.example.org (mail.example.org [192.0.2.10])\tby mx.example.net"));
        Assert.That(message.Headers["X-Mailer"], Is.EqualTo("Example Mail 4.2"));
        Assert.That(message.Date, Is.EqualTo(new DateTimeOffset(2026, 11, 21, 18, 4, 9, TimeSpan.FromHours(1))));
        Assert.That(message.MessageId, Is.EqualTo("20261121170409.9B1C2E0001@mail.example.org"));
        Assert.That(message.TextBody, Does.StartWith("Hi all,\r\n\r\nthe numbers").And.EndWith("Alice\r\n"));
        Assert.That(message.Requires8BitMime, Is.False);
        Assert.That(message.RequiresSmtpUtf8, Is.False);
    }

    [Test]
    public void Folded_raw_header_is_written_back_unchanged()
    {
        var raw = MailFixtures.Read("folded-headers.eml");
        var output = Load("folded-headers.eml").ToBytes();
        var text = Encoding.ASCII.GetString(output);
        Assert.That(text, Does.Contain("To: Bob Builder <bob@example.net>,\r\n \"Carol, the Accountant\" <carol@example.net>,\r\n\tdave@example.net\r\n"));
        Assert.That(output, Is.EqualTo(raw), "a parsed message without changes is written byte for byte");
    }

    [Test]
    public void Encoded_words_in_b_and_q_with_utf8_and_latin1()
    {
        var message = Load("encoded-words.eml");
        Assert.That(message.Subject, Is.EqualTo("Grüße aus Köln und Grüße aus Berlin"));
        Assert.That(message.From[0].Name, Is.EqualTo("Jörg Müller"));
        Assert.That(message.To[0].Name, Is.EqualTo("Renée François"));
        Assert.That(message.To[1].Name, Is.Null);
        Assert.That(message.To[1].Address, Is.EqualTo("plain@example.com"));
        Assert.That(message.TextBody, Is.EqualTo("Liebe Grüße,\r\ndas Café öffnet um 8 Uhr. Preis: 3 Mark.\r\n"));
        Assert.That(message.RequiresSmtpUtf8, Is.False);
    }

    [Test]
    public void Nested_multiparts_mixed_alternative_related()
    {
        var message = Load("nested.eml");
        var mixed = (Multipart)message.Body!;
        Assert.That(mixed.ContentType.MimeType, Is.EqualTo("multipart/mixed"));
        Assert.That(mixed.Preamble, Is.EqualTo("This is a multi-part message in MIME format.\r\n"));
        Assert.That(mixed.Epilogue, Is.EqualTo("This epilogue is ignored by mail readers.\r\n"));
        Assert.That(mixed, Has.Count.EqualTo(2));
        var alternative = (Multipart)mixed[0];
        Assert.That(alternative.ContentType.MimeType, Is.EqualTo("multipart/alternative"));
        var related = (Multipart)alternative[1];
        Assert.That(related.ContentType.Parameters["type"], Is.EqualTo("text/html"));
        var image = (MimePart)related[1];
        Assert.That(image.ContentId, Is.EqualTo("logo@shop.example"));
        Assert.That(image.Content.Span[..8].ToArray(), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }));
        Assert.That(image.Content.Length, Is.EqualTo(69));
        Assert.That(message.TextBody, Is.EqualTo("Your order #1234 has shipped.\r\nTrack it at https://shop.example/track/1234\r\n"));
        Assert.That(message.HtmlBody, Does.Contain("<img src=\"cid:logo@shop.example\">"));
        var attachment = message.Attachments.Single();
        Assert.That(attachment.FileName, Is.EqualTo("invoice-1234.pdf"));
        Assert.That(attachment.ContentType.MimeType, Is.EqualTo("application/pdf"));
        Assert.That(Encoding.Latin1.GetString(attachment.Content.Span), Does.StartWith("%PDF-1.4\n").And.EndWith("%%EOF\n"));
        Assert.That(message.BodyParts.Count(), Is.EqualTo(7));
    }

    [Test]
    public void Eight_bit_body()
    {
        var message = Load("8bit-body.eml");
        var part = (MimePart)message.Body!;
        Assert.That(part.ContentTransferEncoding, Is.EqualTo(ContentEncoding.EightBit));
        Assert.That(message.TextBody, Does.Contain("mødet i morgen").And.Contain("☕"));
        Assert.That(message.Subject, Is.EqualTo("Møde i morgen"));
        Assert.That(message.Requires8BitMime, Is.True);
        Assert.That(message.RequiresSmtpUtf8, Is.True, "the From and To display names are raw UTF-8");
    }

    [Test]
    public void Lines_starting_with_dots_are_content()
    {
        var message = Load("dot-lines.eml");
        Assert.That(message.TextBody, Is.EqualTo(".hidden file\r\n..two dots\r\n.\r\na line after a lone dot\r\n. leading dot and space\r\n"));
        Assert.That(message.ToBytes(), Is.EqualTo(MailFixtures.Read("dot-lines.eml")));
    }

    [Test]
    public void A_998_octet_line_is_kept_and_written_as_is()
    {
        var message = Load("long-line.eml");
        var lines = message.TextBody!.Split("\r\n");
        Assert.That(lines[1], Has.Length.EqualTo(998));
        var output = message.ToBytes();
        WireAssert.IsWellFormed(output);
        Assert.That(output, Is.EqualTo(MailFixtures.Read("long-line.eml")));
    }

    [Test]
    public void Rfc2231_file_name_with_continuations()
    {
        var message = Load("rfc2231-filename.eml");
        var attachment = message.Attachments.Single();
        Assert.That(attachment.FileName, Is.EqualTo("Résumé — François.txt"));
        Assert.That(attachment.ContentType.Name, Is.EqualTo("Résumé — François.txt"));
        Assert.That(attachment.GetText(), Is.EqualTo("Résumé text for the attachment.\n"));
        Assert.That(message.TextBody, Is.EqualTo("See the attached file."));
    }

    [Test]
    public void Message_rfc822_attachment_is_parsed_as_a_message()
    {
        var message = Load("rfc822-attachment.eml");
        var attached = message.AttachedMessages.Single();
        Assert.That(attached.ContentDisposition!.FileName, Is.EqualTo("lunch.eml"));
        Assert.That(attached.Message.Subject, Is.EqualTo("Lunch on Friday?"));
        Assert.That(attached.Message.From[0].Address, Is.EqualTo("colleague@example.com"));
        Assert.That(attached.Message.TextBody, Is.EqualTo("Pizza or sushi?"));
        Assert.That(attached.Message.HtmlBody, Is.EqualTo("<p>Pizza or <i>sushi</i>?</p>"));
        Assert.That(message.TextBody, Is.EqualTo("See the message below.\r\n"), "the outer text, not the attached one");
        Assert.That(message.Attachments, Is.Empty);
    }

    [Test]
    public void Missing_final_boundary_keeps_the_last_part()
    {
        var message = Load("missing-final-boundary.eml");
        var multipart = (Multipart)message.Body!;
        Assert.That(multipart.IsTruncated, Is.True);
        Assert.That(multipart, Has.Count.EqualTo(2));
        Assert.That(message.TextBody, Is.EqualTo("First part is complete."));
        var data = message.Attachments.Single();
        Assert.That(data.FileName, Is.EqualTo("data.bin"));
        Assert.That(data.Content.ToArray(), Is.EqualTo(Enumerable.Range(0, 48).Select(i => (byte)i).ToArray()));
    }

    [Test]
    public void Lf_only_line_ends()
    {
        var message = Load("lf-only.eml");
        Assert.That(message.Subject, Is.EqualTo("cron output folded with LF only"));
        Assert.That(message.TextBody, Is.EqualTo("job finished: 0 errors"));
        Assert.That(message.HtmlBody, Is.EqualTo("<pre>job finished: 0 errors</pre>"));
        var output = message.ToBytes();
        WireAssert.IsWellFormed(output);
        Assert.That(Encoding.ASCII.GetString(output), Does.Contain("Subject: cron output\r\n folded with LF only\r\n"));
    }

    [Test]
    public void International_addresses_need_smtputf8()
    {
        var message = Load("international.eml");
        Assert.That(message.From[0].Name, Is.EqualTo("Jörg Müller"));
        Assert.That(message.From[0].Address, Is.EqualTo("jörg@bücher.example"));
        Assert.That(message.From[0].IsInternational, Is.True);
        Assert.That(message.To.Select(m => m.Address), Is.EqualTo(new[] { "tanaka@例え.jp", "list@example.com" }));
        Assert.That(message.To[0].Name, Is.EqualTo("田中"));
        Assert.That(message.Cc, Is.Empty);
        Assert.That(message.Subject, Is.EqualTo("Bücher für das Büro"));
        Assert.That(message.RequiresSmtpUtf8, Is.True);
        Assert.That(message.Requires8BitMime, Is.True);
    }

    [Test]
    public void Windows1252_unknown_charset_groups_and_comments()
    {
        var message = Load("charsets.eml");
        Assert.That(message.From[0].Name, Is.EqualTo("Smith, John"));
        Assert.That(message.To.Select(m => m.Address), Is.EqualTo(new[] { "anna@example.com", "ben@example.com", "eve@example.com" }));
        Assert.That(message.To[1].Name, Is.EqualTo("Ben B."));
        Assert.That(message.Subject, Is.EqualTo("Price list €"));
        Assert.That(message.Date, Is.EqualTo(new DateTimeOffset(2026, 11, 12, 13, 45, 0, TimeSpan.FromHours(-5))));
        var parts = message.BodyParts.OfType<MimePart>().ToList();
        Assert.That(parts[0].GetText(), Is.EqualTo("Price: 10 € – “quoted”\r\n"));
        Assert.That(parts[1].GetText(), Is.EqualTo("café ok"), "unknown charset: valid UTF-8 is read as UTF-8");
    }

    private static IEnumerable<string> Names() => MailFixtures.All();

    [TestCaseSource(nameof(Names))]
    public void Every_fixture_round_trips(string name)
    {
        var first = Load(name);
        var bytes = first.ToBytes();
        WireAssert.IsWellFormed(bytes);
        var second = MimeParser.Parse(bytes);
        Assert.That(second.Subject, Is.EqualTo(first.Subject));
        Assert.That(second.From.Select(m => m.ToString()), Is.EqualTo(first.From.Select(m => m.ToString())));
        Assert.That(second.To.Select(m => m.ToString()), Is.EqualTo(first.To.Select(m => m.ToString())));
        Assert.That(second.TextBody?.ReplaceLineEndings(), Is.EqualTo(first.TextBody?.ReplaceLineEndings()));
        Assert.That(second.HtmlBody?.ReplaceLineEndings(), Is.EqualTo(first.HtmlBody?.ReplaceLineEndings()));
        var before = first.BodyParts.OfType<MimePart>().Select(p => (p.ContentType.MimeType, p.FileName, Convert.ToBase64String(p.Content.Span))).ToList();
        var after = second.BodyParts.OfType<MimePart>().Select(p => (p.ContentType.MimeType, p.FileName, Convert.ToBase64String(p.Content.Span))).ToList();
        Assert.That(after.Select(a => a.MimeType), Is.EqualTo(before.Select(b => b.MimeType)));
        Assert.That(after.Select(a => a.FileName), Is.EqualTo(before.Select(b => b.FileName)));
        Assert.That(second.ToBytes(), Is.EqualTo(bytes), "writing is stable after one round trip");
    }

    [TestCaseSource(nameof(Names))]
    public async Task Every_fixture_loads_from_a_stream(string name)
    {
        await using var stream = File.OpenRead(MailFixtures.Path(name));
        var message = await MimeMessage.LoadAsync(stream).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(message.Headers.Count, Is.GreaterThan(3));
        Assert.That(message.Body, Is.Not.Null);
    }

    [TestCaseSource(nameof(Names))]
    public void Unchanged_fixture_is_written_byte_for_byte(string name)
    {
        var raw = MailFixtures.Read(name);
        var output = Load(name).ToBytes();
        if (name is "lf-only.eml")
        {
            Assert.That(output, Is.EqualTo(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(raw).Replace("\n", "\r\n", StringComparison.Ordinal))), "only the line ends change");
        }
        else if (name is "missing-final-boundary.eml")
        {
            Assert.That(output, Is.EqualTo(raw.Concat("\r\n--never-closed--\r\n"u8.ToArray()).ToArray()), "only the closing boundary is added");
        }
        else
        {
            Assert.That(output, Is.EqualTo(raw));
        }
    }
}
