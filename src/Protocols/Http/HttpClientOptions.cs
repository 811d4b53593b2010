using Protocols.Net;

namespace Protocols.Http;

/// <summary>Limits, timeouts and behaviour of an <see cref="Http1Client"/>. Each default says where it comes from.</summary>
public sealed class HttpClientOptions
{
    private TimeSpan _timeout = TimeSpan.FromSeconds(100);
    private TimeSpan _connectTimeout = TimeSpan.FromSeconds(30);
    private TimeSpan _readTimeout = TimeSpan.FromSeconds(100);
    private TimeSpan _idleConnectionTimeout = TimeSpan.FromSeconds(60);
    private int _maxConnectionsPerOrigin = 16;
    private int _maxRedirects = 10;
    private int _maxLineLength = 8192;
    private int _maxHeadLength = 64 * 1024;
    private int _maxHeaderCount = 100;
    private int _receiveBufferSize = 256 * 1024;
    private long _maxBufferedBodyLength = 64L * 1024 * 1024;

    /// <summary>
    /// Time from sending the request until the response head has arrived (connecting and sending included).
    /// Default 100 s, System.Net.Http.HttpClient.Timeout. Expiry throws <see cref="TimeoutException"/>.
    /// </summary>
    public TimeSpan Timeout { get => _timeout; set => _timeout = Check(value); }

    /// <summary>Time allowed to open a TCP connection and finish TLS. Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get => _connectTimeout; set => _connectTimeout = Check(value); }

    /// <summary>Idle limit on each wait for bytes, body included. Default 100 s, like <see cref="Timeout"/>.</summary>
    public TimeSpan ReadTimeout { get => _readTimeout; set => _readTimeout = Check(value); }

    /// <summary>How long a kept-alive connection may sit idle in the pool. Default 60 s (SocketsHttpHandler's PooledConnectionIdleTimeout is 60 s; nginx closes after 75 s).</summary>
    public TimeSpan IdleConnectionTimeout { get => _idleConnectionTimeout; set => _idleConnectionTimeout = Check(value); }

    /// <summary>Most connections open at once to one origin; more requests wait. Default 16.</summary>
    public int MaxConnectionsPerOrigin { get => _maxConnectionsPerOrigin; set => _maxConnectionsPerOrigin = AtLeast(value, 1); }

    /// <summary>Follow 301/302/303/307/308. Default true, as System.Net.Http (curl needs -L).</summary>
    public bool FollowRedirects { get; set; } = true;

    /// <summary>Most redirects followed for one request. Default 10 (browsers allow about 20, curl 50 with -L).</summary>
    public int MaxRedirects { get => _maxRedirects; set => _maxRedirects = AtLeast(value, 0); }

    /// <summary>Follow a redirect from https to http. Default false, as System.Net.Http.</summary>
    public bool AllowHttpsToHttpRedirect { get; set; }

    /// <summary>Send <c>Accept-Encoding: gzip, deflate, br</c> and decode the body. Default true. A request that sets Accept-Encoding itself gets the body as sent.</summary>
    public bool AutomaticDecompression { get; set; } = true;

    /// <summary>Accept any server certificate (curl's <c>-k</c>). Default false.</summary>
    public bool AcceptAnyCertificate { get; set; }

    /// <summary>Longest line in the response head or a chunk header. Default 8192, Kestrel's and nginx's large_client_header_buffers.</summary>
    public int MaxLineLength { get => _maxLineLength; set => _maxLineLength = AtLeast(value, 64); }

    /// <summary>Longest response head (status line and headers) and longest trailer section. Default 64 KiB (SocketsHttpHandler's MaxResponseHeadersLength).</summary>
    public int MaxHeadLength { get => _maxHeadLength; set => _maxHeadLength = AtLeast(value, 64); }

    /// <summary>Most header fields in one response head or trailer section. Default 100 (Kestrel's MaxRequestHeaderCount).</summary>
    public int MaxHeaderCount { get => _maxHeaderCount; set => _maxHeaderCount = AtLeast(value, 1); }

    /// <summary>Accept a bare LF as a line end in the head (RFC 9112 §2.2 allows it; curl and browsers do). Default true.</summary>
    public bool AcceptBareLf { get; set; } = true;

