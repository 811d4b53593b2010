using System.Text;
using Protocols.Mime;

namespace Protocols.Tests.Mime;

public class CodecTests
{
    private static string Qp(string text) => Encoding.ASCII.GetString(QuotedPrintableCodec.Encode(Encoding.UTF8.GetBytes(text)));

    private static string UnQp(string text) => Encoding.UTF8.GetString(QuotedPrintableCodec.Decode(Encoding.UTF8.GetBytes(text)));

    [Test]
    public void Qp_encodes_non_ascii_and_equals_sign()
    {
        Assert.That(Qp("a=b é"), Is.EqualTo("a=3Db =C3=A9"));
        Assert.That(Qp("line1\r\nline2\r\n"), Is.EqualTo("line1\r\nline2\r\n"));
        Assert.That(Qp("bare\nlf"), Is.EqualTo("bare\r\nlf"));
    }

    [Test]
    public void Qp_encodes_trailing_whitespace_before_a_line_end()
    {
        Assert.That(Qp("tail \r\nnext\t"), Is.EqualTo("tail=20\r\nnext=09"));
        Assert.That(Qp("mid space"), Is.EqualTo("mid space"));
    }

    [Test]
    public void Qp_soft_breaks_at_76()
    {
        var encoded = Qp(new string('a', 200));
        var lines = encoded.Split("\r\n");
        Assert.That(lines.Take(lines.Length - 1), Has.All.Length.EqualTo(76).And.All.EndsWith("="));
        Assert.That(lines.All(l => l.Length <= 76), Is.True);
        Assert.That(UnQp(encoded), Is.EqualTo(new string('a', 200)));
    }

    [Test]
    public void Qp_line_of_exactly_76_needs_no_soft_break()
    {
        Assert.That(Qp(new string('x', 76)), Is.EqualTo(new string('x', 76)));
        Assert.That(Qp(new string('x', 77)), Is.EqualTo(new string('x', 75) + "=\r\nxx"));
    }

    [Test]
    public void Qp_never_splits_an_escape()
    {
        var text = new string('a', 74) + "é";
        var encoded = Qp(text);
        Assert.That(encoded.Split("\r\n").All(l => l.Length <= 76), Is.True);
        Assert.That(encoded, Does.StartWith(new string('a', 74) + "=\r\n=C3=A9"));
        Assert.That(UnQp(encoded), Is.EqualTo(text));
    }

    [TestCase("a=\r\nb", "ab")]
    [TestCase("a=\nb", "ab")]
    [TestCase("a= \t\r\nb", "ab")]
    [TestCase("a=3d=3D", "a==")]
    [TestCase("bad=ZZ", "bad=ZZ")]
    [TestCase("end=", "end")]
    [TestCase("end=4", "end=4")]
    [TestCase("trail   \r\nx", "trail\r\nx")]
    [TestCase("keep  inner", "keep  inner")]
    [TestCase("=C3=A9t=C3=A9", "été")]
    public void Qp_decodes_leniently(string encoded, string expected) => Assert.That(UnQp(encoded), Is.EqualTo(expected));

    [Test]
    public void Base64_lines_are_76_characters()
    {
        var data = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var encoded = Encoding.ASCII.GetString(Base64Codec.Encode(data));
        var lines = encoded.Split("\r\n");
        Assert.That(lines[^1], Is.Empty, "ends with CRLF");
        Assert.That(lines.SkipLast(2), Has.All.Length.EqualTo(76));
        Assert.That(Base64Codec.Decode(Encoding.ASCII.GetBytes(encoded)), Is.EqualTo(data));
        Assert.That(Base64Codec.GetEncodedLength(data.Length), Is.EqualTo(encoded.Length));
    }

    [TestCase("SGVsbG8=", "Hello")]
    [TestCase("SGVs\r\nbG8=", "Hello")]
    [TestCase("SGVsbG8", "Hello")]
    [TestCase("SG Vs*bG8=", "Hello")]
    [TestCase("SGVsbG8=SGk=", "HelloHi")]
    [TestCase("", "")]
    public void Base64_decodes_leniently(string encoded, string expected) =>
        Assert.That(Encoding.ASCII.GetString(Base64Codec.Decode(Encoding.ASCII.GetBytes(encoded))), Is.EqualTo(expected));

    [Test]
    public void Encoding_choice()
    {
        Assert.That(ContentEncodings.Choose("hello\r\n"u8, isText: true), Is.EqualTo(ContentEncoding.SevenBit));
        Assert.That(ContentEncodings.Choose(Encoding.UTF8.GetBytes("Grüße aus Köln, mostly ASCII text here"), isText: true), Is.EqualTo(ContentEncoding.QuotedPrintable));
        Assert.That(ContentEncodings.Choose(Encoding.UTF8.GetBytes("日本語のテキスト"), isText: true), Is.EqualTo(ContentEncoding.Base64));
        Assert.That(ContentEncodings.Choose(Encoding.ASCII.GetBytes(new string('a', 999)), isText: true), Is.EqualTo(ContentEncoding.QuotedPrintable));
        Assert.That(ContentEncodings.Choose(Encoding.ASCII.GetBytes(new string('a', 998)), isText: true), Is.EqualTo(ContentEncoding.SevenBit));
        Assert.That(ContentEncodings.Choose(Encoding.UTF8.GetBytes("Grüße"), isText: true, ContentEncoding.EightBit), Is.EqualTo(ContentEncoding.EightBit));
        Assert.That(ContentEncodings.Choose(Encoding.UTF8.GetBytes(new string('é', 600)), isText: true, ContentEncoding.EightBit), Is.Not.EqualTo(ContentEncoding.EightBit), "a 1200-octet line cannot go as 8bit");
        Assert.That(ContentEncodings.Choose("plain ascii"u8, isText: false), Is.EqualTo(ContentEncoding.Base64));
    }
}
