using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Protocols.Net;

namespace Protocols.Servers.Ftp;

/// <summary>What the connections of one server share: connection counts and the passive port pool.</summary>
public sealed class FtpServerState(FtpServerOptions options)
{
    private readonly ConcurrentDictionary<IPAddress, int> _perIp = new();
    private int _total;
    private int _nextPort;

    public FtpServerOptions Options { get; } = options;

    /// <summary>Connections open now.</summary>
    public int ConnectionCount => Volatile.Read(ref _total);

    /// <summary>Counts a new connection; false (and nothing counted) when a limit is reached.</summary>
    public bool TryEnter(IPAddress? address)
    {
        if (Interlocked.Increment(ref _total) > Options.MaxConnections)
        {
            Interlocked.Decrement(ref _total);
            return false;
        }
        if (address is null) return true;
        var count = _perIp.AddOrUpdate(address, 1, (_, n) => n + 1);
        if (count <= Options.MaxConnectionsPerIp) return true;
        Leave(address);
        return false;
    }

    public void Leave(IPAddress? address)
    {
        Interlocked.Decrement(ref _total);
        if (address is null) return;
        while (true)
        {
            var n = _perIp.GetValueOrDefault(address);
            if (n <= 1)
            {
                if (_perIp.TryRemove(new KeyValuePair<IPAddress, int>(address, n))) return;
                if (n == 0) return;
            }
            else if (_perIp.TryUpdate(address, n - 1, n)) return;
        }
    }

    /// <summary>Listens for a passive data connection on <paramref name="address"/>, within the port range, on <see cref="FtpServerOptions.Network"/>.</summary>
    internal IConnectionListener ListenPassive(IPAddress address)
    {
        int min = Options.PassivePortMin, max = Options.PassivePortMax;
        var network = Options.Network;
        if (min <= 0 || max < min) return network.Listen(new IPEndPoint(address, 0), backlog: 1);
        var count = max - min + 1;
        var start = Interlocked.Increment(ref _nextPort);
        for (var i = 0; i < count; i++)
        {
            var port = min + (int)((uint)(start + i) % (uint)count);
            try
            {
                return network.Listen(new IPEndPoint(address, port), backlog: 1);
            }
            catch (SocketException)
            {
                // Taken: try the next port of the range.
            }
        }
        throw new SocketException((int)SocketError.AddressAlreadyInUse);
    }
}
