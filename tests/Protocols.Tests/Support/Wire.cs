using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Protocols.Lines;
using Protocols.Net;

namespace Protocols.Tests.Support;

/// <summary>
/// The one scripted client of a line protocol, for tests: over one end of <see cref="Connection.CreatePair"/> (a
/// session run in memory) or over a loopback socket. It sends exactly what the test says (lines, raw bytes, mistakes
/// included), reads lines or 3-digit replies, and bounds every wait. The protocol helpers (SMTP, POP3, IMAP, FTP,
/// the kernel's toy session) are typed wrappers around it, or derive from it.
/// </summary>
internal class Wire : IAsyncDisposable
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);

    /// <param name="connection">The client's end.</param>
    /// <param name="wait">The bound on every wait (10 s unless told).</param>
    /// <param name="strictReplies">Replies parsed strictly (SMTP) or leniently (FTP servers in the wild).</param>
    /// <param name="enhancedCodes">Replies carry RFC 3463 enhanced status codes (SMTP).</param>
    public Wire(Connection connection, TimeSpan? wait = null, bool strictReplies = true, bool enhancedCodes = false)
    {
        Connection = connection;
        Bound = wait ?? DefaultWait;
        _strict = strictReplies;
        _enhanced = enhancedCodes;
    }

    private readonly bool _strict;
    private readonly bool _enhanced;

    public Connection Connection { get; }

    /// <summary>How long any one wait may take.</summary>
    public TimeSpan Bound { get; }

    /// <summary>A client end and a server end in memory; the client wrapped.</summary>
    public static (Wire Client, Connection Server) Pair(TimeSpan? wait = null, bool strictReplies = true, bool enhancedCodes = false)
    {
        var (client, server) = Connection.CreatePair();
        return (new Wire(client, wait, strictReplies, enhancedCodes), server);
    }

    /// <summary>A socket connection to <paramref name="to"/>, from a chosen loopback address when given; reads, writes and
    /// the connect bounded by <paramref name="timeout"/>.</summary>
    public static async Task<Connection> ConnectAsync(IPEndPoint to, TimeSpan timeout, IPAddress? from = null)
    {
        var options = new ConnectionOptions { ReadTimeout = timeout, WriteTimeout = timeout, ConnectTimeout = timeout };
        if (from is null) return await Connection.ConnectAsync(to.Address.ToString(), to.Port, options).WaitAsync(timeout);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(to).WaitAsync(timeout);
        return Connection.Create(socket, options);
    }

    /// <summary>Sends a line with its CRLF.</summary>
    public async Task SendAsync(string line)
    {
        Connection.Writer.WriteLine(line);
        await Connection.Writer.DrainAsync().AsTask().WaitAsync(Bound);
    }

    /// <summary>Sends bytes as they are (no CRLF added).</summary>
    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes) => await Connection.Writer.WriteAsync(bytes).AsTask().WaitAsync(Bound);

    /// <summary>Sends text as UTF-8, as it is (no CRLF added).</summary>
    public Task SendRawAsync(string text) => SendRawAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>The next line without its CRLF, or null at end of stream.</summary>
    public async Task<string?> ReadLineOrEndAsync() => await Connection.Reader.ReadLineStringAsync().AsTask().WaitAsync(Bound);

    /// <summary>The next line without its CRLF; the server closing fails the test.</summary>
    public async Task<string> ReadLineAsync() => await ReadLineOrEndAsync() ?? throw new AssertionException("the server closed the connection");

    /// <summary>Exactly <paramref name="count"/> bytes.</summary>
    public async Task<byte[]> ReadExactlyAsync(int count) => (await Connection.Reader.ReadExactlyAsync(count).AsTask().WaitAsync(Bound)).ToArray();

    /// <summary>The next 3-digit reply, single or multi-line.</summary>
    public async Task<Reply> ReadAsync() =>
        await ReplyReader.ReadAsync(Connection.Reader, strict: _strict, parseEnhancedCodes: _enhanced).AsTask().WaitAsync(Bound);

    /// <summary>The next reply, which must have <paramref name="code"/>.</summary>
    public async Task<Reply> ExpectAsync(int code)
    {
        var reply = await ReadAsync();
        Assert.That(reply.Code, Is.EqualTo(code), () => $"reply was: {reply}");
        return reply;
    }

    /// <summary>Sends a command line and returns its reply, whatever the code.</summary>
    public async Task<Reply> ReadAfterAsync(string line)
    {
        await SendAsync(line);
        return await ReadAsync();
    }

    /// <summary>Sends a command line and expects <paramref name="code"/>.</summary>
    public async Task<Reply> CommandAsync(string line, int code)
    {
        await SendAsync(line);
        return await ExpectAsync(code);
    }

    /// <summary>True when the server closed (end of stream, or a reset) within the wait; what it sent first is skipped.</summary>
    public async Task<bool> IsClosedAsync()
    {
        try
        {
            while (await ReadLineOrEndAsync() is not null) { }
            return true;
        }
        catch (IOException)
        {
            return true; // reset by the server
        }
    }

    public virtual ValueTask DisposeAsync() => Connection.DisposeAsync();
}
