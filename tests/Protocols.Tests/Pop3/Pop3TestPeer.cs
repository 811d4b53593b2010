using Protocols.Net;
using Protocols.Servers.Metrics;
using Protocols.Servers.Pop3;
using Protocols.Tests.Support;

namespace Protocols.Tests.Pop3;

/// <summary>A POP3 session on one end of an in-memory pair and helpers to talk to it from the other end.</summary>
internal sealed class Pop3TestPeer : Wire
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private Pop3TestPeer(Connection client, Task session) : base(client, Timeout) => Session = session;

    public Connection Client => Connection;

    public Task Session { get; }

    public static async Task<Pop3TestPeer> StartAsync(IPop3Mailbox mailbox, Pop3ServerOptions? options = null, ProtocolsMetrics? metrics = null,
        IPop3MailboxProvider? provider = null)
    {
        var (client, server) = Connection.CreatePair();
        var session = new Pop3Session(server, provider ?? Pop3MailboxProvider.Shared(mailbox, "alice", "secret"), options, metrics);
        var peer = new Pop3TestPeer(client, Task.Run(() => session.RunAsync()));
        Assert.That(await peer.ReadLineAsync(), Does.StartWith("+OK "));
        return peer;
    }

    public static async Task<Pop3TestPeer> LoggedInAsync(IPop3Mailbox mailbox, Pop3ServerOptions? options = null, ProtocolsMetrics? metrics = null)
    {
        var peer = await StartAsync(mailbox, options, metrics);
        Assert.That(await peer.CommandAsync("USER alice"), Does.StartWith("+OK"));
        Assert.That(await peer.CommandAsync("PASS secret"), Does.StartWith("+OK"));
        return peer;
    }

    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line);
        return await ReadLineAsync();
    }

    /// <summary>Reads the lines of a multi-line response up to the terminating dot; lines are returned still dot-stuffed.</summary>
    public async Task<List<string>> ReadMultiLineAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line == ".") return lines;
            lines.Add(line);
        }
    }

    public async Task<List<string>> MultiLineCommandAsync(string line)
    {
        var status = await CommandAsync(line);
        Assert.That(status, Does.StartWith("+OK"), line);
        return await ReadMultiLineAsync();
    }

    /// <summary>Waits for the session to end and checks the server closed the connection.</summary>
    public async Task ExpectClosedAsync()
    {
        await Session.WaitAsync(Timeout);
        Assert.That(await ReadLineOrEndAsync(), Is.Null);
    }

    public override async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Session.WaitAsync(Timeout);
    }
}
