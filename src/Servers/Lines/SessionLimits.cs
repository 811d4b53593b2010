using static Protocols.Servers.Lines.LimitCheck;

namespace Protocols.Servers.Lines;

/// <summary>
/// Budgets and deadlines of one line-protocol session, the same names in every protocol. Each protocol's options fill
/// them with its defaults (and their sources); every setter validates.
/// </summary>
public sealed class SessionLimits
{
    private int _maxCommandLength = 512;
    private int _maxBadCommands = 20;
    private int _maxRepeats = 100;
    private int _maxNoops = 100;
    private int _maxAuthFailures = 5;
    private TimeSpan _idleTimeout = TimeSpan.FromMinutes(5);
    private TimeSpan _commandDeadline = TimeSpan.FromMinutes(5);
    private TimeSpan _transferIdleTimeout = TimeSpan.FromMinutes(3);
    private TimeSpan _transferDeadline = TimeSpan.FromMinutes(10);

    /// <summary>Longest command line, CRLF included (verbs flagged <see cref="VerbFlags.LongArgument"/> may use the framing's whole length).</summary>
    public int MaxCommandLength { get => _maxCommandLength; set => _maxCommandLength = AtLeast(value, 2); }

    /// <summary>Bad commands (unknown, syntax, out of sequence, too long) before the closing reply.</summary>
    public int MaxBadCommands { get => _maxBadCommands; set => _maxBadCommands = AtLeast(value, 1); }

    /// <summary>Uses of one <see cref="VerbFlags.Junk"/> verb before the closing reply.</summary>
    public int MaxRepeats { get => _maxRepeats; set => _maxRepeats = AtLeast(value, 1); }

    /// <summary>No-op-like commands (NOOP, SMTP <c>BDAT 0</c>, refused recipients) before the closing reply.</summary>
    public int MaxNoops { get => _maxNoops; set => _maxNoops = AtLeast(value, 1); }

    /// <summary>Failed authentications before the closing reply (each also waits, see <see cref="AuthThrottle"/>).</summary>
    public int MaxAuthFailures { get => _maxAuthFailures; set => _maxAuthFailures = AtLeast(value, 1); }

    /// <summary>Longest silence: no byte at all for this long ends the session.</summary>
    public TimeSpan IdleTimeout { get => _idleTimeout; set => _idleTimeout = Positive(value); }

    /// <summary>
    /// The whole next command must have arrived within this time from when the server starts waiting for it, however
    /// the bytes trickle in (one byte a minute does not keep a session open).
    /// </summary>
    public TimeSpan CommandDeadline { get => _commandDeadline; set => _commandDeadline = Positive(value); }

    /// <summary>Longest silence inside a transfer (SMTP DATA/BDAT, an IMAP literal).</summary>
    public TimeSpan TransferIdleTimeout { get => _transferIdleTimeout; set => _transferIdleTimeout = Positive(value); }

    /// <summary>A whole transfer must arrive within this time.</summary>
    public TimeSpan TransferDeadline { get => _transferDeadline; set => _transferDeadline = Positive(value); }
}
