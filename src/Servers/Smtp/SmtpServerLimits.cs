using static Protocols.Servers.Lines.LimitCheck;

namespace Protocols.Servers.Smtp;

/// <summary>
/// Limits a server enforces on every session. Each default says where it comes from; every setter validates.
/// </summary>
public sealed class SmtpServerLimits
{
    private int _maxCommandLineLength = 512;
    private int _maxTextLineLength = 1000;
    private long _maxMessageSize = 10_240_000;
    private long _spoolThreshold = 1024 * 1024;
    private int _maxRecipients = 100;
    private int _maxConnections = 100;
    private int _maxConnectionsPerIp = 50;
    private int _maxBadCommands = 20;
    private int _maxCommandRepeats = 100;
    private int _maxAuthFailures = 5;
    private int _maxNoopCommands = 100;
    private TimeSpan _stressIdleTimeout = TimeSpan.FromSeconds(10);
    private TimeSpan _commandTimeout = TimeSpan.FromMinutes(5);
    private TimeSpan _dataBlockTimeout = TimeSpan.FromMinutes(3);
    private TimeSpan _dataTotalTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Longest command line, CRLF included. Default 512: RFC 5321 §4.5.3.1.4. Longer lines are drained and get 500.
    /// Extensions may add to it (RFC 1870 adds parameters); a few hundred bytes of slack are applied for MAIL/RCPT
    /// parameters, so the effective bound is this value plus <see cref="ParameterAllowance"/>.
    /// </summary>
    public int MaxCommandLineLength { get => _maxCommandLineLength; set => _maxCommandLineLength = AtLeast(value, 64); }

    /// <summary>Extra room for MAIL/RCPT parameters (SIZE, BODY, SMTPUTF8, DSN's RET/ENVID/NOTIFY/ORCPT, AUTH).
    /// Default 512: RFC 5321 §4.5.3.1.4 allows each extension to grow the line; Postfix accepts 2048 in total
    /// (<c>line_length_limit</c>).</summary>
    public int ParameterAllowance { get; set; } = 512;

    /// <summary>Longest text line inside DATA, CRLF included. Default 1000: RFC 5321 §4.5.3.1.6. A longer line gets
    /// 500 after the end marker (the message is not stored); set <see cref="RejectLongTextLines"/> false to accept
    /// them like Postfix does.</summary>
    public int MaxTextLineLength { get => _maxTextLineLength; set => _maxTextLineLength = AtLeast(value, 80); }

    /// <summary>Whether a DATA line over <see cref="MaxTextLineLength"/> rejects the message. Default false (Postfix
    /// and aiosmtpd store such lines; rejecting loses real-world mail). When false, the limit is not enforced.</summary>
    public bool RejectLongTextLines { get; set; }

    /// <summary>Whether a bare CR or LF in DATA (not part of a CRLF) rejects the message with 554 5.6.0. Default
    /// false: such bytes are kept verbatim as content. Either way they never end the data: only CRLF.CRLF does,
    /// so the SMTP smuggling forms (LF.LF, LF.CRLF, CR.CR...) cannot split one message into two.</summary>
    public bool RejectBareLineEnds { get; set; }

