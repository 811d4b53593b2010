using System.Net;
using System.Net.Sockets;

namespace Protocols.Net;

/// <summary>TCP over the operating system's sockets (IPv4 and IPv6).</summary>
public sealed class SocketNetwork : INetwork
{
    /// <summary>The one instance: it holds no state.</summary>
    public static SocketNetwork Shared { get; } = new();

    private SocketNetwork()
    {
    }

    public Task<Connection> ConnectAsync(string host, int port, ConnectionOptions? options = null, CancellationToken cancellationToken = default) =>
        Connection.ConnectAsync(host, port, options, cancellationToken);

    public IConnectionListener Listen(IPEndPoint endPoint, int backlog = 16)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endPoint);
            socket.Listen(backlog);
            return new Listener(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class Listener(Socket socket) : IConnectionListener
    {
        public IPEndPoint LocalEndPoint { get; } = (IPEndPoint)socket.LocalEndPoint!;

        public async Task<Connection> AcceptAsync(ConnectionOptions? options = null, CancellationToken cancellationToken = default)
        {
            var accepted = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            accepted.NoDelay = true;
            return Connection.Create(accepted, options);
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
