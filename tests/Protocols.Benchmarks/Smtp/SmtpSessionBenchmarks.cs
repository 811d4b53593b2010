using System.Text;
using BenchmarkDotNet.Attributes;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Smtp;

namespace Protocols.Benchmarks.Smtp;

/// <summary>
/// The server session alone, no sockets: 100 pipelined messages per operation over an in-memory connection pair,
/// so the cost measured is parsing, state, DATA unstuffing and the in-memory store.
/// </summary>
[MemoryDiagnoser]
public class SmtpSessionBenchmarks
{
    private const int Messages = 100;
    private byte[] _script = [];

    [Params(100, 10_240)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var body = new StringBuilder("Subject: bench\r\n\r\n");
        while (body.Length < Size) body.Append(".dotted line of text to be unstuffed by the server\r\n");
        var data = DotStuffingWriter.Stuff(Encoding.ASCII.GetBytes(body.ToString()));
        var one = Encoding.ASCII.GetBytes("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n").Concat(data).ToArray();
        _script = Encoding.ASCII.GetBytes("EHLO bench\r\n")
            .Concat(Enumerable.Repeat(one, Messages).SelectMany(x => x))
            .Concat(Encoding.ASCII.GetBytes("QUIT\r\n")).ToArray();
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task PipelinedMessages()
    {
        var (client, server) = Connection.CreatePair();
        var options = new SmtpServerOptions { Store = new InMemoryMessageStore(capacity: 10) };
        var session = new SmtpSession(server, options);
        var run = session.RunAsync();
        var write = client.Writer.WriteAsync(_script);
        // Read and drop every reply until the server closes.
        while (true)
        {
            var chunk = await client.Reader.ReadAvailableAsync(64 * 1024);
            if (chunk.IsEmpty) break;
        }
        await write;
        await run;
        await session.DisposeAsync();
        await client.DisposeAsync();
    }
}
