using System.Net;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Tests.Support;

namespace Protocols.Tests.Hardening;

/// <summary>A bare SMTP client on a real socket for attack and load tests: raw lines in, parsed replies out, a
/// timeout on every wait. It sends exactly what the test says, mistakes included.</summary>
internal sealed class SmtpWire : Wire
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private SmtpWire(Connection connection) : base(connection, Wait, strictReplies: true, enhancedCodes: true)
    {
    }

    public static async Task<SmtpWire> ConnectAsync(IPEndPoint endPoint, TimeSpan? timeout = null) =>
        new(await Wire.ConnectAsync(endPoint, timeout ?? Wait));

    /// <summary>Connects, reads the greeting (expects 220) and says EHLO (expects 250).</summary>
    public static async Task<SmtpWire> OpenAsync(IPEndPoint endPoint, TimeSpan? timeout = null)
    {
        var wire = await ConnectAsync(endPoint, timeout);
        await wire.ExpectAsync(220);
        await wire.CommandAsync("EHLO hardening.test", 250);
        return wire;
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
}
