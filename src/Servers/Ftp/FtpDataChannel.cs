using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Protocols.Servers.Ftp;

/// <summary>
/// A data connection waiting to be opened: passive (we listen, and accept only the control connection's peer:
/// anyone else who connects first is dropped, the hijack defence) or active (we connect to an address that
/// PORT/EPRT gave, already checked to be the control peer's own: the bounce defence).
/// </summary>
internal sealed class FtpDataChannel : IAsyncDisposable
{
    private readonly Socket? _listener;
    private readonly IPEndPoint? _target;
    private readonly IPAddress _peer;

    private FtpDataChannel(Socket? listener, IPEndPoint? target, IPAddress peer)
    {
        _listener = listener;
        _target = target;
        _peer = Normalize(peer);
    }

    public static FtpDataChannel Passive(Socket listener, IPAddress peer) => new(listener, null, peer);

    public static FtpDataChannel Active(IPEndPoint target, IPAddress peer) => new(null, target, peer);

    /// <summary>The port we listen on (passive).</summary>
    public int LocalPort => ((IPEndPoint)_listener!.LocalEndPoint!).Port;

    /// <summary>Connections refused because they came from another address.</summary>
    public int RefusedPeers { get; private set; }

    /// <summary>Opens the connection within <paramref name="timeout"/>, with TLS as the server when a certificate is given.</summary>
    public async Task<DataConnection> OpenAsync(X509Certificate2? tlsCertificate, bool upload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        Socket socket;
        try
        {
            socket = _listener is not null ? await AcceptPeerAsync(cts.Token).ConfigureAwait(false) : await ConnectAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("the data connection was not opened in time", e);
        }
        finally
        {
            _listener?.Dispose();
        }
        socket.NoDelay = true;
        var network = new NetworkStream(socket, ownsSocket: true);
        if (tlsCertificate is null) return new DataConnection(socket, network, null);
        var tls = new SslStream(network, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = tlsCertificate,
                // Uploads use TLS 1.2: TLS 1.3 sends session tickets after the handshake, and a client (curl) that
                // uploads and closes with a ticket unread resets the connection, which can cost the upload its tail.
                EnabledSslProtocols = upload ? SslProtocols.Tls12 : SslProtocols.None,
            }, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException("the TLS handshake on the data connection timed out", e);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new DataConnection(socket, tls, tls);
    }

    private async Task<Socket> AcceptPeerAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var socket = await _listener!.AcceptAsync(cancellationToken).ConfigureAwait(false);
            if (socket.RemoteEndPoint is IPEndPoint remote && Normalize(remote.Address).Equals(_peer)) return socket;
            RefusedPeers++;
            socket.LingerState = new LingerOption(true, 0);
            socket.Dispose();
        }
    }

    private async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(_target!.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(_target, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    internal static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public ValueTask DisposeAsync()
    {
        _listener?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>An open data connection: the socket (for sendfile) and the stream to use (TLS or not).</summary>
internal sealed class DataConnection(Socket socket, Stream stream, SslStream? tls) : IAsyncDisposable
{
    public Socket Socket { get; } = socket;
    public Stream Stream { get; } = stream;
    public bool IsTls => tls is not null;

    /// <summary>Ends the sending side cleanly: TLS close_notify, then FIN.</summary>
    public async Task CompleteSendAsync()
    {
        await Stream.FlushAsync().ConfigureAwait(false);
        if (tls is not null) await tls.ShutdownAsync().ConfigureAwait(false);
        Socket.Shutdown(SocketShutdown.Send);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The peer reset the connection; there is nothing left to release.
        }
        Socket.Dispose();
    }
}
