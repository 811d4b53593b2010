using System.Net;
using Protocols.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace Protocols.Servers.Ftp;

/// <summary>
/// A standalone FTP server (a <see cref="LineServer"/>): one plain/explicit-TLS control endpoint on the host's line
/// listener and optionally an implicit FTPS one there too (the handshake at accept). Passive data connections are the
/// session's own listeners.
/// </summary>
public sealed class FtpServer : LineServer
{
    private FtpServer(Started started, FtpServerState state, bool implicitTls)
        : base(started, "ftp", implicitTls ? "ftps" : null) => State = state;

    /// <summary>Options, users and live counters shared by every session.</summary>
    public FtpServerState State { get; }

    /// <summary>Starts on the shared hosting path (<see cref="ProtocolsHostBuilder"/>); returns when listening.</summary>
    public static async Task<FtpServer> StartAsync(FtpServerOptions options, IPEndPoint endPoint, IPEndPoint? implicitTlsEndPoint = null,
        Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endPoint);
        var state = new FtpServerState(options);
        var started = await StartHostAsync(logging, builder =>
        {
            builder.AddLineEndpoint("ftp", endPoint, new FtpConnectionHandler(state, implicitTls: false, builder.LoggerFactory.CreateLogger<FtpConnectionHandler>()));
            if (implicitTlsEndPoint is not null)
            {
                var handler = new FtpConnectionHandler(state, implicitTls: true, builder.LoggerFactory.CreateLogger<FtpConnectionHandler>());
                builder.AddLineEndpoint("ftps", implicitTlsEndPoint, handler, new EndpointTls(options.Certificate!));
            }
        }, cancellationToken).ConfigureAwait(false);
        return new FtpServer(started, state, implicitTlsEndPoint is not null);
    }
}
