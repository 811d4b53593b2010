using System.Net;
using System.Security.Cryptography.X509Certificates;
using Protocols.Net;
using Protocols.Servers.Lines;
using static Protocols.Servers.Lines.LimitCheck;

namespace Protocols.Servers.Ftp;

/// <summary>Settings and limits of an FTP server. Each default says where it comes from.</summary>
public sealed class FtpServerOptions
{
    private int _maxConnections = 256;
    private int _maxConnectionsPerIp = 64;
    private int _maxAuthFailures = 3;
    private int _maxCommandLength = 4096;
    private int _maxBadCommands = 50;
    private TimeSpan _loginFailureDelay = TimeSpan.FromSeconds(1);
    private TimeSpan _idleTimeout = TimeSpan.FromSeconds(300);
    private TimeSpan _dataConnectTimeout = TimeSpan.FromSeconds(60);
    private TimeSpan _dataIdleTimeout = TimeSpan.FromSeconds(300);

    /// <summary>Who may log in, with which file system and rights.</summary>
    public IFtpAuthenticator Authenticator { get; set; } = new FtpUserStore();

    /// <summary>The text of the 220 greeting.</summary>
    public string Banner { get; set; } = "Protocols FTP server ready";

    /// <summary>The certificate for AUTH TLS, implicit FTPS and protected data channels; null: no TLS offered.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>Refuse USER before AUTH TLS (vsftpd <c>force_local_logins_ssl</c>). Off by default.</summary>
    public bool RequireTls { get; set; }

    /// <summary>Connections at once, all addresses. Default 256 (pure-ftpd's default is 50; a dev server can afford more).</summary>
    public int MaxConnections { get => _maxConnections; set => _maxConnections = AtLeast(value, 1); }

    /// <summary>Connections at once from one IP address. Default 64 (vsftpd has no limit by default; pure-ftpd 50 per user).</summary>
    public int MaxConnectionsPerIp { get => _maxConnectionsPerIp; set => _maxConnectionsPerIp = AtLeast(value, 1); }

    /// <summary>
    /// When a connection limit is full, a session waiting this long for a command is closed (421) to make room for a
    /// newcomer. Default 10 s (Postfix's <c>smtpd_timeout</c> under stress); <see cref="Timeout.InfiniteTimeSpan"/>: never.
    /// </summary>
    public TimeSpan StressIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Failed logins before the connection is closed with 421 (<see cref="SessionLimits.MaxAuthFailures"/>). Default 3 (vsftpd <c>max_login_fails</c>).</summary>
    public int MaxAuthFailures { get => _maxAuthFailures; set => _maxAuthFailures = AtLeast(value, 1); }

    /// <summary>Pause before answering a failed login, doubled for each further failure from the same address (across connections, up to 5 s). Default 1 s (vsftpd <c>delay_failed_login</c>).</summary>
    public TimeSpan LoginFailureDelay { get => _loginFailureDelay; set => _loginFailureDelay = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value)); }

    /// <summary>
    /// Time the control connection may wait for a whole command (no transfer running) before 421: the kernel's
    /// <see cref="SessionLimits.IdleTimeout"/> and <see cref="SessionLimits.CommandDeadline"/>. Default 300 s (vsftpd <c>idle_session_timeout</c>).
    /// </summary>
    public TimeSpan IdleTimeout { get => _idleTimeout; set => _idleTimeout = PositiveTime(value); }

    /// <summary>Time for the client to open a passive data connection, or for us to reach its active one. Default 60 s (vsftpd <c>accept_timeout</c>/<c>connect_timeout</c>).</summary>
    public TimeSpan DataConnectTimeout { get => _dataConnectTimeout; set => _dataConnectTimeout = PositiveTime(value); }

    /// <summary>Time a data transfer may stall before it is aborted with 426. Default 300 s (vsftpd <c>data_connection_timeout</c>).</summary>
    public TimeSpan DataIdleTimeout { get => _dataIdleTimeout; set => _dataIdleTimeout = PositiveTime(value); }

    /// <summary>
    /// Longest command line, CRLF included (<see cref="SessionLimits.MaxCommandLength"/>, the same meaning in every
    /// protocol); longer ones get 500 and are skipped. Default 4096 (vsftpd <c>VSFTP_MAX_COMMAND_LINE</c>).
    /// </summary>
    public int MaxCommandLength { get => _maxCommandLength; set => _maxCommandLength = AtLeast(value, 16); }

    /// <summary>
    /// Bad commands before the connection is closed with 421 (<see cref="SessionLimits.MaxBadCommands"/>): unknown,
    /// unrecognized, too long, a missing argument (501) or a command that needs a login first (530). Default 50.
    /// </summary>
    public int MaxBadCommands { get => _maxBadCommands; set => _maxBadCommands = AtLeast(value, 1); }

    /// <summary>Lowest passive port; 0 with <see cref="PassivePortMax"/> 0 means any free port (the default).</summary>
    public int PassivePortMin { get; set; }

    /// <summary>Highest passive port (inclusive).</summary>
    public int PassivePortMax { get; set; }

    /// <summary>The address announced in PASV replies; null: the control connection's local address.</summary>
    public IPAddress? PassiveAddress { get; set; }

    /// <summary>Allow PORT/EPRT (active mode), to the client's own address only. On by default.</summary>
    public bool AllowActiveMode { get; set; } = true;

    /// <summary>Send plain binary downloads with sendfile(2) (<see cref="Connection.SendFileAsync"/>; plain socket connections only). On by default.</summary>
    public bool UseSendFile { get; set; } = true;

    /// <summary>Where data connections are opened: TCP sockets (the default), or a <see cref="MemoryNetwork"/> in tests.</summary>
    public INetwork Network { get; set; } = SocketNetwork.Shared;

    /// <summary>
    /// Scripted faults (the kernel's <see cref="FaultScript"/>, consulted before every command: a reply to the Nth use
    /// of a verb, a delay, a drop; plus FTP's data-channel cut) and upload notifications (test servers); null in production.
    /// </summary>
    public FtpFaults? Faults { get; set; }

    /// <summary>The kernel's limits of one control connection, from these options.</summary>
    internal SessionLimits ToSessionLimits() => new()
    {
        MaxCommandLength = MaxCommandLength,
        MaxBadCommands = MaxBadCommands,
        MaxAuthFailures = MaxAuthFailures,
        IdleTimeout = IdleTimeout,
        CommandDeadline = IdleTimeout,
    };

    private static TimeSpan PositiveTime(TimeSpan value) => value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "must be positive");
}