    /// <summary>Most bytes <c>GetBytesAsync</c> / <c>ReadAsBytesAsync</c> buffer. Default 64 MiB.</summary>
    public long MaxBufferedBodyLength { get => _maxBufferedBodyLength; set => _maxBufferedBodyLength = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value)); }

    /// <summary>Receive buffer per connection. Default 256 KiB: a 1 GiB download from nginx took about a third less system CPU than with 64 KiB (fewer reads). An open connection may hold one.</summary>
    public int ReceiveBufferSize { get => _receiveBufferSize; set => _receiveBufferSize = AtLeast(value, 512); }

    /// <summary>
    /// Plain connections wait for a quick reply on the caller's own thread (poll(2), at most 10 ms to a loopback
    /// server, 1 ms to others, a few callers at once, skipped after a miss) and complete on .NET's socket thread, so a
    /// keep-alive reply costs no thread-pool wake-up (docs/http-client.md, "The keep-alive path"). On by default;
    /// false keeps .NET's own socket scheduling. TLS connections always keep it.
    /// </summary>
    public bool QuickReplies { get; set; } = true;

    private TimeSpan _replySpin = TimeSpan.FromMicroseconds(100);

    /// <summary>
    /// With <see cref="QuickReplies"/>: the most the caller's thread spins (probing the socket with poll(2) at a
    /// timeout of 0) before it sleeps for the reply, while replies on the connection have come within it and the
    /// server's replies come through another processor than the caller's (a server on the caller's processor could
    /// only answer once the spin ends). On a machine whose idle processors halt (a virtual machine), a reply that finds
    /// a running thread saves a wake-up: 1.1-1.3x the keep-alive GETs per second from nginx, for 10-25% more CPU per
    /// GET (docs/performance.md, "httpka2"). Default 100 us; zero for no spin; at most 1 ms.
    /// </summary>
    public TimeSpan ReplySpin
    {
        get => _replySpin;
        set => _replySpin = value >= TimeSpan.Zero && value <= ConnectionOptions.MaxReplySpin
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), $"between 0 and {ConnectionOptions.MaxReplySpin.TotalMilliseconds} ms");
    }

    /// <summary>The User-Agent sent unless the request sets one; null sends none. Default <c>proto/0.1</c>.</summary>
    public string? UserAgent { get; set; } = "proto/0.1";

    /// <summary>
    /// Where each connection is logged: request and response heads as raw bytes, Authorization, Proxy-Authorization,
    /// Cookie and Set-Cookie values redacted (<see cref="ProtocolSecretDetector"/>), bodies left out; connection events
    /// as info. Null for none. <c>new TextProtocolLogger(Console.Error, "&gt; ", "&lt; ")</c> prints curl -v style.
    /// Shared by the pooled connections: a sink must be thread-safe (the ready-made ones are).
    /// </summary>
    public IProtocolLogger? ProtocolLogger { get; set; }

    /// <summary>
    /// Opens connections instead of TCP (in-memory tests, proxies, Unix sockets). It gets the origin and must return a
    /// connection with TLS already up for https when wanted; null uses <see cref="Connection.ConnectAsync"/>.
    /// </summary>
    public Func<HttpOrigin, CancellationToken, ValueTask<Connection>>? ConnectCallback { get; set; }

    internal ConnectionOptions ToConnectionOptions(HttpOrigin origin)
    {
        var options = new ConnectionOptions
        {
            ConnectTimeout = ConnectTimeout,
            TlsHandshakeTimeout = ConnectTimeout,
            ReadTimeout = ReadTimeout,
            MaxLineLength = MaxLineLength,
            AcceptBareLf = AcceptBareLf,
            ReceiveBufferSize = ReceiveBufferSize,
            QuickReplies = QuickReplies,
            ReplySpin = ReplySpin,
        };
        if (origin.IsTls)
        {
            var tls = new TlsClientOptions { AcceptAnyCertificate = AcceptAnyCertificate };
            tls.ApplicationProtocols.Add(System.Net.Security.SslApplicationProtocol.Http11);
            options.Tls = tls;
        }
        return options;
    }

    private static TimeSpan Check(TimeSpan value) =>
        value > TimeSpan.Zero || value == System.Threading.Timeout.InfiniteTimeSpan
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), "a positive time or Timeout.InfiniteTimeSpan");

    private static int AtLeast(int value, int min) => value >= min ? value : throw new ArgumentOutOfRangeException(nameof(value), $"at least {min}");
}
