using System.Net;
using System.Text;
using Protocols.Lines;
using Protocols.Net;

namespace Protocols.Tests.Hardening;

/// <summary>A bare SMTP client on a real socket for attack and load tests: raw lines in, parsed replies out, a
/// timeout on every wait. It sends exactly what the test says, mistakes included.</summary>
internal sealed class SmtpWire : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private SmtpWire(Connection connection) => Connection = connection;

    public Connection Connection { get; }

    public static async Task<SmtpWire> ConnectAsync(IPEndPoint endPoint, TimeSpan? timeout = null)
    {
        var options = new ConnectionOptions { ReadTimeout = timeout ?? Wait, WriteTimeout = timeout ?? Wait, ConnectTimeout = timeout ?? Wait };
        var connection = await Connection.ConnectAsync(endPoint.Address.ToString(), endPoint.Port, options).WaitAsync(timeout ?? Wait);
        return new SmtpWire(connection);
    }

    /// <summary>Connects, reads the greeting (expects 220) and says EHLO (expects 250).</summary>
    public static async Task<SmtpWire> OpenAsync(IPEndPoint endPoint, TimeSpan? timeout = null)
    {
        var wire = await ConnectAsync(endPoint, timeout);
        await wire.ExpectAsync(220);
        await wire.CommandAsync("EHLO hardening.test", 250);
        return wire;
    }

    public async Task<Reply> ReadAsync() =>
        await ReplyReader.ReadAsync(Connection.Reader, strict: true, parseEnhancedCodes: true).AsTask().WaitAsync(Wait);

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

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes) => await Connection.Writer.WriteAsync(bytes).AsTask().WaitAsync(Wait);

    public Task SendRawAsync(string text) => SendRawAsync(Encoding.UTF8.GetBytes(text));

    public async Task<Reply> CommandAsync(string line, int code)
    {
        await SendAsync(line);
        return await ExpectAsync(code);
    }

    /// <summary>One whole transaction, pipelined: MAIL, RCPT, DATA, the dot-stuffed data; returns the final reply.</summary>
    public async Task<Reply> SendMessageAsync(string from, string to, byte[] data)
    {
        await CommandAsync($"MAIL FROM:<{from}>", 250);
        await CommandAsync($"RCPT TO:<{to}>", 250);
        await CommandAsync("DATA", 354);
        await SendRawAsync(DotStuff(data));
        return await ReadAsync();
    }

    /// <summary>Dot-stuffs CRLF-terminated data and appends the end marker.</summary>
    public static byte[] DotStuff(byte[] data)
    {
        var output = new MemoryStream(data.Length + 16);
        var lineStart = true;
        foreach (var b in data)
        {
            if (lineStart && b == (byte)'.') output.WriteByte((byte)'.');
            output.WriteByte(b);
            lineStart = b == (byte)'\n';
        }
        if (!lineStart) output.Write("\r\n"u8);
        output.Write(".\r\n"u8);
        return output.ToArray();
    }

    /// <summary>True when the server closed the connection (end of stream or reset) within the wait.</summary>
    public async Task<bool> IsClosedAsync()
    {
        try
        {
            while (await Connection.Reader.ReadLineAsync().AsTask().WaitAsync(Wait) is not null) { }
            return true;
        }
        catch (IOException)
        {
            return true; // reset by the server
        }
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
