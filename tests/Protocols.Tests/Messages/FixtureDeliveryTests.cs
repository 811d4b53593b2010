using MimeKit;
using Protocols.Servers.Smtp;
using Protocols.Servers.Testing;
using Protocols.Smtp;

namespace Protocols.Tests.Messages;

/// <summary>Every fixture through our SMTP client and our server, byte for byte, as raw bytes (DATA and BDAT) and
/// as a MimeKit message; what arrived parses in MimeKit to the same parts as the file.</summary>
public class FixtureDeliveryTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(10);

    private static IEnumerable<string> Names() => MailFixtures.All();

    private static IEnumerable<string> Shape(MimeMessage message) =>
        message.BodyParts.Select(p => $"{p.ContentType.MimeType} {(p as MimePart)?.FileName}");

    private static byte[] WithCrlf(byte[] raw) =>
        System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(raw).ReplaceLineEndings("\r\n"));

    [TestCaseSource(nameof(Names))]
    public async Task Raw_bytes_arrive_byte_for_byte_over_data_and_bdat(string name)
    {
        var raw = MailFixtures.Read(name);
        await using var smtp = await SmtpTestServer.StartAsync();
        foreach (var chunking in new[] { false, true })
        {
            await using var client = new SmtpClient { PreferChunking = chunking };
            await client.ConnectAsync(smtp.Host, smtp.Port, SmtpEncryption.None).WaitAsync(T);
            await client.SendAsync(raw, "a@example.org", ["b@example.org"]).WaitAsync(T);
            await client.DisconnectAsync().WaitAsync(T);
        }
        Assert.That(smtp.Messages, Has.Count.EqualTo(2));
        var expected = MailParser.Load(raw);
        for (var i = 0; i < 2; i++)
        {
            var received = smtp.Messages[i];
            // DATA needs CRLF lines (RFC 5321 §2.3.8): the client repairs an LF-only file there; BDAT sends it as is.
            Assert.That(received.Raw.ToArray(), Is.EqualTo(i == 0 && name == "lf-only.eml" ? WithCrlf(raw) : raw));
            Assert.That(Shape(received.Message), Is.EqualTo(Shape(expected)));
            Assert.That(received.Message.Subject, Is.EqualTo(expected.Subject));
            Assert.That(received.Message.TextBody?.ReplaceLineEndings(), Is.EqualTo(expected.TextBody?.ReplaceLineEndings()));
        }
    }

    [TestCaseSource(nameof(Names))]
    public async Task A_mimekit_message_of_each_fixture_arrives_as_mimekit_writes_it(string name)
    {
        var raw = MailFixtures.Read(name);
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var client = new SmtpClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, SmtpEncryption.None).WaitAsync(T);
        var message = MimeMessage.Load(new MemoryStream(raw));
        await client.SendAsync(message, MailboxAddress.Parse("a@example.org"), [MailboxAddress.Parse("b@example.org")]).WaitAsync(T);
        var received = await smtp.WaitForMessageAsync(T);
        // Unchanged and with CRLF line ends, MimeKit writes the file as it was; an LF-only file gets CRLF, and a
        // multipart left open gets a line end after its last part.
        var expected = name switch
        {
            "lf-only.eml" => WithCrlf(raw),
            "missing-final-boundary.eml" => [.. raw, .. "\r\n"u8],
            _ => raw,
        };
        Assert.That(received.Raw.ToArray(), Is.EqualTo(expected));
        WireAssert.IsWellFormed(received.Raw.ToArray());
        Assert.That(Shape(received.Message), Is.EqualTo(Shape(message)));
    }
}
