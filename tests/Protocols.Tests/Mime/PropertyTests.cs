using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Protocols.Mime;

namespace Protocols.Tests.Mime;

public class PropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(300);

    // Strings over a mixed alphabet: ASCII, whitespace, line breaks, Latin-1, CJK and astral characters.
    private static Arbitrary<string> Text()
    {
        var chars = Gen.Frequency(
            (6, Gen.Choose(32, 126).Select(i => ((char)i).ToString())),
            (1, Gen.Elements(" ", "\t", "\r\n", "\n", "=", "?", "_", "=?", "?=")),
            (2, Gen.Choose(0xA0, 0x17F).Select(i => ((char)i).ToString())),
            (1, Gen.Choose(0x4E00, 0x4FFF).Select(i => ((char)i).ToString())),
            (1, Gen.Elements("😀", "𝄞", "👍🏽")));
        return chars.ListOf().Select(list => string.Concat(list)).ToArbitrary();
    }

    private static Arbitrary<byte[]> Bytes() => ArbMap.Default.ArbFor<byte[]>();

    [Test]
    public void Base64_round_trips() =>
        Check.One(Config, Prop.ForAll(Bytes(), data => Base64Codec.Decode(Base64Codec.Encode(data)).AsSpan().SequenceEqual(data)));

    [Test]
    public void Quoted_printable_round_trips_text()
    {
        Check.One(Config, Prop.ForAll(Text(), text =>
        {
            var normalized = text.ReplaceLineEndings("\r\n");
            var bytes = Encoding.UTF8.GetBytes(normalized);
            var encoded = QuotedPrintableCodec.Encode(bytes);
            var lines = Encoding.ASCII.GetString(encoded).Split("\r\n");
            return QuotedPrintableCodec.Decode(encoded).AsSpan().SequenceEqual(bytes) && lines.All(l => l.Length <= 76);
        }));
    }

    [Test]
    public void Encoded_words_round_trip() =>
        Check.One(Config, Prop.ForAll(Text(), text =>
        {
            var line = text.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
            return EncodedWords.Decode(EncodedWords.EncodeUnstructured(line, 9)) == line;
        }));

    [Test]
    public void Rfc2231_parameters_round_trip() =>
        Check.One(Config, Prop.ForAll(Text(), text =>
        {
            var name = text.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
            if (name.Length == 0)
            {
                return true;
            }

            var disposition = new ContentDisposition { FileName = name };
            return ContentDisposition.Parse(disposition.ToString()).FileName == name;
        }));

    [Test]
    public void Messages_round_trip() =>
        Check.One(Config.WithMaxTest(100), Prop.ForAll(Text(), Text(), Bytes(), (subject, body, attachment) =>
        {
            var line = subject.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Trim();
            var builder = new BodyBuilder { TextBody = body, HtmlBody = "<p>" + body + "</p>" };
            builder.Attachments.Add("data.bin", attachment);
            var message = new MimeMessage { Subject = line, Body = builder.ToMessageBody() };
            message.From.Add(line, "from@example.org");
            var bytes = message.ToBytes();
            WireAssert.IsWellFormed(bytes);
            var parsed = MimeParser.Parse(bytes);
            var expectedName = string.IsNullOrWhiteSpace(line) ? null : line.Trim();
            return parsed.Subject == (line.Length == 0 ? string.Empty : line) &&
                parsed.From.Single().Name == expectedName &&
                parsed.TextBody == body.ReplaceLineEndings("\r\n") &&
                parsed.Attachments.Single().Content.Span.SequenceEqual(attachment);
        }));
}
