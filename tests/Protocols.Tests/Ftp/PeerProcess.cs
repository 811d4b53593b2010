using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Protocols.Tests.Ftp;

/// <summary>Runs a peer (curl, lftp, python3) to completion with a timeout, or keeps a server peer running until disposed.</summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private PeerProcess(Process process) => _process = process;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static PeerProcess Start(string file, IEnumerable<string> arguments, string? workingDirectory = null, string? stdin = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["HOME"] = Path.GetTempPath();
        var process = new Process { StartInfo = info };
        var peer = new PeerProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (peer._output) peer._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (peer._output) peer._output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        return peer;
    }

    /// <summary>Runs to the end; returns exit code and combined output. A hang is killed and fails the test.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> arguments, TimeSpan? timeout = null,
        string? workingDirectory = null, string? stdin = null)
    {
        await using var peer = Start(file, arguments, workingDirectory, stdin);
        try
        {
            await peer._process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{file} {string.Join(' ', arguments)} did not finish in time:\n{peer.Output}");
        }
        peer._process.WaitForExit();
        return (peer._process.ExitCode, peer.Output);
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }

    /// <summary>A free TCP port on 127.0.0.1 (for peers that cannot bind port 0 and report it).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until something accepts connections on the port (a peer server got ready).</summary>
    public static async Task WaitForPortAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(2));
                return;
            }
            catch (Exception e) when (e is SocketException or TimeoutException)
            {
                if (DateTime.UtcNow > deadline) Assert.Fail($"nothing listens on port {port} after {timeout.TotalSeconds} s");
                await Task.Delay(50);
            }
        }
    }
}