    /// <summary>Largest message in octets (advertised as SIZE, refused at MAIL when declared larger, enforced while
    /// reading with 552 after the end marker). Default 10,240,000: Postfix <c>message_size_limit</c>. 0 = no limit
    /// advertised (aiosmtpd's <c>data_size_limit=None</c>), still capped by <see cref="long.MaxValue"/>.</summary>
    public long MaxMessageSize { get => _maxMessageSize; set => _maxMessageSize = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value)); }

    /// <summary>Largest message held in memory while it arrives: past this many octets the session writes it to a file
    /// (in the store's directory when the store has one, so the store moves it into place instead of writing it twice;
    /// else a temporary file deleted when the message is released), so memory per in-flight message stays bounded at
    /// any message size. Default 1 MiB (1,048,576), the SQLite store's inline limit: smaller messages live in the
    /// database, larger ones in files anyway. A message of exactly this size stays in memory. At least 64 KiB.</summary>
    public long SpoolThreshold { get => _spoolThreshold; set => _spoolThreshold = value >= 64 * 1024 ? value : throw new ArgumentOutOfRangeException(nameof(value)); }

    /// <summary>Recipients per message. Default 100: RFC 5321 §4.5.3.1.8 (the minimum a server must accept; Postfix
    /// <c>smtpd_recipient_limit</c> is 1000). Past the limit: 452 (RFC 5321 §4.5.3.1.10).</summary>
    public int MaxRecipients { get => _maxRecipients; set => _maxRecipients = AtLeast(value, 1); }

    /// <summary>Concurrent sessions per server. Default 100: Postfix <c>default_process_limit</c>. Past it: 421 and
    /// close.</summary>
    public int MaxConnections { get => _maxConnections; set => _maxConnections = AtLeast(value, 1); }

    /// <summary>Concurrent sessions from one client address. Default 50: Postfix <c>smtpd_client_connection_count_limit</c>
    /// (half the process limit), so one address cannot take every slot. Past it: 421 and close.</summary>
    public int MaxConnectionsPerIp { get => _maxConnectionsPerIp; set => _maxConnectionsPerIp = AtLeast(value, 1); }

    /// <summary>Bad commands (unknown, syntax, out of sequence) per session before 421 and close. Default 20:
    /// Postfix <c>smtpd_hard_error_limit</c>.</summary>
    public int MaxBadCommands { get => _maxBadCommands; set => _maxBadCommands = AtLeast(value, 1); }

    /// <summary>Uses of one "junk" verb (NOOP, RSET, VRFY, HELP, EHLO/HELO) per session before 421. Default 100:
    /// Postfix <c>smtpd_junk_command_limit</c> (aiosmtpd's per-command call limit defaults to 20).</summary>
    public int MaxCommandRepeats { get => _maxCommandRepeats; set => _maxCommandRepeats = AtLeast(value, 1); }

    /// <summary>Failed AUTH attempts per session before 421. Default 5: our choice (no RFC
    /// value); smtplib's login() alone tries up to three mechanisms, and a brute-force client pays a reconnect.</summary>
    public int MaxAuthFailures { get => _maxAuthFailures; set => _maxAuthFailures = AtLeast(value, 1); }

    /// <summary>No-op-like commands per session (NOOP, <c>BDAT 0</c>, refused RCPTs) before 421. Default 100: Postfix
    /// <c>smtpd_junk_command_limit</c>, which counts NOOP, VRFY, ETRN and RSET alike.</summary>
    public int MaxNoopCommands { get => _maxNoopCommands; set => _maxNoopCommands = AtLeast(value, 1); }

    /// <summary>When the connection limits are full, a session that has waited this long for its next command is
    /// closed (421) to make room for a newcomer. Default 10 s: Postfix's <c>smtpd_timeout</c> under stress.</summary>
    public TimeSpan StressIdleTimeout { get => _stressIdleTimeout; set => _stressIdleTimeout = Positive(value); }

    /// <summary>The whole next command must arrive within this time from when the server starts waiting for it, however
    /// its bytes trickle in. Default 5 minutes: RFC 5321 §4.5.3.2.7 (server timeout). On expiry: 421.</summary>
    public TimeSpan CommandTimeout { get => _commandTimeout; set => _commandTimeout = Positive(value); }

    /// <summary>Wait for each block of DATA/BDAT bytes. Default 3 minutes: RFC 5321 §4.5.3.2.5 (client side
    /// value, used by the server as the per-read bound).</summary>
    public TimeSpan DataBlockTimeout { get => _dataBlockTimeout; set => _dataBlockTimeout = Positive(value); }

    /// <summary>Whole DATA transfer. Default 10 minutes: RFC 5321 §4.5.3.2.6 (DATA termination).</summary>
    public TimeSpan DataTotalTimeout { get => _dataTotalTimeout; set => _dataTotalTimeout = Positive(value); }

    /// <summary>The kernel's limits for one session, read from these when the session starts.</summary>
    internal Lines.SessionLimits ToSessionLimits() => new()
    {
        MaxCommandLength = MaxCommandLineLength,
        MaxBadCommands = MaxBadCommands,
        MaxRepeats = MaxCommandRepeats,
        MaxNoops = MaxNoopCommands,
        MaxAuthFailures = MaxAuthFailures,
        IdleTimeout = CommandTimeout,
        CommandDeadline = CommandTimeout,
        TransferIdleTimeout = DataBlockTimeout,
        TransferDeadline = DataTotalTimeout,
    };
}
