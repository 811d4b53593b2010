using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Protocols.Ftp;
using Protocols.Net;
using Protocols.Smtp;

namespace Protocols.Tests.Hardening;

/// <summary>The SMTP and FTP clients against scripted servers that vanish mid-reply, stall, send garbage or send
/// endless replies: a typed error within the timeout, never a hang, and memory bounded by the reply limits.</summary>
public class LineClientFaultTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(2);

    public enum Fault { VanishMidReply, Stall, Garbage, EndlessReply, EndlessLine, VanishAfterData }

    private static bool Typed(Exception e) =>
        e is ProtocolException or SmtpConnectionException or ConnectionClosedException or TimeoutException;

    /// <summary>A line server: <paramref name="greeting"/>, then each command gets "250 ok"/"354 go"/"230 ok"... until the fault.</summary>
    private static ScriptedTcpServer Server(Fault fault, string greeting) => new(async (socket, server, ct) =>
    {
        async Task SendAsync(string text) => await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, ct);
        switch (fault)
        {
            case Fault.VanishMidReply:
                await SendAsync(greeting[..3] + "-first line of a multi-line greeting\r\n" + greeting[..3] + "-sec");
                return;
            case Fault.Stall:
                await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            case Fault.Garbage:
                var garbage = new byte[4096];
                new Random(3).NextBytes(garbage);
                await server.FloodAsync(socket, garbage, 1024 * 1024, ct);
                return;
            case Fault.EndlessReply:
                await server.FloodAsync(socket, Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(greeting[..3] + "-more and more\r\n", 256))), 200L * 1024 * 1024, ct);
                return;
            case Fault.EndlessLine:
                await SendAsync(greeting[..3] + " ");
                await server.FloodAsync(socket, Encoding.ASCII.GetBytes(new string('x', 8192)), 200L * 1024 * 1024, ct);
                return;
        }
        // VanishAfterData: a well-behaved SMTP server until DATA's 354, then it hangs up mid-message.
        await SendAsync(greeting + "\r\n");
        var buffer = new byte[65536];
        var pending = "";
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
            if (read == 0) return;
            pending += Encoding.ASCII.GetString(buffer, 0, read);
            int end;
            while ((end = pending.IndexOf("\r\n", StringComparison.Ordinal)) >= 0)
            {
                var line = pending[..end].ToUpperInvariant();
                pending = pending[(end + 2)..];
                if (line.StartsWith("DATA", StringComparison.Ordinal))
                {
                    await SendAsync("354 go ahead\r\n");
                    await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
                    return;
                }
                await SendAsync(line.StartsWith("EHLO", StringComparison.Ordinal) ? "250-test\r\n250 PIPELINING\r\n" : "250 ok\r\n");
            }
        }
    });

    [TestCase(Fault.VanishMidReply)]
    [TestCase(Fault.Stall)]
    [TestCase(Fault.Garbage)]
    [TestCase(Fault.EndlessReply)]
    [TestCase(Fault.EndlessLine)]
    [TestCase(Fault.VanishAfterData)]
    public async Task Smtp_client_gets_a_typed_error_in_time(Fault fault)
    {
        await using var server = Server(fault, "220 scripted ESMTP");
        await CheckAsync($"SMTP client: {fault}", server, async () =>
        {
            await using var client = new SmtpClient { Timeout = ClientTimeout, ConnectTimeout = ClientTimeout };
            await client.ConnectAsync("127.0.0.1", server.Port, SmtpEncryption.None);
            await client.SendAsync("Subject: x\r\n\r\n" + new string('m', 200_000) + "\r\n", "a@a.test", ["b@b.test"]);
        });
    }

    [TestCase(Fault.VanishMidReply)]
    [TestCase(Fault.Stall)]
    [TestCase(Fault.Garbage)]
    [TestCase(Fault.EndlessReply)]
    [TestCase(Fault.EndlessLine)]
    public async Task Ftp_client_gets_a_typed_error_in_time(Fault fault)
    {
        await using var server = Server(fault, "220 scripted FTP");
        await CheckAsync($"FTP client: {fault}", server, async () =>
        {
            await using var client = new FtpClient("127.0.0.1", server.Port, new NetworkCredential("anonymous", "x"),
                new FtpClientOptions { ReadTimeout = ClientTimeout, ConnectTimeout = ClientTimeout });
            await client.ConnectAsync();
        });
    }

    private static async Task CheckAsync(string scenario, ScriptedTcpServer server, Func<Task> run)
    {
        var watch = Stopwatch.StartNew();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var error = await Assert.CatchAsync(async () => await run().WaitAsync(Guard));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.That(error, Is.Not.Null);
        Assert.That(Typed(error!), Is.True, $"untyped error: {error}");
        Assert.That(allocated, Is.LessThan(48L * 1024 * 1024), "memory was not bounded by the reply limits");
        Assert.That(server.Sent, Is.LessThan(200L * 1024 * 1024), "the client read an endless reply to its end");
        HardeningReport.Row(HardeningReport.Fault, scenario, 1, 0, watch.Elapsed,
            $"{error!.GetType().Name}; {allocated / 1024 / 1024} MB allocated; server sent {server.Sent / 1024} KB");
    }
}
