using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Protocols.Net;

namespace Protocols.Servers.Ftp;

/// <summary>
/// Hands each Kestrel connection of an FTP endpoint to an <see cref="FtpSession"/>, after the connection limits
/// (the kernel's <see cref="Lines.ConnectionLimiter"/>, total and per IP: 421 when over; idle sessions evicted under stress). One instance per endpoint; per-connection state lives in the session.
/// </summary>
public sealed class FtpConnectionHandler : ConnectionHandler
{
    private readonly FtpServerState _state;
    private readonly bool _implicitTls;
    private readonly ILogger _logger;

    [ActivatorUtilitiesConstructor]
    public FtpConnectionHandler(FtpServerState state, ILogger<FtpConnectionHandler> logger)
        : this(state, implicitTls: false, logger)
    {
    }

    public FtpConnectionHandler(FtpServerState state, bool implicitTls, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (implicitTls && state.Options.Certificate is null) throw new ArgumentException("implicit FTPS needs FtpServerOptions.Certificate", nameof(implicitTls));
        _state = state;
        _implicitTls = implicitTls;
        _logger = logger ?? NullLogger.Instance;
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var address = (connection.RemoteEndPoint as IPEndPoint)?.Address is { } a ? FtpDataChannel.Normalize(a) : null;
        var options = new ConnectionOptions { MaxLineLength = _state.Options.MaxCommandLength + 2, AcceptBareLf = true, WriteTimeout = TimeSpan.FromSeconds(60) };
        // Over a stream rather than the pipe: the TLS upgrade then sees as "pipelined plaintext" only what the
        // reader had already buffered when AUTH TLS was read, never the ClientHello that races in after our 234.
        var control = Connection.Create(new DuplexStream(connection.Transport), options);
        await using (control.ConfigureAwait(false))
        {
            using var lease = _state.TryEnter(connection.RemoteEndPoint, out var refusal);
            if (lease is null)
            {
                _logger.LogWarning("FTP connection from {Remote} refused: {Reason}", address, refusal);
                try
                {
                    await control.Writer.WriteLineAsync("421 Too many connections, try again later.").ConfigureAwait(false);
                    await control.CloseAsync().ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // The client left first.
                }
                return;
            }
            try
            {
                var session = new FtpSession(control, _state, _logger, connection.LocalEndPoint, connection.RemoteEndPoint) { Lease = lease };
                await session.RunAsync(_implicitTls).ConfigureAwait(false);
                await control.CloseAsync().ConfigureAwait(false);
            }
            catch (IOException e)
            {
                _logger.LogDebug(e, "FTP connection from {Remote} closed uncleanly", address);
            }
        }
    }
}
