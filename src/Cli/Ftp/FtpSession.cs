using System.CommandLine;
using Protocols.Cli.Common;
using Protocols.Ftp;
using Protocols.Net;

namespace Protocols.Cli.Ftp;

/// <summary>The options every FTP client verb shares, and one connect-run-disconnect with the shared exit codes.</summary>
internal static class FtpSession
{
    private static readonly Option<bool> Tls = new("--tls") { Description = "Implicit TLS from the first byte (as ftps://)" };
    private static readonly Option<bool> StartTls = new("--starttls") { Description = "Explicit TLS: AUTH TLS, then PROT P for data (curl --ssl-reqd)" };
    private static readonly Option<bool> Insecure = new("--insecure", "-k") { Description = "Accept any server certificate" };
    private static readonly Option<bool> Active = new("--active") { Description = "Active mode (the server connects back)" };
    private static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Print the protocol transcript (PASS redacted) to stderr" };
    private static readonly Option<double?> Timeout = new("--timeout", "-m") { Description = "Seconds to wait for each reply and each data read (default 60)" };

    public static Command WithCommonOptions(Command command)
    {
        foreach (var option in new Option[] { Tls, StartTls, Insecure, Active, Verbose, Timeout }) command.Options.Add(option);
        return command;
    }

    public static Task<int> RunAsync(ParseResult parse, string url, Func<FtpClient, string, Task<int>> action, CancellationToken ct)
    {
        Target? target = null;
        return VerbRunner.RunAsync(Console.Error, () => target, async () =>
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("ftp" or "ftps") || uri.Host.Length == 0)
                throw new UsageException($"not an ftp:// or ftps:// URL: {url}");
            if (parse.GetValue(Tls) && parse.GetValue(StartTls)) throw new UsageException("--tls and --starttls exclude each other");
            var options = new FtpClientOptions
            {
                AcceptAnyCertificate = parse.GetValue(Insecure),
                DataMode = parse.GetValue(Active) ? FtpDataMode.Active : FtpDataMode.AutoPassive,
                ProtocolLogger = parse.GetValue(Verbose) ? new TextProtocolLogger(Console.Error, "> ", "< ") : null,
            };
            if (parse.GetValue(Timeout) is { } seconds)
            {
                if (seconds <= 0) throw new UsageException("--timeout must be positive");
                options.ReadTimeout = options.ConnectTimeout = TimeSpan.FromSeconds(seconds);
            }
            var implicitTls = uri.Scheme == "ftps" || parse.GetValue(Tls);
            target = new Target(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? (implicitTls ? 990 : 21) : uri.Port,
                "try --starttls (AUTH TLS) or an ftp:// URL");
            await using var client = FtpClient.FromUri(uri, options);
            client.Options.Encryption = implicitTls ? FtpEncryption.Implicit : parse.GetValue(StartTls) ? FtpEncryption.Explicit : FtpEncryption.None;
            await client.ConnectAsync(ct).ConfigureAwait(false);
            var code = await action(client, Uri.UnescapeDataString(uri.AbsolutePath)).ConfigureAwait(false);
            await client.DisconnectAsync(ct).ConfigureAwait(false);
            return code;
        }, ct);
    }
}
