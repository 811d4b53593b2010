using System.Net;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Tests.Support;

namespace Protocols.Tests.Hardening;

/// <summary>A bare FTP control connection from a chosen loopback address (127.0.0.1 or 127.0.0.2), with a timeout
/// on every wait.</summary>
internal sealed class FtpWire : Wire
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private FtpWire(Connection connection) : base(connection, Wait)
    {
    }

    public static Task<Connection> ConnectFromAsync(IPAddress from, int port) => Wire.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), Wait, from);

    public static async Task<FtpWire> ConnectAsync(int port, IPAddress? from = null) =>
        new(await ConnectFromAsync(from ?? IPAddress.Loopback, port));

    /// <summary>Connects, expects 220 and logs in anonymously.</summary>
    public static async Task<FtpWire> LoginAsync(int port, IPAddress? from = null)
    {
        var wire = await ConnectAsync(port, from);
        await wire.ExpectAsync(220);
        await wire.CommandAsync("USER anonymous", 331);
        await wire.CommandAsync("PASS guest@", 230);
        return wire;
    }

    /// <summary>EPSV: the passive data port.</summary>
    public async Task<int> PassiveAsync()
    {
        var reply = await CommandAsync("EPSV", 229);
        return int.Parse(reply.Text.Split('|')[3], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The final reply of a transfer (skipping a 150/125 preliminary).</summary>
    public async Task<Reply> TransferReplyAsync()
    {
        var reply = await ReadAsync();
        return reply.Code is 150 or 125 ? await ReadAsync() : reply;
    }
}
