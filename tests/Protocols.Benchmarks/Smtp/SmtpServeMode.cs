using System.Net;
using System.Runtime.InteropServices;
using Protocols.Servers.Smtp;

namespace Protocols.Benchmarks.Smtp;

/// <summary>
/// <c>smtp-serve-memory PORT [pool|inline]</c>: our SMTP server as <c>proto smtp serve</c> runs it (the same hosting path, transcript
/// recorded), but with the in-memory store keeping the newest 100 messages instead of the SQLite one: smtp-bench.sh
/// runs it beside <c>proto smtp serve</c> so the server's own cost shows apart from the store's. Like proto, it runs the
/// sockets as an event loop (<see cref="Protocols.Servers.Hosting.SocketEngine.UseEventLoop"/>); <c>pool</c> leaves the
/// runtime's default (completions and sessions on the thread pool, as before 2026-12-01 14:00); <c>inline</c> is
/// <c>pool</c> with Kestrel's inline scheduling alone (<see cref="SmtpServerOptions.InlineScheduling"/>). Prints "ready" when
/// listening, its counters at SIGHUP (<see cref="Profiling.ProcessCounters"/>) and, at SIGTERM or Ctrl+C, how many messages it accepted.
/// </summary>
internal static class SmtpServeMode
{
    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args.Length is < 2 or > 3 || args[0] != "smtp-serve-memory") return null;
        var mode = args.Length == 3 ? args[2] : "";
        if (mode is not ("pool" or "inline")) Protocols.Servers.Hosting.SocketEngine.UseEventLoop(); // as proto does, before the first socket
        var port = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        using var stop = new CancellationTokenSource();
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        var store = new InMemoryMessageStore(capacity: 100);
        var options = new SmtpServerOptions { Store = store, RecordTranscript = true, InlineScheduling = mode == "inline" };
        options.Limits.MaxMessageSize = 0;
        await using var server = await Protocols.Servers.Smtp.SmtpServer.StartAsync(options, new IPEndPoint(IPAddress.Loopback, port)).ConfigureAwait(false);
        using var counters = Profiling.ProcessCounters.PrintOnHangup(() => $"messages={store.TotalCount}");
        Console.WriteLine($"ready ours-memory {server.EndPoint}");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        Console.WriteLine($"accepted {store.TotalCount} messages");
        return 0;
    }
}
