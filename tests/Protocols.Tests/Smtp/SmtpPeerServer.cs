using Protocols.Tests.Support;

namespace Protocols.Tests.Smtp;

/// <summary>A real SMTP server process (aiosmtpd, smtp-sink) on a free loopback port, killed on dispose.</summary>
internal sealed class SmtpPeerServer(PeerRunner process, int port, string directory) : IAsyncDisposable
{
    private readonly PeerRunner _process = process;

    public int Port { get; } = port;

    /// <summary>Where the peer writes what it received.</summary>
    public string Directory { get; } = directory;

    /// <summary>fixtures/smtp in the repository.</summary>
    public static string FixturesDirectory() => Path.Combine(Repository.Root, "fixtures", "smtp");

    /// <summary>Starts aiosmtpd with the recording handler; with a certificate, STARTTLS and AUTH (user/pass).</summary>
    public static async Task<SmtpPeerServer> StartAiosmtpdAsync(string? certPem = null, string? keyPem = null)
    {
        var dir = NewDirectory("aiosmtpd");
        var port = LoopbackPort.Free();
        List<string> args = [Path.Combine(FixturesDirectory(), "aiosmtpd_recorder.py"), dir, port.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        if (certPem is not null && keyPem is not null) args.AddRange([certPem, keyPem]);
        var p = Start(Peers.Require(Peers.Python), args);
        var server = new SmtpPeerServer(p, port, dir);
        await p.WaitForStdoutAsync("ready\n", TimeSpan.FromSeconds(20));
        return server;
    }

    /// <summary>Starts postfix smtp-sink dumping each transaction to a file in <see cref="Directory"/>.</summary>
    public static async Task<SmtpPeerServer> StartSmtpSinkAsync(params string[] extraArgs)
    {
        var dir = NewDirectory("smtp-sink");
        var port = LoopbackPort.Free();
        var user = Environment.UserName;
        var p = Start(Peers.Require("smtp-sink"),
            ["-u", user, "-d", Path.Combine(dir, "%M."), .. extraArgs, $"127.0.0.1:{port}", "100"]);
        var server = new SmtpPeerServer(p, port, dir);
        await p.WaitForPortAsync(port, TimeSpan.FromSeconds(10));
        return server;
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

    // stdin kept open: the aiosmtpd recorder runs until it closes; dispose closes it and gives the peer 3 s to stop.
    private static PeerRunner Start(string file, IEnumerable<string> args) =>
        PeerRunner.Start(file, args, keepStdinOpen: true, stopGrace: TimeSpan.FromSeconds(3));

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
