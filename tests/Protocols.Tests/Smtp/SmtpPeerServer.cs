using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Protocols.Tests.Smtp;

/// <summary>A real SMTP server process (aiosmtpd, smtp-sink) on a free loopback port, killed on dispose.</summary>
internal sealed class SmtpPeerServer : IAsyncDisposable
{
    private readonly Process _process;

    private SmtpPeerServer(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    /// <summary>Where the peer writes what it received.</summary>
    public string Directory { get; }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static string FixturesDirectory()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "fixtures", "smtp");
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("fixtures/smtp not found above the test directory");
    }

    /// <summary>Starts aiosmtpd with the recording handler; with a certificate, STARTTLS and AUTH (user/pass).</summary>
    public static async Task<SmtpPeerServer> StartAiosmtpdAsync(string? certPem = null, string? keyPem = null)
    {
        var dir = NewDirectory("aiosmtpd");
        var port = FreePort();
        List<string> args = [Path.Combine(FixturesDirectory(), "aiosmtpd_recorder.py"), dir, port.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        if (certPem is not null && keyPem is not null) args.AddRange([certPem, keyPem]);
        var p = Start(Support.Peers.Require(Support.Peers.Python), args);
        var line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        if (line != "ready")
        {
            p.Kill(true);
            Assert.Fail($"aiosmtpd did not start: {line} {await p.StandardError.ReadToEndAsync()}");
        }
        return new SmtpPeerServer(p, port, dir);
    }

    /// <summary>Starts postfix smtp-sink dumping each transaction to a file in <see cref="Directory"/>.</summary>
    public static async Task<SmtpPeerServer> StartSmtpSinkAsync(params string[] extraArgs)
    {
        var dir = NewDirectory("smtp-sink");
        var port = FreePort();
        var user = Environment.UserName;
        var p = Start(Support.Peers.Require("smtp-sink"),
            ["-u", user, "-d", Path.Combine(dir, "%M."), .. extraArgs, $"127.0.0.1:{port}", "100"]);
        var server = new SmtpPeerServer(p, port, dir);
        await server.WaitAcceptingAsync();
        return server;
    }

    private async Task WaitAcceptingAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, Port).WaitAsync(TimeSpan.FromSeconds(2));
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Files the peer wrote, waiting until <paramref name="count"/> exist.</summary>
    public async Task<string[]> WaitForFilesAsync(string pattern, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var files = System.IO.Directory.GetFiles(Directory, pattern).Order(StringComparer.Ordinal).ToArray();
            if (files.Length >= count || DateTime.UtcNow > deadline) return files;
            await Task.Delay(50);
        }
    }

    private static string NewDirectory(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"{name}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(dir);
        return dir;
    }

    private static Process Start(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(3));
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
        }
        _process.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
