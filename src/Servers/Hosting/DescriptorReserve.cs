using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Protocols.Net;

namespace Protocols.Servers.Hosting;

/// <summary>
/// The descriptor reserve (<see cref="DescriptorLimit"/>) on Kestrel's endpoints, as the line listener keeps it: a
/// connection whose socket lands within the reserve under the process's limit is closed before it is served, a plain
/// HTTP one after a <c>503</c> with <c>Retry-After: 1</c>; a TLS or raw TCP one without a word (nothing could be read
/// before a handshake). A full descriptor table would make the JIT runtime abort the process.
/// </summary>
internal static class DescriptorReserve
{
    private static readonly byte[] Busy =
        "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n"u8.ToArray();

    /// <summary>Kestrel connection middleware, first on the endpoint (before TLS).</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Gate(bool plainHttp) => next => connection =>
        connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket
        && DescriptorLimit.IsNearLimit(socket.SafeHandle.DangerousGetHandle())
            ? RefuseAsync(connection, plainHttp)
            : next(connection);

    // Kestrel closes the connection when this returns.
    private static async Task RefuseAsync(ConnectionContext connection, bool plainHttp)
    {
        if (!plainHttp) return;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await connection.Transport.Output.WriteAsync(Busy, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
            // The client is gone or not reading: closing is all that is left.
        }
    }
}
