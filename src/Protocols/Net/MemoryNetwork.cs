using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Protocols.Net;

/// <summary>
/// A network in memory, for tests: <see cref="Listen"/> registers an end point, <see cref="ConnectAsync"/> joins a
/// <see cref="Connection.CreatePair"/> to it. Hosts are IP literals (or <c>localhost</c>); connecting where nobody
/// listens throws <see cref="SocketException"/> (connection refused), as a socket would.
/// </summary>
public sealed class MemoryNetwork : INetwork
{
    private readonly ConcurrentDictionary<IPEndPoint, Listener> _listeners = new();
    private int _nextPort = 40000;

    /// <summary>The address connections come from; default 127.0.0.1.</summary>
    public IPAddress ClientAddress { get; set; } = IPAddress.Loopback;

    public async Task<Connection> ConnectAsync(string host, int port, ConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        var address = bare.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(bare, out var literal) ? literal : throw new SocketException((int)SocketError.HostNotFound);
        if (!_listeners.TryGetValue(new IPEndPoint(address, port), out var listener)) throw new SocketException((int)SocketError.ConnectionRefused);
        options ??= ConnectionOptions.Default;
        var clientEnd = new IPEndPoint(ClientAddress, NextPort());
        var (clientPipe, serverPipe) = Connection.CreatePipePair();
        var client = Connection.Create(clientPipe, options, clientEnd, listener.LocalEndPoint);
        if (!listener.Offer(new Pending(serverPipe, clientEnd)))
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new SocketException((int)SocketError.ConnectionRefused);
        }
        if (options.Tls is { } tls)
        {
            try
            {
                await client.UpgradeToTlsAsync(tls.ToSslOptions(bare), PlaintextPolicy.Reject, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await client.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        return client;
    }

    public IConnectionListener Listen(IPEndPoint endPoint, int backlog = 16)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var bound = new IPEndPoint(endPoint.Address, endPoint.Port == 0 ? NextPort() : endPoint.Port);
        var listener = new Listener(this, bound, backlog);
        if (!_listeners.TryAdd(bound, listener)) throw new SocketException((int)SocketError.AddressAlreadyInUse);
        return listener;
    }

    private int NextPort() => 1024 + (Interlocked.Increment(ref _nextPort) % (65535 - 1024));

    /// <summary>A connection waiting to be accepted: the listener's end of the pipes and who connected.</summary>
    private readonly record struct Pending(System.IO.Pipelines.IDuplexPipe Pipe, IPEndPoint From);

    private sealed class Listener(MemoryNetwork network, IPEndPoint endPoint, int backlog) : IConnectionListener
    {
        private readonly Channel<Pending> _pending = Channel.CreateBounded<Pending>(new BoundedChannelOptions(Math.Max(1, backlog) + 1) { FullMode = BoundedChannelFullMode.Wait });

        public IPEndPoint LocalEndPoint { get; } = endPoint;

        public bool Offer(Pending connect) => _pending.Writer.TryWrite(connect);

        public async Task<Connection> AcceptAsync(ConnectionOptions? options = null, CancellationToken cancellationToken = default)
        {
            try
            {
                var connect = await _pending.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                return Connection.Create(connect.Pipe, options, LocalEndPoint, connect.From);
            }
            catch (ChannelClosedException e)
            {
                throw new ObjectDisposedException("the listener was disposed", e);
            }
        }

        public async ValueTask DisposeAsync()
        {
            network._listeners.TryRemove(new KeyValuePair<IPEndPoint, Listener>(LocalEndPoint, this));
            _pending.Writer.TryComplete();
            while (_pending.Reader.TryRead(out var refused))
            {
                var reason = new ConnectionClosedException("the connection was refused");
                await refused.Pipe.Output.CompleteAsync(reason).ConfigureAwait(false);
                await refused.Pipe.Input.CompleteAsync(reason).ConfigureAwait(false);
            }
        }
    }
}
