using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Smtp;

namespace Protocols.Benchmarks.Smtp;

/// <summary>
/// One message per session, as <c>smtp-source</c> without <c>-d</c> sends it: greeting, EHLO, MAIL, RCPT, DATA, the
/// message, QUIT, each command waiting for its reply, over an in-memory connection pair (no sockets, no Kestrel).
/// So the cost measured (time and bytes allocated per session, client included) is the session's own: setting it up,
/// the replies, the command dispatch, the store call. <see cref="Transcript"/> is what <c>proto smtp serve</c> runs with.
/// </summary>
[MemoryDiagnoser]
public class SmtpShortSessionBenchmarks
{
    private static readonly byte[] Ehlo = "EHLO bench.example.org\r\n"u8.ToArray();
    private static readonly byte[] Mail = "MAIL FROM:<a@example.org>\r\n"u8.ToArray();
    private static readonly byte[] Rcpt = "RCPT TO:<b@example.org>\r\n"u8.ToArray();
    private static readonly byte[] Data = "DATA\r\n"u8.ToArray();
    private static readonly byte[] Quit = "QUIT\r\n"u8.ToArray();
    private byte[] _message = [];
    private SmtpServerOptions _options = null!;

    [Params(100, 10_240)]
    public int Size { get; set; }

    [Params(false, true)]
    public bool Transcript { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var body = new StringBuilder("From: <a@example.org>\r\nTo: <b@example.org>\r\nSubject: bench\r\n\r\n");
        while (body.Length < Size) body.Append("a line of text, as smtp-source sends it, 0123456789\r\n");
        _message = [.. DotStuffingWriter.Stuff(Encoding.ASCII.GetBytes(body.ToString()))];
        _options = new SmtpServerOptions { Store = new InMemoryMessageStore(capacity: 10), RecordTranscript = Transcript };
    }

    [Benchmark]
    public async Task OneMessageSession()
    {
        var (client, server) = Connection.CreatePair();
        var session = new SmtpSession(server, _options);
        var run = session.RunAsync();
        await ReplyAsync(client);
        await AskAsync(client, Ehlo);
        await AskAsync(client, Mail);
        await AskAsync(client, Rcpt);
        await AskAsync(client, Data);
        await AskAsync(client, _message);
        await AskAsync(client, Quit);
        await run;
        await session.DisposeAsync();
        await client.DisposeAsync();
    }

    /// <summary><c>smtp-session-loop COUNT SIZE [transcript]</c>: COUNT sessions in a loop, then the bytes allocated
    /// per session (for <c>alloc-profile</c>, which says by which types).</summary>
    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args.Length is < 3 or > 4 || args[0] != "smtp-session-loop") return null;
        var count = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var bench = new SmtpShortSessionBenchmarks { Size = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), Transcript = args.Length == 4 };
        bench.Setup();
        for (var i = 0; i < 1000; i++) await bench.OneMessageSession();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++) await bench.OneMessageSession();
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Console.WriteLine(FormattableString.Invariant($"sessions={count} usPerSession={elapsed.TotalMicroseconds / count:0.0} allocPerSession={allocated / count}"));
        return 0;
    }

    private static async Task AskAsync(Connection client, byte[] command)
    {
        await client.Writer.WriteAsync(command);
        await ReplyAsync(client);
    }

    // Reads reply lines up to the last one of the reply ("250 " rather than "250-").
    private static async Task ReplyAsync(Connection client)
    {
        while (await client.Reader.ReadLineAsync() is { } line)
        {
            if (line.Length < 4) throw new InvalidOperationException("short reply");
            var fourth = line.Slice(3, 1).FirstSpan[0];
            if (fourth == (byte)' ') return;
        }
        throw new InvalidOperationException("the server closed early");
    }
}
