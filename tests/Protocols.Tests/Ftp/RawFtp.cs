using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Tests.Support;

namespace Protocols.Tests.Ftp;

/// <summary>A raw control connection for protocol tests: send a line, read a reply, every wait bounded.</summary>
internal sealed class RawFtp : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly Wire _wire;

    private RawFtp(Connection connection) => _wire = new Wire(connection, Timeout, strictReplies: false);

    public Connection Connection => _wire.Connection;

    public static async Task<RawFtp> ConnectAsync(int port, bool expectGreeting = true)
    {
        var raw = new RawFtp(await Connection.ConnectAsync("127.0.0.1", port).WaitAsync(Timeout));
        if (expectGreeting) Assert.That((await raw.ReadAsync()).Code, Is.EqualTo(220));
        return raw;
    }

    /// <summary>Over a connection already open (an in-memory pair), reading the greeting.</summary>
    public static async Task<RawFtp> OverAsync(Connection connection)
    {
        var raw = new RawFtp(connection);
        Assert.That((await raw.ReadAsync()).Code, Is.EqualTo(220));
        return raw;
    }

    public Task<Reply> ReadAsync() => _wire.ReadAsync();

    /// <summary>Sends a line and returns the reply.</summary>
    public Task<Reply> SendAsync(string line) => _wire.ReadAfterAsync(line);

    public async Task LoginAsync(string user = "user", string password = "pass")
    {
        Assert.That((await SendAsync("USER " + user)).Code, Is.EqualTo(331));
        Assert.That((await SendAsync("PASS " + password)).Code, Is.EqualTo(230));
    }

    /// <summary>EPSV and the port it names.</summary>
    public async Task<int> EpsvAsync()
    {
        var reply = await SendAsync("EPSV");
        Assert.That(reply.Code, Is.EqualTo(229), reply.ToString());
        var text = reply.Text;
        return int.Parse(text[(text.IndexOf("|||", StringComparison.Ordinal) + 3)..text.LastIndexOf('|')], CultureInfo.InvariantCulture);
    }

    public static async Task<Socket> ConnectDataAsync(int port, IPAddress? from = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (from is not null) socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(Timeout);
        return socket;
    }

    public static async Task<byte[]> ReadAllAsync(Socket socket)
    {
        using var stream = new NetworkStream(socket, ownsSocket: true);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy).WaitAsync(Timeout);
        return copy.ToArray();
    }

    /// <summary>True when the server closed the connection (end of stream) within the timeout.</summary>
    public async Task<bool> IsClosedAsync() => await _wire.ReadLineOrEndAsync() is null;

    public ValueTask DisposeAsync() => _wire.DisposeAsync();
}
