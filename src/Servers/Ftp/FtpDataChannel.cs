using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Protocols.Net;

namespace Protocols.Servers.Ftp;

/// <summary>
/// A data connection waiting to be opened, on an <see cref="INetwork"/> (sockets, or memory in tests): passive (we
/// listen, and accept only the control connection's peer: anyone else who connects first is dropped, the hijack
/// defence) or active (we connect to an address that PORT/EPRT gave, already checked to be the control peer's own:
/// the bounce defence).
/// </summary>
internal sealed class FtpDataChannel : IAsyncDisposable
{
    private readonly IConnectionListener? _listener;
    private readonly INetwork? _network;
    private readonly IPEndPoint? _target;
    private readonly IPAddress _peer;

    private FtpDataChannel(IConnectionListener? listener, INetwork? network, IPEndPoint? target, IPAddress peer)
    {
        _listener = listener;
        _network = network;
        _target = target;
        _peer = Normalize(peer);
    }

    public static FtpDataChannel Passive(IConnectionListener listener, IPAddress peer) => new(listener, null, null, peer);

    public static FtpDataChannel Active(INetwork network, IPEndPoint target, IPAddress peer) => new(null, network, target, peer);

    /// <summary>The port we listen on (passive).</summary>
    public int LocalPort => _listener!.LocalEndPoint.Port;

    /// <summary>Connections refused because they came from another address.</summary>
    public int RefusedPeers { get; private set; }

    /// <summary>Opens the connection within <paramref name="timeout"/>, with TLS as the server when a certificate is given.</summary>
    public async Task<Connection> OpenAsync(ConnectionOptions options, X509Certificate2? tlsCertificate, bool upload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        Connection data;
        try
        {
            data = _listener is not null
                ? await AcceptPeerAsync(options, cts.Token).ConfigureAwait(false)
                : await _network!.ConnectAsync(_target!.Address.ToString(), _target.Port, options, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("the data connection was not opened in time", e);
        }
        finally
        {
            if (_listener is not null) await _listener.DisposeAsync().ConfigureAwait(false);
        }
        if (tlsCertificate is null) return data;
        try
        {
            await data.UpgradeToTlsAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = tlsCertificate,
                // Uploads use TLS 1.2: TLS 1.3 sends session tickets after the handshake, and a client (curl) that
                // uploads and closes with a ticket unread resets the connection, which can cost the upload its tail.
                EnabledSslProtocols = upload ? SslProtocols.Tls12 : SslProtocols.None,
            }, PlaintextPolicy.Reject, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await data.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException("the TLS handshake on the data connection timed out", e);
        }
        catch
        {
            await data.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return data;
    }

    private async Task<Connection> AcceptPeerAsync(ConnectionOptions options, CancellationToken cancellationToken)
    {
        while (true)
        {
            var connection = await _listener!.AcceptAsync(options, cancellationToken).ConfigureAwait(false);
            if (connection.RemoteEndPoint is IPEndPoint remote && Normalize(remote.Address).Equals(_peer)) return connection;
            RefusedPeers++;
            connection.Abort();
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public ValueTask DisposeAsync() => _listener?.DisposeAsync() ?? ValueTask.CompletedTask;
}
