using System.Security.Cryptography.X509Certificates;
using Protocols.Servers.Lines;
using static Protocols.Servers.Lines.LimitCheck;

namespace Protocols.Servers.Pop3;

/// <summary>Limits and switches of a POP3 server. Each default says where it comes from.</summary>
public sealed class Pop3ServerOptions
{
    private TimeSpan _idleTimeout = TimeSpan.FromMinutes(10);
    private int _maxCommandLength = 255;
    private int _maxBadCommands = 10;
    private int _maxConnections = 100;
    private int _maxConnectionsPerAddress = 50;

    /// <summary>
    /// How long a client may stay silent before the server closes the session (without deleting anything).
    /// Default 10 minutes, the least RFC 1939 §3 allows for the autologout timer.
    /// </summary>
    public TimeSpan IdleTimeout
    {
        get => _idleTimeout;
        set => _idleTimeout = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "a positive time");
    }

    /// <summary>Longest command line, CRLF included. Default 255 octets (RFC 2449 §4).</summary>
    public int MaxCommandLength
    {
        get => _maxCommandLength;
        set => _maxCommandLength = AtLeast(value, 16);
    }

    /// <summary>Unknown, out-of-place or malformed commands and failed logins allowed before the server hangs up. Default 10 (aiosmtpd's bad-command budget).</summary>
    public int MaxBadCommands
    {
        get => _maxBadCommands;
        set => _maxBadCommands = AtLeast(value, 1);
    }

    /// <summary>Sessions at once. Default 100, as the SMTP server (Postfix <c>default_process_limit</c>). Past it: <c>-ERR [SYS/TEMP]</c> and close.</summary>
    public int MaxConnections
    {
        get => _maxConnections;
        set => _maxConnections = AtLeast(value, 1);
    }

    /// <summary>Sessions at once from one client address. Default 50 (half the total, as SMTP), so one address cannot take every slot.</summary>
    public int MaxConnectionsPerAddress
    {
        get => _maxConnectionsPerAddress;
        set => _maxConnectionsPerAddress = AtLeast(value, 1);
    }

    /// <summary>When the connection limits are full, a session idle this long is closed for a newcomer. Default 10 s (Postfix under stress).</summary>
    public TimeSpan StressIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Slows password guessing per client address across connections (one per server).</summary>
    public AuthThrottle AuthThrottle { get; set; } = new();

    /// <summary>Scripted faults around the verb table (test servers); null in production.</summary>
    public IVerbInterceptor? Faults { get; set; }

    /// <summary>Server certificate: enables STLS (RFC 2595) and is required by <see cref="ImplicitTls"/>. Null: no TLS.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>
    /// TLS from the first byte (POP3S, port 995, RFC 8314). Needs <see cref="Certificate"/>. The host puts TLS in front
    /// of the session (<see cref="Pop3ListenOptionsExtensions.UsePop3"/> does, with Kestrel's TLS middleware); the session
    /// then treats the connection as secure.
    /// </summary>
    public bool ImplicitTls { get; set; }

    /// <summary>
    /// Allow USER/PASS before TLS. Default true: this is a dev server on loopback. Set false to require STLS first
    /// (RFC 2595 §4 lets a server refuse plaintext logins); the USER capability is then advertised only under TLS.
    /// </summary>
    public bool AllowPlaintextLogin { get; set; } = true;

    /// <summary>Text of the greeting after <c>+OK</c>.</summary>
    public string Greeting { get; set; } = "Protocols POP3 server ready";

    /// <summary>The kernel's limits for one session.</summary>
    internal SessionLimits ToSessionLimits() => new()
    {
        MaxCommandLength = MaxCommandLength,
        MaxBadCommands = MaxBadCommands,
        MaxAuthFailures = MaxBadCommands + 1, // failed logins count as bad commands, as they always did
        IdleTimeout = IdleTimeout,
        CommandDeadline = IdleTimeout,
    };
}
