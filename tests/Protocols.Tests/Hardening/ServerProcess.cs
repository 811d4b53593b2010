using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Protocols.Tests.Support;

namespace Protocols.Tests.Hardening;

/// <summary>
/// A server run as its own process so a test can kill -9 it. SMTP with a directory store runs as
/// <c>proto smtp serve --port P --store DIR</c> when the built CLI has that verb, else as the benchmark exe's
/// <c>smtp-store</c> mode (the same SQLite mail store behind the same session, on the same line listener).
/// Ready when the port answers; killed in <see cref="DisposeAsync"/> if still running.
/// </summary>
internal sealed class ServerProcess(PeerRunner process, int port, string description) : IAsyncDisposable
{
    private readonly PeerRunner _process = process;

    public int Port { get; } = port;

    public string Description { get; } = description;

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public static async Task<ServerProcess> StartSmtpStoreAsync(string storeDirectory)
    {
        var root = Seeds.RepositoryRoot;
        var port = LoopbackPort.Free();
        var proto = Path.Combine(root, "src", "Cli", "bin", "Release", "net10.0", "proto.dll");
        string[] arguments;
        string description;
        if (File.Exists(proto) && (await RunToEndAsync(proto, "smtp", "serve", "--help")).Contains("--store", StringComparison.Ordinal))
        {
            arguments = [proto, "smtp", "serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--store", storeDirectory];
            description = "proto smtp serve --store";
        }
        else
        {
            var bench = Path.Combine(root, "tests", "Protocols.Benchmarks", "bin", "Release", "net10.0", "Protocols.Benchmarks.dll");
            Assert.That(File.Exists(bench), Is.True, $"{bench} is missing: build the solution first");
            arguments = [bench, "smtp-store", port.ToString(System.Globalization.CultureInfo.InvariantCulture), storeDirectory];
            description = "Protocols.Benchmarks smtp-store (proto is not built)";
        }
        var process = Start(arguments);
        var server = new ServerProcess(process, port, description);
        await server.WaitReadyAsync();
        return server;
    }

    /// <summary><c>proto ftp serve --root DIR --anonymous --write</c> on a free port.</summary>
    public static async Task<ServerProcess> StartFtpAsync(string root)
    {
        var proto = Path.Combine(Seeds.RepositoryRoot, "src", "Cli", "bin", "Release", "net10.0", "proto.dll");
        Assert.That(File.Exists(proto), Is.True, $"{proto} is missing: build the solution first");
        var port = LoopbackPort.Free();
        var process = Start([proto, "ftp", "serve", "--root", root, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--anonymous", "--write", "--max-per-ip", "100"]);
        var server = new ServerProcess(process, port, "proto ftp serve --anonymous --write");
        await server.WaitReadyAsync();
        return server;
    }

    /// <summary>kill -9: no chance to flush, close or clean up.</summary>
    public void Kill() => _process.Kill();

    private async Task WaitReadyAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (_process.HasExited) Assert.Fail($"the server process exited with {_process.ExitCode} before listening ({Description}):\n{_process.Stderr}");
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await probe.ConnectAsync(EndPoint, attempt.Token);
                var buffer = new byte[512];
                var read = await probe.ReceiveAsync(buffer, SocketFlags.None, attempt.Token);
                if (read >= 3 && buffer[0] == '2' && buffer[1] == '2' && buffer[2] == '0') return;
            }
            catch (SocketException)
            {
                // not listening yet
            }
            catch (OperationCanceledException)
            {
                // no greeting yet
            }
            await Task.Delay(200);
        }
        Assert.Fail($"the server process did not greet on port {Port} within 90 s ({Description}):\n{_process.Stderr}");
    }

    // stdin kept open: the benchmark mode stops when it closes; dispose closes it and gives the server 10 s to stop.
    private static PeerRunner Start(string[] arguments) =>
        PeerRunner.Start("dotnet", arguments, keepStdinOpen: true, stopGrace: TimeSpan.FromSeconds(10));

    private static async Task<string> RunToEndAsync(params string[] arguments) =>
        (await PeerRunner.RunAsync("dotnet", arguments, timeout: TimeSpan.FromSeconds(60))).Output;

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
