using System.Net;
using System.Text.RegularExpressions;
using Protocols.Tests.Cli;
using Protocols.Tests.Support;

namespace Protocols.Tests.Serve;

/// <summary>A real <c>proto serve</c> process on free ports, with the endpoints read from its banner.</summary>
internal sealed partial class RunningServe : IAsyncDisposable
{
    private readonly DirectoryInfo _root;

    private RunningServe(PeerRunner process, DirectoryInfo root, IPEndPoint smtp, Uri mail, Uri http)
    {
        Http = http;
        Process = process;
        _root = root;
        Smtp = smtp;
        MailPage = mail;
    }

    public PeerRunner Process { get; }

    public IPEndPoint Smtp { get; }

    public Uri MailPage { get; }

    /// <summary>The file server's root URL (the HTTP port).</summary>
    public Uri Http { get; }

    public static async Task<RunningServe> StartAsync(params string[] extra)
    {
        var root = Directory.CreateTempSubdirectory("proto-serve-");
        var process = ProtoProcess.Start(["serve", "--root", root.FullName, "--smtp-port", "0", "--ftp-port", "0", "--http-port", "0", "--pop3-port", "0",
            "--mail-port", "0", "--imap-port", "0", .. extra]);
        await process.WaitForStdoutAsync("Press Ctrl+C to stop.");
        var smtp = IPEndPoint.Parse(SmtpLine().Match(process.Stdout).Groups[1].Value);
        var mail = new Uri(MailLine().Match(process.Stdout).Groups[1].Value);
        var http = new Uri(HttpLine().Match(process.Stdout).Groups[1].Value);
        return new RunningServe(process, root, smtp, mail, http);
    }

    [GeneratedRegex(@"SMTP\s+(\S+)")]
    private static partial Regex SmtpLine();

    [GeneratedRegex(@"HTTP\s+(http\S+)")]
    private static partial Regex HttpLine();

    [GeneratedRegex(@"Mail\s+(http\S+)")]
    private static partial Regex MailLine();

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        _root.Delete(recursive: true);
    }
}
