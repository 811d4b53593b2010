using System.CommandLine;
using System.Net;

namespace Protocols.Cli.Common;

/// <summary>
/// The options every server verb spells the same way: <c>--root</c>, <c>--host</c>, <c>-p/--port</c>, <c>--write</c>,
/// <c>--user</c>/<c>--password</c>, <c>--tls</c> (a self-signed certificate unless <c>--tls-cert</c>/<c>--tls-key</c>),
/// <c>--tls-port</c> (implicit TLS), <c>--max-size</c>.
/// </summary>
internal static class ServerOptions
{
    public static Option<string> Root() => new("--root") { Description = "Directory to serve (default: the current directory)" };

    public static Option<string> Host() => new("--host") { Description = "IP address to listen on", DefaultValueFactory = _ => "127.0.0.1" };

    public static Option<int> Port(int defaultPort, string what = "Port to listen on") =>
        new("--port", "-p") { Description = $"{what} (0: any free port)", DefaultValueFactory = _ => defaultPort };

    public static Option<bool> Write(string what) => new("--write") { Description = what };

    public static Option<string?> User(string what) => new("--user") { Description = what + " (with --password)" };

    public static Option<string?> Password() => new("--password") { Description = "Password of --user" };

    public static Option<bool> Tls(string what) => new("--tls") { Description = what + "; a self-signed certificate made at start unless --tls-cert/--tls-key" };

    public static Option<string?> TlsCert() => new("--tls-cert") { Description = "PEM certificate file (with --tls-key; implies --tls)" };

    public static Option<string?> TlsKey() => new("--tls-key") { Description = "PEM private key file of --tls-cert" };

    public static Option<int?> TlsPort(string what) => new("--tls-port") { Description = what + " (implicit TLS; implies --tls; 0: any free port)" };

    public static Option<long?> MaxSize(string what) => new("--max-size") { Description = what };

    /// <summary>The usual checks, as a one-line reason or null.</summary>
    public static string? Check(string host, int port, string? user, string? password, string? tlsCert, string? tlsKey, int? tlsPort = null)
    {
        if (!IPAddress.TryParse(host, out _)) return $"--host must be an IP address: {host}";
        if (port is < 0 or > 65535) return $"--port must be 0..65535: {port}";
        if (tlsPort is < 0 or > 65535) return $"--tls-port must be 0..65535: {tlsPort}";
        if (tlsPort is { } t && t != 0 && t == port) return "--port and --tls-port must differ";
        if (user is not null && password is null) return "--user needs --password";
        if (password is not null && user is null) return "--password needs --user";
        if ((tlsCert is null) != (tlsKey is null)) return "--tls-cert and --tls-key go together";
        if (tlsCert is not null && !File.Exists(tlsCert)) return $"certificate file not found: {tlsCert}";
        if (tlsKey is not null && !File.Exists(tlsKey)) return $"key file not found: {tlsKey}";
        return null;
    }

    /// <summary>Waits for Ctrl+C (the token): a server's normal stop, exit 0.</summary>
    public static async Task WaitForStopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: stop cleanly.
        }
    }
}
