using System.Text;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Smtp;

/// <summary>
/// Replays a client transcript from fixtures/smtp into a session, delivered whole, line by line and byte by byte;
/// the reply codes and the stored message must be the same every time.
/// </summary>
public class SmtpTranscriptReplayTests
{
    public enum Delivery { Whole, LineByLine, ByteByByte }

    [TestCase(Delivery.Whole)]
    [TestCase(Delivery.LineByLine)]
    [TestCase(Delivery.ByteByByte)]
    public async Task PipelinedSession(Delivery delivery)
    {
        var dir = SmtpPeerServer.FixturesDirectory();
        var input = await File.ReadAllBytesAsync(Path.Combine(dir, "session-pipelined.client.txt"));
        var expected = (await File.ReadAllLinesAsync(Path.Combine(dir, "session-pipelined.codes.txt"))).Select(int.Parse).ToArray();

        var store = new InMemoryMessageStore();
        var (client, server) = Connection.CreatePair();
        var session = new SmtpSession(server, new SmtpServerOptions { Store = store });
        var run = session.RunAsync();
        await using (client)
        await using (session)
        {
            var sending = Task.Run(async () =>
            {
                foreach (var chunk in Chunks(input, delivery))
                {
                    await client.Writer.WriteAsync(chunk);
                }
            });
            var codes = new List<int>();
            for (var i = 0; i < expected.Length; i++)
            {
                codes.Add((await ReplyReader.ReadAsync(client.Reader).AsTask().WaitAsync(SmtpSessionHarness.Timeout)).Code);
            }
            await sending.WaitAsync(SmtpSessionHarness.Timeout);
            await run.WaitAsync(SmtpSessionHarness.Timeout);
            Assert.That(codes, Is.EqualTo(expected));
        }
        var m = store.Messages.Single();
        Assert.That(m.To, Is.EqualTo(new[] { "bob@example.org", "carol@example.org" }));
        Assert.That(m.RawText, Is.EqualTo(
            "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: transcript\r\n\r\n.a stuffed dot\r\nline with bare LF\nstill the same message\r\n"));
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Chunks(byte[] input, Delivery delivery)
    {
        switch (delivery)
        {
            case Delivery.Whole:
                yield return input;
                break;
            case Delivery.ByteByByte:
                for (var i = 0; i < input.Length; i++) yield return input.AsMemory(i, 1);
                break;
            default:
                var start = 0;
                for (var i = 0; i < input.Length; i++)
                {
                    if (input[i] != (byte)'\n') continue;
                    yield return input.AsMemory(start, i + 1 - start);
                    start = i + 1;
                }
                if (start < input.Length) yield return input.AsMemory(start);
                break;
        }
    }
}
