using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.Lines;

/// <summary>
/// What the sessions of one server share: the protocol's name (the <c>protocol</c> tag of logs and metrics), the
/// logger, the one metrics source, the fault interceptor and the per-address authentication throttle.
/// </summary>
public sealed class LineServices
{
    public LineServices(string protocol, ILogger? logger = null, ProtocolsMetrics? metrics = null, IVerbInterceptor? interceptor = null,
        AuthThrottle? authThrottle = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(protocol);
        Protocol = protocol;
        Logger = logger ?? NullLogger.Instance;
        Metrics = metrics ?? ProtocolsMetrics.Shared;
        Interceptor = interceptor;
        AuthThrottle = authThrottle ?? new AuthThrottle();
    }

    /// <summary>"smtp", "pop3", "imap", "ftp".</summary>
    public string Protocol { get; }

    public ILogger Logger { get; }

    /// <summary>Where connections, messages, bytes and refusals are counted (once).</summary>
    public ProtocolsMetrics Metrics { get; }

    /// <summary>Scripted faults around the verb table; null in production.</summary>
    public IVerbInterceptor? Interceptor { get; }

    public AuthThrottle AuthThrottle { get; }
}
