using Protocols.Net;

namespace Protocols.Tests.Serve;

/// <summary>A plain SMTP dialogue over a socket, checking each reply code; for tests that need a message delivered.</summary>
internal static class RawSmtp
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task SendAsync(System.Net.IPEndPoint server, string from, string to, string message)
    {
        await using var connection = await Connection.ConnectAsync(server.Address.ToString(), server.Port).WaitAsync(Timeout);
        async Task ExpectAsync(int code)
        {
            while (true)
            {
                var line = await connection.Reader.ReadLineStringAsync().AsTask().WaitAsync(Timeout) ?? throw new AssertionException("the SMTP server closed the connection");
                Assert.That(line, Does.StartWith(code.ToString(System.Globalization.CultureInfo.InvariantCulture)), "SMTP reply");
                if (line.Length < 4 || line[3] == ' ') return;
            }
        }
        async Task CommandAsync(string command, int code)
        {
            await connection.Writer.WriteLineAsync(command).AsTask().WaitAsync(Timeout);
            await ExpectAsync(code);
        }
        await ExpectAsync(220);
        await CommandAsync("EHLO test.example", 250);
        await CommandAsync($"MAIL FROM:<{from}>", 250);
        await CommandAsync($"RCPT TO:<{to}>", 250);
        await CommandAsync("DATA", 354);
        await connection.Writer.WriteAsync(Protocols.Lines.DotStuffingWriter.Stuff(System.Text.Encoding.UTF8.GetBytes(message))).AsTask().WaitAsync(Timeout);
        await ExpectAsync(250);
        await CommandAsync("QUIT", 221);
    }
}
