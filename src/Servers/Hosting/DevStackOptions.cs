namespace Protocols.Servers.Hosting;

/// <summary>
/// What <see cref="DevStack"/> starts. Every port defaults to 0 (any free port), which is what a test wants; the CLI
/// passes its own well-known defaults (2525, 1110, 1143, 2121, 8080, 8025).
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

    /// <summary>IMAP; IMAPS (implicit TLS) when <see cref="Tls"/> is set.</summary>
    public int ImapPort { get; init; }

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

    /// <summary>Where captured mail is kept: a directory (SQLite, kept across restarts), a PostgreSQL address
    /// (<c>postgres://...</c> or <c>Host=...;</c>), or null for a temporary SQLite store deleted at stop.</summary>
    public string? Store { get; init; }

    /// <summary>What the store may prune on its own (<c>--keep</c>, <c>--max-store-bytes</c>, <c>--max-age</c>). Default: nothing.</summary>
    public Mail.MailRetention Retention { get; init; } = Mail.MailRetention.None;

    /// <summary>Lets FTP and HTTP clients write to the root.</summary>
    public bool Write { get; init; }

    /// <summary>Offers TLS on every endpoint with a self-signed certificate made at start.</summary>
    public bool Tls { get; init; }

    /// <summary>With <see cref="Tls"/>: a POP3S (implicit TLS, RFC 8314) endpoint on this port (0: any free port). Null: none.</summary>
    public int? Pop3TlsPort { get; init; }

    /// <summary>With <see cref="Password"/>: the only POP3 login accepted. Null (the default): any user and password.</summary>
    public string? User { get; init; }

    /// <summary>The password of <see cref="User"/>.</summary>
    public string? Password { get; init; }

    /// <summary>The largest SMTP message and HTTP upload in bytes. Null: each server's default (10,240,000 and 30,000,000).</summary>
    public long? MaxSize { get; init; }

    /// <summary>Relay automatically, after capture and in the background, each message with a recipient matching
    /// <see cref="RelayMatch"/> to this server (<c>--relay-to</c>). Null: no automatic relay.</summary>
    public Mail.MailRelayTarget? RelayTo { get; init; }

    /// <summary>With <see cref="RelayTo"/>: the recipient pattern (a .NET regular expression, case-insensitive; <c>--relay-match</c>).
    /// Only the matching recipients get the relayed message.</summary>
    public string? RelayMatch { get; init; }
}
