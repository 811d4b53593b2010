using Protocols.Mime;

namespace Protocols.Tests.Mime;

public class EncodedWordTests
{
    [TestCase("=?utf-8?q?caf=C3=A9?=", "café")]
    [TestCase("=?UTF-8?B?Y2Fmw6k=?=", "café")]
    [TestCase("=?iso-8859-1?q?caf=E9?=", "café")]
    [TestCase("=?utf-8?q?a?= =?utf-8?q?b?=", "ab")]
    [TestCase("=?utf-8?q?a?=\t  =?utf-8?q?b?=", "ab")]
    [TestCase("=?utf-8?q?a?= plain =?utf-8?q?b?=", "a plain b")]
    [TestCase("plain =?utf-8?q?b?= tail", "plain b tail")]
    [TestCase("=?utf-8?q?hello_world?=", "hello world")]
    [TestCase("=?utf-8*en?q?lang?=", "lang")]
    [TestCase("=?utf-8?x?bad?=", "=?utf-8?x?bad?=")]
    [TestCase("=?utf-8?q?unterminated", "=?utf-8?q?unterminated")]
    [TestCase("=?utf-8?q?has space?=", "=?utf-8?q?has space?=")]
    [TestCase("=?x-unknown?q?caf=C3=A9?=", "café")]
    [TestCase("=?x-unknown?q?caf=E9?=", "café")]
    [TestCase("a=?utf-8?q?b?=c", "abc")]
    [TestCase("no words here", "no words here")]
    public void Decodes(string input, string expected) => Assert.That(EncodedWords.Decode(input), Is.EqualTo(expected));

    [Test]
    public void A_character_split_across_two_words_survives()
    {
        // "é" is C3 A9: the first word ends after C3, the second starts with A9.
        Assert.That(EncodedWords.Decode("=?utf-8?q?caf=C3?= =?utf-8?q?=A9!?="), Is.EqualTo("café!"));
        Assert.That(EncodedWords.Decode("=?utf-8?b?w6k=?= =?utf-8?b?w6k=?="), Is.EqualTo("éé"));
    }

    [TestCase("Hello")]
    [TestCase("Grüße aus Köln")]
    [TestCase("日本語のテキストとEnglish words mixed together in a rather long subject line that must be folded")]
    [TestCase("emoji 😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀 end")]
    [TestCase("looks like =?utf-8?q?x?= a word")]
    [TestCase("  leading and trailing  ")]
    [TestCase("Ünïcödé  double  spaces")]
    public void Encode_then_decode_is_identity(string text)
    {
        var encoded = EncodedWords.EncodeUnstructured(text, "Subject: ".Length);
        Assert.That(EncodedWords.Decode(encoded), Is.EqualTo(text));
        Assert.That(encoded.All(c => c < 128), Is.True);
        foreach (var word in encoded.Split(' ').Where(w => w.StartsWith("=?", StringComparison.Ordinal)))
        {
            Assert.That(word, Has.Length.LessThanOrEqualTo(EncodedWords.MaxWordLength));
        }
    }

    [Test]
    public void Plain_ascii_stays_readable()
    {
        Assert.That(EncodedWords.EncodeUnstructured("Hello world"), Is.EqualTo("Hello world"));
        Assert.That(EncodedWords.EncodeUnstructured("Hello wörld"), Does.StartWith("Hello =?utf-8?"));
    }

    [Test]
    public void Folded_subject_lines_fit_76()
    {
        var subject = string.Concat(Enumerable.Repeat("Größenänderung ", 20));
        var message = new MimeMessage { Subject = subject };
        var text = System.Text.Encoding.ASCII.GetString(message.ToBytes());
        var lines = text.Split("\r\n");
        var start = Array.FindIndex(lines, l => l.StartsWith("Subject:", StringComparison.Ordinal));
        var end = Array.FindIndex(lines, start + 1, l => !l.StartsWith(' '));
        Assert.That(end - start, Is.GreaterThan(3), "folded over several lines");
        foreach (var line in lines[start..end])
        {
            Assert.That(line.Length, Is.LessThanOrEqualTo(76), line);
        }

        Assert.That(MimeParser.Parse(message.ToBytes()).Subject, Is.EqualTo(subject));
    }
}
