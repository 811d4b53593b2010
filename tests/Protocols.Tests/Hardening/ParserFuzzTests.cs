using System.Buffers;
using Protocols.Ftp.Listing;
using Protocols.Http;
using Protocols.Net;
using Protocols.Servers.MailUi;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Hardening;

/// <summary>Fuzzes the parsers above the foundation: MIME, FTP listings, HTTP response heads and chunked bodies.
/// The invariant for each: only its typed errors, no hang, nothing held past the configured limits.</summary>
public class ParserFuzzTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>MimeKit through our one door (<see cref="MailParser"/>) and the mail page's view of it: the view
    /// never throws, and what MimeKit writes back parses again.</summary>
    [Test]
    public void Mime_view_never_throws_and_what_mimekit_writes_parses_again()
    {
        var seeds = Seeds.Mime.Concat(Seeds.Fixtures(".eml")).ToArray();
        Fuzz.Check("MIME (MimeKit) view", seeds, input =>
        {
            var view = MailView.Parse(input);
            _ = (view.Subject, view.From, view.To, view.Text, view.Html, view.Body);
            foreach (var attachment in view.Attachments) _ = attachment.Content.Length;
            _ = MailView.HeadersOnly(input).Subject;
            var message = MailParser.Load(input);
            using var written = new MemoryStream();
            message.WriteTo(written);
            MailParser.Load(written.ToArray());
            return Task.CompletedTask;
        }, e => e is FormatException);
    }

    [TestCase(FtpListFormat.Auto)]
    [TestCase(FtpListFormat.Unix)]
    [TestCase(FtpListFormat.Mlsd)]
    [TestCase(FtpListFormat.Dos)]
    public void Ftp_listing_parser_only_throws_typed_errors_whole_or_streamed(FtpListFormat format)
    {
        var seeds = Seeds.Fixtures(".list.txt", ".list-a.txt", ".mlsd.txt", ".mlst.txt").ToArray();
        Assert.That(seeds, Has.Length.GreaterThanOrEqualTo(4), "the FTP listing fixtures are missing");
        var now = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
        Fuzz.Check($"FTP listing parser ({format})", seeds, input =>
        {
            var whole = FtpListParser.Parse(input, format, now);
            // The same bytes streamed in 61-byte deliveries must give the same entries.
            var streamed = new List<FtpListItem>();
            var buffered = Array.Empty<byte>();
            for (var i = 0; i < input.Length; i += 61)
            {
                buffered = [.. buffered, .. input.AsSpan(i, Math.Min(61, input.Length - i))];
                var sequence = new ReadOnlySequence<byte>(buffered);
                var consumed = FtpListParser.Parse(sequence, isFinal: false, format, now, streamed);
                buffered = sequence.Slice(consumed).ToArray();
            }
            FtpListParser.Parse(new ReadOnlySequence<byte>(buffered), isFinal: true, format, now, streamed);
            if (streamed.Count != whole.Count)
                throw new InvalidOperationException($"streamed parse gave {streamed.Count} entries, whole parse {whole.Count}");
            foreach (var item in whole)
                if (string.IsNullOrEmpty(item.Name)) throw new InvalidOperationException("an entry without a name");
            return Task.CompletedTask;
        }, e => e is InvalidDataException);
    }

    [Test]
    public void Http_client_on_fuzzed_responses_only_throws_typed_errors() =>
        Fuzz.Check("HTTP client response heads and bodies", Seeds.HttpResponses, ServeOnceAsync, AllowedHttpError);

    [Test]
    public void Http_client_on_fuzzed_chunked_bodies_only_throws_typed_errors() =>
        Fuzz.Check("HTTP client chunked bodies", Seeds.ChunkedBodies, ServeOnceAsync, AllowedHttpError);

    [Test]
    public void Http_response_head_parser_on_raw_buffers_only_throws_typed_errors() =>
        Fuzz.Check("HTTP response head parser (pure)", Seeds.HttpResponses.Concat(Seeds.ChunkedBodies).ToArray(), input =>
        {
            var parser = new ResponseHeadParser(maxLineLength: 256, maxHeadLength: 2048, maxHeaderCount: 20, acceptBareLf: true);
            var sequence = new ReadOnlySequence<byte>(input);
            var consumed = sequence.Start;
            var examined = sequence.End;
            if (parser.TryParseMessage(sequence, ref consumed, ref examined, out _) && sequence.Slice(sequence.Start, consumed).Length > 2048)
                throw new InvalidOperationException("a head longer than the limit was accepted");
            return Task.CompletedTask;
        }, e => e is ProtocolException);

    private static bool AllowedHttpError(Exception e) => e is ProtocolException or InvalidDataException;

    /// <summary>One request through the client over an in-memory connection whose server answers with <paramref name="response"/> and closes.</summary>
    private static async Task ServeOnceAsync(byte[] response)
    {
        var (clientEnd, serverEnd) = Connection.CreatePair();
        var options = new HttpClientOptions
        {
            ConnectCallback = (_, _) => ValueTask.FromResult(clientEnd),
            FollowRedirects = false,
            Timeout = Wait,
            ReadTimeout = Wait,
            MaxHeadLength = 4096,
            MaxLineLength = 1024,
            MaxHeaderCount = 50,
        };
        var serving = Task.Run(async () =>
        {
            await using (serverEnd)
            {
                await serverEnd.Reader.ReadUntilAsync("\r\n\r\n"u8.ToArray(), 8192);
                await serverEnd.Writer.WriteAsync(response);
                await serverEnd.CloseAsync();
            }
        });
        try
        {
            await using var client = new Http1Client(options);
            await using var reply = await client.SendAsync(new HttpRequest("GET", "http://fuzz.test/"));
            var body = await reply.ReadAsBytesAsync(maxLength: 1024 * 1024);
            if (!reply.IsDecoded && body.Length > response.Length) throw new InvalidOperationException("more body bytes than the server sent");
        }
        finally
        {
            await clientEnd.DisposeAsync();
            // The scripted server's own outcome does not matter (the client may hang up first); it must end, though.
            if (await Task.WhenAny(serving, Task.Delay(Wait)) != serving) throw new TimeoutException("the scripted server did not finish");
        }
    }
}
