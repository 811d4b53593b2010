using Protocols.Lines;
using Protocols.Tests.Support;

namespace Protocols.Tests.Serve;

/// <summary>A plain SMTP dialogue over a socket, checking each reply code; for tests that need a message delivered.</summary>
internal static class RawSmtp
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task SendAsync(System.Net.IPEndPoint server, string from, string to, string message)
    {
        await using var wire = new Wire(await Wire.ConnectAsync(server, Timeout), Timeout);
        await wire.ExpectAsync(220);
        await wire.CommandAsync("EHLO test.example", 250);
        await wire.CommandAsync($"MAIL FROM:<{from}>", 250);
        await wire.CommandAsync($"RCPT TO:<{to}>", 250);
        await wire.CommandAsync("DATA", 354);
        await wire.SendRawAsync(DotStuffingWriter.Stuff(System.Text.Encoding.UTF8.GetBytes(message)));
        await wire.ExpectAsync(250);
        await wire.CommandAsync("QUIT", 221);
    }
}
