using System.Buffers;
using System.Text;
using Protocols.Lines;
using Protocols.Net;

namespace Protocols.Tests.Hardening;

/// <summary>Fuzzes the foundation's parsers: replies, command lines, dot-stuffed data, lines. Only typed errors, no hang, bounded memory.</summary>
public class FoundationFuzzTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static readonly byte[][] ReplySeeds =
    [
        B("220 mail.test ESMTP ready\r\n"),
        B("250-mail.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"),
        B("211-Features:\r\n MDTM\r\n REST STREAM\r\n211 End\r\n"),
        B("550 5.1.1 <x@y>: no such user\r\n"),
        B("354\r\n"),
    ];

    private static bool Typed(Exception e) => e is ProtocolException;

    /// <summary>Feeds the bytes through an in-memory connection and closes, so parsers see a real end of stream.</summary>
    private static async Task<Connection> FeedAsync(byte[] input, int chunk = 7)
    {
        var (client, server) = Connection.CreatePair();
        for (var i = 0; i < input.Length; i += chunk) await client.Writer.WriteAsync(input.AsMemory(i, Math.Min(chunk, input.Length - i)));
        await client.CloseAsync();
        await client.DisposeAsync();
        return server;
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Reply_parser_only_throws_typed_errors(bool strict) =>
        Fuzz.Check($"reply parser (strict: {strict})", ReplySeeds, async input =>
        {
            await using var server = await FeedAsync(input);
            for (var i = 0; i < 20; i++) await ReplyReader.ReadAsync(server.Reader, strict, parseEnhancedCodes: true, maxBytes: 4096);
        }, e => Typed(e));

    [Test]
    public void Reply_parser_on_raw_buffers_only_throws_typed_errors() =>
        Fuzz.Check("reply parser (pure)", ReplySeeds, input =>
        {
            var sequence = new ReadOnlySequence<byte>(input);
            var consumed = sequence.Start;
            var examined = sequence.End;
            new ReplyParser(strict: true, parseEnhancedCodes: true, maxLines: 50).TryParseMessage(sequence, ref consumed, ref examined, out _);
            return Task.CompletedTask;
        }, Typed);

    [Test]
    public void Command_lines_never_throw() =>
        Fuzz.Check("command line", [B("MAIL FROM:<a@b> SIZE=10"), B("RCPT TO:<x@y>"), B("XSHA256 /a b"), B("")], async input =>
        {
            await using var server = await FeedAsync(input);
            server.Reader.MaxLineLength = 512;
            while (true)
            {
                ReadOnlySequence<byte>? line;
                try
                {
                    line = await server.Reader.ReadLineAsync();
                }
                catch (LineTooLongException)
                {
                    await server.Reader.DiscardLineAsync();
                    continue;
                }
                if (line is not { } l) break;
                if (CommandLine.TryParse(l.ToArray(), out var verb, out _)) _ = CommandLine.VerbToString(verb);
            }
        }, Typed);

    [Test]
    public void Dot_stuffed_reader_only_throws_typed_errors_and_stores_no_more_than_the_limit() =>
        Fuzz.Check("dot-stuffed data", [B("Subject: x\r\n\r\nbody\r\n..dot\r\n.\r\n"), B("a\n.\nb\r\n.\r\n"), B(".\r\n")], async input =>
        {
            await using var server = await FeedAsync(input, chunk: 3);
            var sink = new MemoryStream();
            var result = await DotStuffedReader.ReadAsync(server.Reader, sink, new DotReaderOptions { MaxSize = 100 });
            if (sink.Length > 100) throw new InvalidOperationException($"stored {sink.Length} bytes past a limit of 100");
            if (result.Size < sink.Length) throw new InvalidOperationException("size under-counted");
        }, Typed);
}
