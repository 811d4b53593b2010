using System.Net;
using System.Net.Sockets;
using Protocols.Servers.Pop3;

namespace Protocols.Tests.Pop3;

/// <summary>POP3 connection limits (issue 11: POP3 had none), through the kernel's one limiter.</summary>
public class Pop3LimitTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(10);

    private static async Task<(TcpClient Client, string? Greeting)> OpenAsync(int port, string from = "127.0.0.1")
    {
        var c = new TcpClient(new IPEndPoint(IPAddress.Parse(from), 0));
        await c.ConnectAsync(IPAddress.Loopback, port).WaitAsync(T);
        return (c, await new StreamReader(c.GetStream()).ReadLineAsync().WaitAsync(T));
    }

    [Test]
    public async Task Connections_at_and_past_the_total_limit()
    {
        var options = new Pop3ServerOptions { MaxConnections = 2 };
        await using var host = await KestrelTestHost.StartAsync(l => l.UsePop3(Pop3MailboxProvider.Shared(new InMemoryPop3Mailbox()), options));
        var held = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var (c, greeting) = await OpenAsync(host.Port);
                held.Add(c);
                Assert.That(greeting, Does.StartWith("+OK"), $"connection {i + 1} of 2");
            }
            var (third, refused) = await OpenAsync(host.Port, "127.0.0.2");
            held.Add(third);
            Assert.That(refused, Is.EqualTo("-ERR [SYS/TEMP] too many connections, try again later"));
            Assert.That(await new StreamReader(third.GetStream()).ReadLineAsync().WaitAsync(T), Is.Null, "and closed");
        }
        finally
        {
            foreach (var c in held) c.Dispose();
        }
    }

    [Test]
    public async Task Connections_at_and_past_the_per_address_limit_while_another_address_is_served()
    {
        var options = new Pop3ServerOptions { MaxConnections = 10, MaxConnectionsPerAddress = 2 };
        await using var host = await KestrelTestHost.StartAsync(l => l.UsePop3(Pop3MailboxProvider.Shared(new InMemoryPop3Mailbox()), options));
        var held = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var (c, greeting) = await OpenAsync(host.Port);
                held.Add(c);
                Assert.That(greeting, Does.StartWith("+OK"));
            }
            var (third, refused) = await OpenAsync(host.Port);
            held.Add(third);
            Assert.That(refused, Is.EqualTo("-ERR [SYS/TEMP] too many connections from your address, try again later"));
            var (other, served) = await OpenAsync(host.Port, "127.0.0.2");
            held.Add(other);
            Assert.That(served, Does.StartWith("+OK"), "another address is still served");
        }
        finally
        {
            foreach (var c in held) c.Dispose();
        }
    }

    [Test]
    public async Task A_stale_session_is_evicted_when_the_limit_is_full()
    {
        var options = new Pop3ServerOptions { MaxConnections = 1, StressIdleTimeout = TimeSpan.FromMilliseconds(300) };
        await using var host = await KestrelTestHost.StartAsync(l => l.UsePop3(Pop3MailboxProvider.Shared(new InMemoryPop3Mailbox()), options));
        var (idle, greeting) = await OpenAsync(host.Port);
        using (idle)
        {
            Assert.That(greeting, Does.StartWith("+OK"));
            await Task.Delay(600);
            var (fresh, served) = await OpenAsync(host.Port, "127.0.0.2");
            using (fresh) Assert.That(served, Does.StartWith("+OK"), "the newcomer takes the idle session's place");
            var reader = new StreamReader(idle.GetStream());
            Assert.That(await reader.ReadLineAsync().WaitAsync(T), Is.EqualTo("-ERR autologout: idle for too long"));
        }
    }
}
