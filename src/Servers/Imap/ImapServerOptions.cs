using System.Security.Cryptography.X509Certificates;
using static Protocols.Servers.Lines.LimitCheck;

namespace Protocols.Servers.Imap;

/// <summary>Limits and switches of an IMAP server. Each default says where it comes from.</summary>
public sealed class ImapServerOptions
{
    private TimeSpan _idleTimeout = TimeSpan.FromMinutes(30);
    private TimeSpan _commandTimeout = TimeSpan.FromMinutes(5);
    private int _maxCommandLength = 64 * 1024;
    private int _maxLiteralSize = 64 * 1024;
    private int _maxAppendSize = 35 * 1024 * 1024;
    private int _maxBadCommands = 10;
    private int _maxAuthFailures = 5;

    /// <summary>
    /// How long a client may stay silent (between commands, or in IDLE) before the server says BYE and closes.
    /// Default 30 minutes, the least RFC 9051 §5.4 allows for the autologout timer; RFC 2177 has clients re-issue IDLE
    /// every 29 minutes so an idling client is never logged out.
    /// </summary>
    public TimeSpan IdleTimeout
    {
        get => _idleTimeout;
        set => _idleTimeout = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "a positive time");
    }

    /// <summary>
    /// How long an APPEND's message may take to arrive (the kernel's transfer deadline). Default 5 minutes (SMTP's DATA
    /// block timeout in RFC 5321 §4.5.3.2, the nearest published rule for a transfer): a client sending a byte a minute
    /// cannot hold a session forever.
    /// </summary>
    public TimeSpan CommandTimeout
    {
        get => _commandTimeout;
        set => _commandTimeout = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "a positive time");
    }

    /// <summary>Longest command line (one line between literals), CRLF included. Default 64 KiB (Dovecot's <c>imap_max_line_length</c>; RFC 7162 §4 asks for at least 8,192).</summary>
    public int MaxCommandLength
    {
        get => _maxCommandLength;
        set => _maxCommandLength = AtLeast(value, 1024);
    }

    /// <summary>Largest literal in any command but APPEND (a login, a search string). Default 64 KiB, as a command line.</summary>
    public int MaxLiteralSize
    {
        get => _maxLiteralSize;
        set => _maxLiteralSize = AtLeast(value, 1);
    }

    /// <summary>Largest message APPEND takes (advertised as APPENDLIMIT, RFC 7889). Default 35 MiB (Gmail's and Outlook.com's IMAP APPEND limit).</summary>
    public int MaxAppendSize
    {
        get => _maxAppendSize;
        set => _maxAppendSize = AtLeast(value, 1);
    }

    /// <summary>Unknown, out-of-place or malformed commands and failed logins allowed before the server says BYE. Default 10 (aiosmtpd's bad-command budget, as POP3).</summary>
    public int MaxBadCommands
    {
        get => _maxBadCommands;
        set => _maxBadCommands = AtLeast(value, 1);
    }

    /// <summary>Failed logins before BYE; each failure also waits (250 ms doubling to 5 s, per address). Default 5 (the kernel's, as SMTP and POP3).</summary>
    public int MaxAuthFailures
    {
        get => _maxAuthFailures;
        set => _maxAuthFailures = AtLeast(value, 1);
    }

    /// <summary>Server certificate: enables STARTTLS (RFC 9051 §6.2.1) and is required by <see cref="ImplicitTls"/>. Null: no TLS.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>Sessions started with <see cref="ImapServer.RunSessionAsync(Protocols.Net.Connection, CancellationToken)"/> run over TLS the host put in front (IMAPS, RFC 8314). <see cref="ImapHostingExtensions.AddImapServer"/> sets this per endpoint.</summary>
    public bool ImplicitTls { get; set; }

    /// <summary>Allow LOGIN and AUTHENTICATE before TLS. Default true: a dev server on loopback. False advertises LOGINDISABLED until STARTTLS.</summary>
    public bool AllowPlaintextLogin { get; set; } = true;

    /// <summary>
    /// Per-recipient mode: each login name is an address and its INBOX holds only mail sent to it (how GreenMail
    /// isolates parallel tests). Off (default): every login sees every message in INBOX, as POP3 does.
    /// </summary>
    public bool PerRecipient { get; set; }

    /// <summary>Checks a user name and password; null (default) accepts any, as a capture server does.</summary>
    public Func<string, string, bool>? Authenticator { get; set; }

    /// <summary>Text of the greeting after <c>* OK [CAPABILITY ...]</c>.</summary>
    public string Greeting { get; set; } = "Protocols IMAP server ready";

    /// <summary>Bytes of ENVELOPE/BODYSTRUCTURE and part offsets kept in memory across sessions. Default 32 MiB (about 30,000 messages).</summary>
    public long StructureCacheBytes { get; set; } = 32L * 1024 * 1024;
}
