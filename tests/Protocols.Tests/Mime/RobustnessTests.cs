using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Protocols.Mime;

namespace Protocols.Tests.Mime;

/// <summary>Hostile and mutated input: a best-effort message or a MimeFormatException, never anything else.</summary>
public class RobustnessTests
{
    private static readonly string[] Fixtures = MailFixtures.All().ToArray();

    private static bool ParsesOrRefuses(byte[] data)
    {
        MimeMessage message;
        try
        {
            message = MimeParser.Parse(data);
        }
        catch (MimeFormatException)
        {
            return true;
        }

        _ = message.Subject;
        _ = message.From.Count + message.To.Count;
        _ = message.Date;
        _ = message.TextBody;
        _ = message.HtmlBody;
        foreach (var part in message.BodyParts.OfType<MimePart>())
        {
            _ = part.FileName;
            _ = part.GetText();
        }

        WireAssert.IsWellFormed(message.ToBytes());
        return true;
    }

    [Test]
    public void Mutated_fixtures_never_crash()
    {
        var mutations = Gen.Choose(0, 1 << 20).Two().Select(t => (Position: t.Item1, Value: (byte)t.Item2)).ListOf();
        var cases = Gen.Choose(0, Fixtures.Length - 1).Zip(mutations).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(400), Prop.ForAll(cases, c =>
        {
            var data = MailFixtures.Read(Fixtures[c.Item1]);
            foreach (var (position, value) in c.Item2)
            {
                data[position % data.Length] = value;
            }

            return ParsesOrRefuses(data);
        }));
    }

    [Test]
    public void Random_bytes_never_crash() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(400), Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), ParsesOrRefuses));

    [Test]
    public void Random_header_text_never_crashes() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(400), Prop.ForAll(ArbMap.Default.ArbFor<string>(), text =>
        {
            var clean = (text ?? string.Empty).Replace('\r', ' ').Replace('\n', ' ');
            _ = EncodedWords.Decode(clean);
            _ = AddressList.Parse(clean);
            _ = ContentType.Parse(clean);
            _ = ContentDisposition.Parse(clean);
            _ = MailDate.TryParse(clean, out _);
            _ = MailboxAddress.TryParse(clean, out _);
            return true;
        }));

    private static string Repeat(string unit, int totalLength) =>
        new StringBuilder(totalLength + unit.Length).Insert(0, unit, totalLength / unit.Length).ToString();

    // Inputs that cost quadratic time in a naive parser; each must finish (about 1 MB each).
    [TestCase("=?")]
    [TestCase("=?a?q?x")]
    [TestCase("=?utf-8?q?x ")]
    [TestCase("=?utf-8?q?x?=")]
    public void Hostile_encoded_words_are_linear(string unit)
    {
        var text = Repeat(unit, 1 << 20);
        Assert.That(EncodedWords.Decode(text).Length, Is.GreaterThan(0));
    }

    [TestCase("<@")]
    [TestCase("(")]
    [TestCase("\"")]
    [TestCase("a@")]
    [TestCase("[")]
    [TestCase(":")]
    [TestCase("x <")]
    public void Hostile_address_lists_finish(string unit) =>
        Assert.That(AddressList.Parse(Repeat(unit, 1 << 20)).Count, Is.LessThanOrEqualTo(1 << 20));

    [TestCase("; a*0*=x")]
    [TestCase("; a=\"")]
    [TestCase(";")]
    public void Hostile_parameters_finish(string unit) =>
        Assert.That(ContentType.Parse("text/plain" + Repeat(unit, 1 << 18)).MimeType, Is.EqualTo("text/plain"));

    [Test]
    public void Many_false_boundaries_finish()
    {
        var body = Repeat("--b-not\r\n x--b\r\n", 1 << 20);
        var data = Encoding.ASCII.GetBytes("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n" + body + "--b--\r\n");
        var message = MimeParser.Parse(data);
        Assert.That(((Multipart)message.Body!).Count, Is.EqualTo(1));
    }

    [Test]
    public void Huge_folded_header_finishes()
    {
        var data = Encoding.ASCII.GetBytes("Subject: " + Repeat("=?utf-8?q?a?=\r\n ", 1 << 20) + "\r\n\r\nbody");
        Assert.That(MimeParser.Parse(data).Subject, Does.StartWith("aaaa"));
    }
}
