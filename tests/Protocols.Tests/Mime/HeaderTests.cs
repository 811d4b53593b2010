using System.Text;
using Protocols.Mime;

namespace Protocols.Tests.Mime;

public class HeaderTests
{
    [Test]
    public void Lookup_is_case_insensitive_and_ordered()
    {
        var headers = new HeaderList();
        headers.Add("X-One", "1");
        headers.Add("x-two", "2");
        headers.Add("X-ONE", "3");
        Assert.That(headers["x-one"], Is.EqualTo("1"));
        Assert.That(headers.FindAll("X-One").Select(h => h.Value), Is.EqualTo(new[] { "1", "3" }));
        headers["X-One"] = "4";
        Assert.That(headers.Select(h => h.Value), Is.EqualTo(new[] { "4", "2" }));
        Assert.That(headers.Remove("X-TWO"), Is.EqualTo(1));
        Assert.That(headers.Count, Is.EqualTo(1));
    }

    [TestCase("Bad Name")]
    [TestCase("Bad:Name")]
    [TestCase("")]
    [TestCase("Tëst")]
    public void Bad_names_are_rejected(string name) => Assert.Throws<ArgumentException>(() => new HeaderList().Add(name, "v"));

    [TestCase("a\r\nBcc: victim@example.org")]
    [TestCase("a\nb")]
    [TestCase("a\rb")]
    public void Header_injection_is_rejected(string value) => Assert.Throws<ArgumentException>(() => new HeaderList().Add("X-Test", value));

    [Test]
    public void Non_ascii_custom_header_is_encoded()
    {
        var headers = new HeaderList();
        headers.Add("X-Note", "naïve café");
        Assert.That(headers["X-Note"], Does.Contain("=?utf-8?"));
        Assert.That(headers.Find("X-Note")!.DecodedValue, Is.EqualTo("naïve café"));
    }

    [Test]
    public void Long_values_are_folded_at_78_and_unfolded_on_read()
    {
        var message = new MimeMessage();
        var value = string.Join(' ', Enumerable.Range(0, 60).Select(i => "word" + i));
        message.Headers.Add("X-Long", value);
        var bytes = message.ToBytes();
        var text = Encoding.ASCII.GetString(bytes);
        var lines = text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Split("\r\n");
        Assert.That(lines, Has.All.Length.LessThanOrEqualTo(78));
        Assert.That(MimeParser.Parse(bytes).Headers["X-Long"], Is.EqualTo(value));
    }

    [Test]
    public void A_word_too_long_for_one_line_is_encoded_to_stay_under_998()
    {
        var message = new MimeMessage();
        var value = "start " + new string('x', 3000) + " end";
        message.Headers.Add("X-Huge", value);
        var bytes = message.ToBytes();
        WireAssert.IsWellFormed(bytes);
        Assert.That(MimeParser.Parse(bytes).Headers.Find("X-Huge")!.DecodedValue, Is.EqualTo(value));
    }

    [Test]
    public void Changed_header_drops_its_raw_bytes()
    {
        var message = MimeParser.Parse("Subject: old\r\n  folded\r\n\r\nbody\r\n"u8.ToArray());
        var header = message.Headers.Find("Subject")!;
        Assert.That(header.HasRawValue, Is.True);
        Assert.That(Encoding.ASCII.GetString(header.RawValue.Span), Is.EqualTo(" old\r\n  folded"));
        Assert.That(header.Value, Is.EqualTo("old  folded"));
        message.Subject = "new";
        Assert.That(header.HasRawValue, Is.False);
        Assert.That(Encoding.ASCII.GetString(message.ToBytes()), Does.StartWith("Subject: new\r\n"));
    }

    [TestCase("Sun, 22 Nov 2026 03:21:27 +0000", 2026, 11, 22, 3, 21, 27, 0)]
    [TestCase("22 Nov 2026 03:21 -0500", 2026, 11, 22, 3, 21, 0, -300)]
    [TestCase("Mon, 1 Jan 99 00:00:00 GMT", 1999, 1, 1, 0, 0, 0, 0)]
    [TestCase("Tue, 3 Feb 2026 10:11:12 +0530 (IST)", 2026, 2, 3, 10, 11, 12, 330)]
    [TestCase("Wed,  4 Mar 2026 01:02:03 PDT", 2026, 3, 4, 1, 2, 3, -420)]
    public void Dates_parse(string text, int y, int mo, int d, int h, int mi, int s, int offsetMinutes)
    {
        Assert.That(MailDate.TryParse(text, out var date), Is.True);
        Assert.That(date, Is.EqualTo(new DateTimeOffset(y, mo, d, h, mi, s, TimeSpan.FromMinutes(offsetMinutes))));
    }

    [TestCase("")]
    [TestCase("yesterday")]
    [TestCase("32 Nov 2026 10:00:00 +0000")]
    [TestCase("1 Foo 2026 10:00:00 +0000")]
    public void Bad_dates_do_not_parse(string text) => Assert.That(MailDate.TryParse(text, out _), Is.False);

    [Test]
    public void Date_format_is_rfc5322()
    {
        var date = new DateTimeOffset(2026, 11, 2, 9, 5, 7, TimeSpan.FromMinutes(-90));
        Assert.That(MailDate.Format(date), Is.EqualTo("Mon, 2 Nov 2026 09:05:07 -0130"));
    }
}
