namespace Protocols.Net;

/// <summary>Limits and timeouts of one connection. Each default says where it comes from.</summary>
public sealed class ConnectionOptions
{
    private TimeSpan _connectTimeout = TimeSpan.FromSeconds(30);
    private TimeSpan _readTimeout = Timeout.InfiniteTimeSpan;
    private TimeSpan _writeTimeout = Timeout.InfiniteTimeSpan;
    private TimeSpan _tlsHandshakeTimeout = TimeSpan.FromSeconds(30);
    private int _maxLineLength = 8192;
    private int _receiveBufferSize = 16 * 1024;
    private long _bulkReadThreshold = 128 * 1024;

    /// <summary>Shared defaults; do not change them: make your own instance.</summary>
    internal static ConnectionOptions Default { get; } = new();

    /// <summary>Time allowed to open the TCP connection. Default 30 s (MailKit and curl wait longer; a dev tool should not).</summary>
    public TimeSpan ConnectTimeout { get => _connectTimeout; set => _connectTimeout = CheckTimeout(value); }

    /// <summary>Idle limit on each wait for incoming bytes; infinite by default (protocols set their own, e.g. RFC 5321 §4.5.3.2).</summary>
    public TimeSpan ReadTimeout { get => _readTimeout; set => _readTimeout = CheckTimeout(value); }

    /// <summary>Limit on each drain (flush with back-pressure); infinite by default.</summary>
    public TimeSpan WriteTimeout { get => _writeTimeout; set => _writeTimeout = CheckTimeout(value); }

    /// <summary>Time allowed for a TLS handshake. Default 30 s.</summary>
    public TimeSpan TlsHandshakeTimeout { get => _tlsHandshakeTimeout; set => _tlsHandshakeTimeout = CheckTimeout(value); }

    /// <summary>
    /// Longest line <see cref="ConnectionReader.ReadLineAsync(CancellationToken)"/> accepts, counting its terminator.
    /// Default 8192, Kestrel's request-line and header limit; SMTP sets 512 for commands (RFC 5321 §4.5.3.1.4).
    /// </summary>
    public int MaxLineLength
    {
        get => _maxLineLength;
        set => _maxLineLength = value >= 2 ? value : throw new ArgumentOutOfRangeException(nameof(value), "at least 2 (a CRLF)");
    }

    /// <summary>Accept a bare LF as a line terminator (HTTP/1.1 recipients may, RFC 9112 §2.2). Off: a bare LF is a protocol error.</summary>
    public bool AcceptBareLf { get; set; }

    /// <summary>TLS at connect (implicit TLS: SMTPS, FTPS, HTTPS); null for plaintext.</summary>
    public TlsClientOptions? Tls { get; set; }

    /// <summary>Size of each receive buffer for socket and stream transports. Default 16 KiB.</summary>
    public int ReceiveBufferSize
    {
        get => _receiveBufferSize;
        set => _receiveBufferSize = value >= 512 ? value : throw new ArgumentOutOfRangeException(nameof(value), "at least 512");
    }

    /// <summary>
    /// Bytes of one bulk read (SMTP DATA or BDAT, a copy of counted bytes) past which the rest of it is read as bulk: on
    /// the line listener's Linux transport the connection's reads then leave the event loop for the thread pool (so a
    /// second core shares large messages while the loop serves the short sessions) and take 64 KiB receives, until the
    /// read ends. Default 128 KiB (a 10 KiB message never switches); <see cref="long.MaxValue"/> for never.
    /// </summary>
    public long BulkReadThreshold
    {
        get => _bulkReadThreshold;
        set => _bulkReadThreshold = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "zero or more");
    }

    /// <summary>
    /// For a client that waits for short replies (HTTP keep-alive): a plain socket completes its waits on .NET's socket
    /// thread and the caller may wait for a reply on its own thread (<see cref="Connection.WaitReadable"/>); see <see cref="SocketThread"/>.
    /// </summary>
    internal bool QuickReplies { get; set; }

    /// <summary>The most a caller spins for a quick reply before it sleeps (<see cref="Connection.WaitReadable"/>); zero for no spin. Between 0 and <see cref="MaxReplySpin"/>.</summary>
    internal TimeSpan ReplySpin
    {
        get => TimeSpan.FromTicks(_replySpin);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxReplySpin);
            _replySpin = value.Ticks;
            ReplySpinTicks = (long)(value.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        }
    }

    private long _replySpin;

    /// <summary>Longest <see cref="ReplySpin"/>: 1 ms (a spin that long costs more than the sleep and wake-up it saves).</summary>
    internal static readonly TimeSpan MaxReplySpin = TimeSpan.FromMilliseconds(1);

    /// <summary><see cref="ReplySpin"/> in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    internal long ReplySpinTicks { get; private set; }

    private static TimeSpan CheckTimeout(TimeSpan value) =>
        value > TimeSpan.Zero || value == Timeout.InfiniteTimeSpan
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), "a positive time or Timeout.InfiniteTimeSpan");
}
