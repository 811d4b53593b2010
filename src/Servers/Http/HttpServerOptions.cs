namespace Protocols.Servers.Http;

/// <summary>What the static file server serves and allows. Defaults are safe: read-only, no auth, no CORS.</summary>
public sealed class HttpServerOptions
{
    private long _maxUploadBytes = 30_000_000;
    private long _compressionMinimumBytes = 1024;

    /// <summary>The directory served. Default: the current directory. Nothing outside it is ever served or written.</summary>
    public string Root { get; set; } = Directory.GetCurrentDirectory();

    /// <summary>Accept PUT to a file path and POST multipart/form-data to a directory. Default off.</summary>
    public bool AllowUploads { get; set; }

    /// <summary>
    /// The largest request body an upload may have, in bytes; over it the answer is 413. Default 30,000,000:
    /// Kestrel's own <c>MaxRequestBodySize</c> default.
    /// </summary>
    public long MaxUploadBytes
    {
        get => _maxUploadBytes;
        set => _maxUploadBytes = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "must be positive");
    }

    /// <summary>List directories without an index file (HTML, or JSON when asked). Default on, as <c>python -m http.server</c>.</summary>
    public bool DirectoryListing { get; set; } = true;

    /// <summary>The file served for a directory when present. Default <c>index.html</c>; null to always list.</summary>
    public string? IndexFile { get; set; } = "index.html";

    /// <summary>Answer CORS preflights and add <c>Access-Control-Allow-Origin</c> to responses. Default off.</summary>
    public bool EnableCors { get; set; }

    /// <summary>With <see cref="Password"/>, require HTTP basic authentication (RFC 7617) on every file request.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>The realm named in <c>WWW-Authenticate</c>. Default "proto".</summary>
    public string Realm { get; set; } = "proto";

    /// <summary>gzip or Brotli for compressible types when the client accepts them. Default on.</summary>
    public bool EnableCompression { get; set; } = true;

    /// <summary>Files smaller than this go uncompressed (the gain does not pay the cost). Default 1024 bytes.</summary>
    public long CompressionMinimumBytes
    {
        get => _compressionMinimumBytes;
        set => _compressionMinimumBytes = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <summary>Files up to this size are kept in memory (checked against size and time on every request). Default 64 KiB; 0 turns the cache off.</summary>
    public int SmallFileCacheBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Host names (without port) the server answers to besides IP literals, <c>localhost</c> and <c>*.localhost</c>;
    /// any other <c>Host</c> gets 421 (a DNS-rebinding defence). Default empty. Add the machine's name to serve it by name.
    /// </summary>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>Routes under <see cref="ReservedRoutes.Prefix"/> (<c>/_proto/</c>), which never map to files.</summary>
    public ReservedRoutes ReservedRoutes { get; } = new();

    internal bool RequiresAuthentication => UserName is not null && Password is not null;
}
