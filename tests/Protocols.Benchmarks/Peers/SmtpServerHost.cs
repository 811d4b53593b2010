using System.Buffers;
using System.Net;
using System.Runtime.InteropServices;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Protocols.Benchmarks.Peers;

/// <summary>
/// <c>smtpserver-sink PORT</c>: cosullivan's SmtpServer (NuGet SmtpServer 11.1.0) with a store that counts and
/// discards, the peer smtp-bench.sh runs beside ours. Prints "ready" when listening, its counters at SIGHUP; stops on SIGTERM or Ctrl+C and
/// prints how many messages it accepted.
/// </summary>
internal static class SmtpServerHost
{
    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args.Length != 2 || args[0] != "smtpserver-sink") return null;
        var port = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        using var stop = new CancellationTokenSource();
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, port)))
            .Build();
        var store = new DiscardStore();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(store);
        var server = new SmtpServer.SmtpServer(options, services);
        var running = server.StartAsync(stop.Token);
        using var counters = Profiling.ProcessCounters.PrintOnHangup(() => $"messages={store.Count}");
        Console.WriteLine($"ready smtpserver 127.0.0.1:{port}");
        try
        {
            await running.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        Console.WriteLine($"accepted {store.Count} messages");
        return 0;
    }

    private sealed class DiscardStore : MessageStore
    {
        private long _count;
        public long Count => Interlocked.Read(ref _count);

        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
