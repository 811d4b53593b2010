using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Protocols.Servers.Metrics;

/// <summary>Counts a Kestrel endpoint's connections in <see cref="ProtocolsMetrics"/>, for protocols that do not count their own.</summary>
public static class ConnectionMetricsExtensions
{
    /// <summary>Adds connection middleware that counts each connection under <paramref name="protocol"/>; call before the handler.</summary>
    public static ListenOptions UseConnectionMetrics(this ListenOptions listenOptions, ProtocolsMetrics metrics, string protocol)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentException.ThrowIfNullOrEmpty(protocol);
        listenOptions.Use(next => async connection =>
        {
            using var scope = metrics.ConnectionOpened(protocol);
            await next(connection).ConfigureAwait(false);
        });
        return listenOptions;
    }
}
