using System.Diagnostics;
using System.Globalization;
using System.Text;
using Protocols.Servers.Mail;
using Protocols.Servers.Mail.Sqlite;

namespace Protocols.Benchmarks.Mail;

/// <summary>
/// <c>store-append SIZE COUNT durable|temp [KEEP]</c>: the SQLite store alone, in process: 20 appenders (as 20 SMTP sessions,
/// each with one message in flight) append COUNT messages of about SIZE bytes (header fields as smtp-source writes them,
/// a body of words, a session transcript), after 5,000 warm-up. Prints appends/s, process CPU and bytes allocated per
/// append, and messages per commit: the store's own cost without the SMTP dialogue and its sockets, so an A/B of two
/// builds (store-bench.sh, step 0) shows the store's change above the noise of a shared machine. KEEP: retention as
/// <c>--keep KEEP</c> (the smtp-bench row's <c>proto smtp serve --keep 100</c>: every commit prunes as many as it adds).
/// </summary>
internal static class StoreAppendMode
{
    private const int Appenders = 20;

    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args.Length is not (4 or 5) || args[0] != "store-append") return null;
        var size = int.Parse(args[1], CultureInfo.InvariantCulture);
        var count = int.Parse(args[2], CultureInfo.InvariantCulture);
        var durable = args[3] == "durable";
        var retention = args.Length == 5 ? new MailRetention(Keep: int.Parse(args[4], CultureInfo.InvariantCulture)) : MailRetention.None;
        var body = new StringBuilder();
        while (body.Length < size) body.Append("La de da de da ").Append(body.Length).Append(".\r\n");
        var raw = Encoding.ASCII.GetBytes("From: <w@example.org>\r\nTo: <w@example.org>\r\nDate: Tue, 1 Dec 2026 18:00:00 +0000\r\n"
            + $"Message-Id: <bench@example.org>\r\nSubject: test\r\n\r\n{body}");
        var session = new MailSessionFacts("127.0.0.1:1", "bench", Transcript: "EHLO bench\r\n250 ok\r\nMAIL FROM:<w@example.org>\r\n250 ok\r\n");
        var directory = Directory.CreateTempSubdirectory("proto-store-append-").FullName;
        try
        {
            await using var store = await SqliteMailStore.OpenAsync(directory, new SqliteMailStoreOptions { Durable = durable, Retention = retention }).ConfigureAwait(false);
            await AppendAsync(store, raw, session, 5000).ConfigureAwait(false);
            var (batches0, messages0, _) = store.CommitCounts;
            using var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var watch = Stopwatch.StartNew();
            await AppendAsync(store, raw, session, count).ConfigureAwait(false);
            watch.Stop();
            process.Refresh();
            var (batches, messages, _) = store.CommitCounts;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"store-append {raw.Length} B x {count} ({(durable ? "durable" : "temp")}{(retention.Keep is { } keep ? $", --keep {keep}" : "")}): {count / watch.Elapsed.TotalSeconds:F0} appends/s, "
                + $"{(process.TotalProcessorTime - cpu).TotalMicroseconds / count:F1} us CPU/append, {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / count} B allocated/append, "
                + $"{(double)(messages - messages0) / (batches - batches0):F1} messages/commit"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
        return 0;
    }

    private static async Task AppendAsync(SqliteMailStore store, byte[] raw, MailSessionFacts session, int count)
    {
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, Appenders).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= count)
                await store.AppendAsync(new MailToAppend(raw, "w@example.org", ["w@example.org"]) { Session = session }).ConfigureAwait(false);
        }))).ConfigureAwait(false);
    }
}
