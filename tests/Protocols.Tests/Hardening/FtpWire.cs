using System.Net;
using System.Net.Sockets;
using Protocols.Lines;
using Protocols.Net;

namespace Protocols.Tests.Hardening;

/// <summary>A bare FTP control connection from a chosen loopback address (127.0.0.1 or 127.0.0.2), with a timeout
/// on every wait.</summary>
internal sealed class FtpWire : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private FtpWire(Connection connection) => Connection = connection;

    public Connection Connection { get; }

    public static async Task<Connection> ConnectFromAsync(IPAddress from, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(Wait);
        return Connection.Create(socket, new ConnectionOptions { ReadTimeout = Wait, WriteTimeout = Wait });
    }

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

    public async Task<Reply> ReadAsync() => await ReplyReader.ReadAsync(Connection.Reader).AsTask().WaitAsync(Wait);

    public async Task<Reply> ExpectAsync(int code)
    {
        var reply = await ReadAsync();
        Assert.That(reply.Code, Is.EqualTo(code), () => $"reply was: {reply}");
        return reply;
    }

    public async Task SendAsync(string line)
    {
        Connection.Writer.WriteLine(line);
        await Connection.Writer.DrainAsync().AsTask().WaitAsync(Wait);
    }

    public async Task<Reply> CommandAsync(string line, int code)
    {
        await SendAsync(line);
        return await ExpectAsync(code);
    }

    /// <summary>Sends a command and returns its reply, whatever the code.</summary>
    public async Task<Reply> ReadAfterAsync(string line)
    {
        await SendAsync(line);
        return await ReadAsync();
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

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
