using System.Net;

namespace Protocols.Servers.Testing;

/// <summary>Options for <see cref="HttpTestServer"/>. Defaults: 127.0.0.1, port 0, plain HTTP, no static root.</summary>
public sealed class HttpTestServerOptions
{
    private int _maxRecordedBodyBytes = 1024 * 1024;

    /// <summary>Address to bind. Default 127.0.0.1.</summary>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>Port to bind. Default 0: any free port (see <see cref="HttpTestServer.BaseAddress"/>).</summary>
    public int Port { get; set; }

    /// <summary>HTTPS with a self-signed certificate made at start. Default off.</summary>
    public bool UseTls { get; set; }

    /// <summary>When set, requests no stub matches are served from this directory (the full file server).</summary>
    public string? StaticRoot { get; set; }

    /// <summary>Allow PUT/POST uploads into <see cref="StaticRoot"/>. Default off.</summary>
    public bool AllowUploads { get; set; }

    /// <summary>Largest request body accepted and recorded; past it the answer is 413. Default 1 MiB.</summary>
    public int MaxRecordedBodyBytes
    {
        get => _maxRecordedBodyBytes;
        set => _maxRecordedBodyBytes = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <summary>How many requests the journal keeps (oldest dropped first). Default 10,000.</summary>
    public int JournalCapacity { get; set; } = 10_000;
}
