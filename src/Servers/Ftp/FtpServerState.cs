using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

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

    /// <summary>Opens a listening socket for a passive data connection on <paramref name="address"/>, within the port range.</summary>
    internal Socket ListenPassive(IPAddress address)
    {
        int min = Options.PassivePortMin, max = Options.PassivePortMax;
        if (min <= 0 || max < min) return Listen(address, 0) ?? throw new SocketException((int)SocketError.AddressNotAvailable);
        var count = max - min + 1;
        var start = Interlocked.Increment(ref _nextPort);
        for (var i = 0; i < count; i++)
        {
            var port = min + (int)((uint)(start + i) % (uint)count);
            var socket = Listen(address, port);
            if (socket is not null) return socket;
        }
        throw new SocketException((int)SocketError.AddressAlreadyInUse);
    }

    private static Socket? Listen(IPAddress address, int port)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(1);
            return socket;
        }
        catch (SocketException) when (port != 0)
        {
            socket.Dispose();
            return null;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
