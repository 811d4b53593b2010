using System.Net;

namespace Protocols.Net;

/// <summary>
/// Where connections come from: TCP sockets (<see cref="SocketNetwork"/>) or memory (<see cref="MemoryNetwork"/>, for
/// tests). Protocols that open connections of their own during a session (FTP data connections) take one, so the
/// same code runs over sockets in production and over in-memory pairs in a unit test.
/// </summary>
public interface INetwork
{
    /// <summary>Opens a connection to <paramref name="host"/>:<paramref name="port"/> with the options' timeouts, and TLS at once when <see cref="ConnectionOptions.Tls"/> is set.</summary>
    Task<Connection> ConnectAsync(string host, int port, ConnectionOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Listens on <paramref name="endPoint"/> (port 0: any free port). Throws <see cref="System.Net.Sockets.SocketException"/> when the port is taken.</summary>
    IConnectionListener Listen(IPEndPoint endPoint, int backlog = 16);
}

/// <summary>A listening end point of an <see cref="INetwork"/>; dispose stops listening.</summary>
public interface IConnectionListener : IAsyncDisposable
{
    /// <summary>The bound address and port.</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>Waits for the next connection; its <see cref="Connection.RemoteEndPoint"/> says who connected.</summary>
    Task<Connection> AcceptAsync(ConnectionOptions? options = null, CancellationToken cancellationToken = default);
}
