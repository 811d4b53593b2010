using System.Net;
using System.Net.Sockets;
using Protocols.Net;
using Protocols.Servers.Lines;

namespace Protocols.Servers.Ftp;

/// <summary>What the connections of one server share: the connection limiter (the kernel's, as every endpoint) and the passive port pool.</summary>
public sealed class FtpServerState(FtpServerOptions options)
{
    private int _nextPort;

    public FtpServerOptions Options { get; } = options;

    /// <summary>
    /// Total and per-address limits (<see cref="FtpServerOptions.MaxConnections"/>, <see cref="FtpServerOptions.MaxConnectionsPerIp"/>),
    /// with the kernel's rule that sessions idle under stress are evicted for newcomers.
    /// </summary>
    public ConnectionLimiter Limiter { get; } = new(options.MaxConnections, options.MaxConnectionsPerIp);

    /// <summary>
    /// Failed logins per client address across connections (the kernel's): each failure waits
    /// <see cref="FtpServerOptions.LoginFailureDelay"/>, doubling with each further failure from that address up to 5 s,
    /// so reconnecting buys a guesser nothing.
    /// </summary>
    public AuthThrottle AuthThrottle { get; } = new() { BaseDelay = options.LoginFailureDelay };

    /// <summary>Connections open now.</summary>
    public int ConnectionCount => Limiter.Active;

    /// <summary>Copies the live options' connection limits into <see cref="Limiter"/> (before each connection is admitted).</summary>
    internal void ApplyLimits()
    {
        Limiter.MaxConnections = Options.MaxConnections;
        Limiter.MaxConnectionsPerAddress = Options.MaxConnectionsPerIp;
        Limiter.StressIdleTimeout = Options.StressIdleTimeout;
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
