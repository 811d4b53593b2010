using System.Net;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Protocols.Servers.Hosting;
using Protocols.Servers.Http;

namespace Protocols.Benchmarks.Http;

/// <summary>
/// Servers for http-bench.sh, run as modes of this exe: <c>http-serve PORT ROOT</c> (ours) and
/// <c>kestrel-bare PORT ROOT</c> (a bare Kestrel app: one MapGet per file under ROOT, bytes read at start).
/// Both print "ready" when listening and stop on SIGTERM or Ctrl+C.
/// </summary>
internal static class ServerModes
{
    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args.Length != 3 || args[0] is not ("http-serve" or "kestrel-bare")) return null;
        var port = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var root = Path.GetFullPath(args[2]);
        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        if (args[0] == "http-serve")
        {
            var builder = new ProtocolsHostBuilder();
            builder.AddHttpServer(new HttpServerOptions { Root = root }, new IPEndPoint(IPAddress.Loopback, port));
            await using var host = await builder.StartAsync().ConfigureAwait(false);
            Console.WriteLine($"ready {host.Endpoints[0]}");
            await WaitAsync(stop.Token).ConfigureAwait(false);
            return 0;
        }
        var web = WebApplication.CreateSlimBuilder();
        web.Logging.ClearProviders();
        web.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = web.Build();
        foreach (var file in Directory.EnumerateFiles(root))
        {
            var bytes = await File.ReadAllBytesAsync(file).ConfigureAwait(false);
            app.MapGet("/" + Path.GetFileName(file), () => Results.Bytes(bytes, "application/octet-stream"));
        }
        await app.StartAsync().ConfigureAwait(false);
        Console.WriteLine("ready kestrel-bare");
        await WaitAsync(stop.Token).ConfigureAwait(false);
        await app.StopAsync().ConfigureAwait(false);
        return 0;
    }

    private static async Task WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine("stopping");
        }
    }
}
