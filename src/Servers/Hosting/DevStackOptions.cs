namespace Protocols.Servers.Hosting;

/// <summary>
/// What <see cref="DevStack"/> starts. Every port defaults to 0 (any free port), which is what a test wants; the CLI
/// passes its own well-known defaults (2525, 1110, 2121, 8080, 8025).
/// </summary>
public sealed record DevStackOptions
{
    /// <summary>The directory FTP and HTTP serve. Default: the current directory.</summary>
    public string Root { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>The IP address every endpoint binds. Default: 127.0.0.1 (never a public interface by default).</summary>
    public string Host { get; init; } = "127.0.0.1";

    public int SmtpPort { get; init; }

    public int FtpPort { get; init; }

    public int HttpPort { get; init; }

    public int Pop3Port { get; init; }

    /// <summary>
    /// The port of the captured-mail page and its API: an origin of their own, so no page served from the root
    /// (HTTP port) can read or delete the mail. The CLI's default is 8025 (Mailpit's and MailHog's).
    /// </summary>
    public int MailPort { get; init; }

    /// <summary>
    /// Host names the HTTP endpoints answer to besides IP literals, <c>localhost</c> and <c>*.localhost</c>; any
    /// other <c>Host</c> header gets 421 (a DNS-rebinding defence). Default none.
    /// </summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>A directory for captured mail, or null to keep it in memory.</summary>
    public string? Store { get; init; }

    /// <summary>Lets FTP and HTTP clients write to the root.</summary>
    public bool Write { get; init; }

    /// <summary>Offers TLS on every endpoint with a self-signed certificate made at start.</summary>
    public bool Tls { get; init; }
}
