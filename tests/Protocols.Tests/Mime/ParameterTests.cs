using Protocols.Mime;

namespace Protocols.Tests.Mime;

public class ParameterTests
{
    [Test]
    public void Content_type_parses_parameters()
    {
        var type = ContentType.Parse("Text/HTML; charset=\"UTF-8\"; format=flowed (comment); name=\"a \\\"b\\\".html\"");
        Assert.That(type.MimeType, Is.EqualTo("text/html"));
        Assert.That(type.Charset, Is.EqualTo("UTF-8"));
        Assert.That(type.Parameters["FORMAT"], Is.EqualTo("flowed"));
        Assert.That(type.Name, Is.EqualTo("a \"b\".html"));
    }

    [TestCase("")]
    [TestCase("garbage")]
    [TestCase("/")]
    [TestCase("text/")]
    public void Bad_content_type_defaults_to_text_plain(string value) =>
        Assert.That(ContentType.Parse(value).MimeType, Is.EqualTo("text/plain"));

    [Test]
    public void Rfc2231_decodes_charset_and_continuations()
    {
        var disposition = ContentDisposition.Parse("attachment; filename*0*=iso-8859-1'de'M%FCller; filename*1=\" Bericht\"; filename*2*=%2Epdf");
        Assert.That(disposition.FileName, Is.EqualTo("Müller Bericht.pdf"));
        Assert.That(disposition.IsAttachment, Is.True);
    }

    [Test]
    public void Rfc2231_sections_out_of_order_are_sorted()
    {
        var disposition = ContentDisposition.Parse("attachment; filename*1=\"b.txt\"; filename*0=\"a\"");
        Assert.That(disposition.FileName, Is.EqualTo("ab.txt"));
    }

    [Test]
    public void Rfc2047_in_quoted_filename_is_decoded()
    {
        var disposition = ContentDisposition.Parse("attachment; filename=\"=?UTF-8?B?w6nDqS5wZGY=?=\"");
        Assert.That(disposition.FileName, Is.EqualTo("éé.pdf"));
    }

    [Test]
    public void Unquoted_value_with_spaces_is_tolerated()
    {
        Assert.That(ContentDisposition.Parse("attachment; filename=my file.txt").FileName, Is.EqualTo("my file.txt"));
    }

    [Test]
    public void Non_ascii_values_are_written_rfc2231_and_read_back()
    {
        var disposition = new ContentDisposition { FileName = "Résumé.pdf" };
        Assert.That(disposition.ToString(), Is.EqualTo("attachment; filename*=utf-8''R%C3%A9sum%C3%A9.pdf"));
        Assert.That(ContentDisposition.Parse(disposition.ToString()).FileName, Is.EqualTo("Résumé.pdf"));
    }

    [Test]
    public void Long_values_are_split_into_sections_without_breaking_escapes()
    {
        var name = string.Concat(Enumerable.Repeat("Überweisungsbestätigung ", 8)).Trim() + ".pdf";
        var value = new ContentDisposition { FileName = name }.ToString();
        Assert.That(value, Does.Contain("filename*0*=utf-8''").And.Contain("filename*3*="));
        Assert.That(value.Split(';').All(s => s.Length < 80), Is.True);
        Assert.That(ContentDisposition.Parse(value).FileName, Is.EqualTo(name));
    }

    [Test]
    public void Values_with_specials_are_quoted()
    {
        var type = new ContentType("multipart", "mixed") { Boundary = "=_abc" };
        Assert.That(type.ToString(), Is.EqualTo("multipart/mixed; boundary=\"=_abc\""));
        type.Name = "a\"b";
        Assert.That(ContentType.Parse(type.ToString()).Name, Is.EqualTo("a\"b"));
    }
}
