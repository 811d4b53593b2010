using System.Text;
using Protocols.Net;
using Protocols.Servers.Imap;
using Protocols.Servers.Mail;
using Protocols.Tests.Support;

namespace Protocols.Tests.Imap;

/// <summary>An IMAP session over an in-memory pipe, and a raw client for it: send a command, get every line up to its tagged reply.</summary>
internal sealed class ImapTestPeer : Wire
{
    private readonly Task _session;
    private int _tag;

    private ImapTestPeer(Connection client, Task session, IMailStore store) : base(client, Within.Default)
    {
        _session = session;
        Store = store;
    }

    public IMailStore Store { get; }

    public string Greeting { get; private set; } = "";

    public static async Task<ImapTestPeer> StartAsync(IMailStore? store = null, ImapServerOptions? options = null, ImapServer? server = null)
    {
        store ??= new MemoryMailStore();
        server ??= new ImapServer(store, options);
        var (client, serverSide) = Connection.CreatePair();
        var session = server.RunSessionAsync(serverSide);
        var peer = new ImapTestPeer(client, session, store);
        peer.Greeting = await peer.ReadLineAsync();
        return peer;
    }

    public static async Task<ImapTestPeer> SelectedAsync(IMailStore store, ImapServerOptions? options = null, ImapServer? server = null)
    {
        var peer = await StartAsync(store, options, server);
        await peer.OkAsync("LOGIN user pass");
        await peer.OkAsync("SELECT INBOX");
        return peer;
    }

    /// <summary>Sends <c>tag command</c> and returns every line through the tagged reply; the last is the tagged one without its tag.</summary>
    public async Task<List<string>> CommandAsync(string command)
    {
        var tag = "a" + (++_tag);
        await SendRawAsync(tag + " " + command + "\r\n");
        return await ReadUntilTaggedAsync(tag);
    }

    public async Task<List<string>> ReadUntilTaggedAsync(string tag)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineWithLiteralsAsync();
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                lines.Add(line[(tag.Length + 1)..]);
                return lines;
            }
            lines.Add(line);
        }
    }

    /// <summary>A response line with any literals it carries spliced in (as <c>{n}\r\n</c> and the bytes).</summary>
    public async Task<string> ReadLineWithLiteralsAsync()
    {
        var sb = new StringBuilder(await ReadLineAsync());
        while (ImapFraming.TryGetLiteral(Encoding.UTF8.GetBytes(sb.ToString()), out var size, out _))
        {
            var bytes = await ReadExactlyAsync((int)size);
            sb.Append("\r\n").Append(Encoding.UTF8.GetString(bytes));
            sb.Append(await ReadLineAsync());
        }
        return sb.ToString();
    }

    public async Task<List<string>> OkAsync(string command)
    {
        var lines = await CommandAsync(command);
        Assert.That(lines[^1], Does.StartWith("OK"), command + " -> " + string.Join(" | ", lines));
        return lines;
    }

    /// <summary>Waits for the server to close, and returns what it sent before closing.</summary>
    public async Task<List<string>> ReadToCloseAsync()
    {
        var lines = new List<string>();
        while (await ReadLineOrEndAsync() is { } line) lines.Add(line);
        await _session.WaitAsync(Within.Default);
        return lines;
    }

    public override async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        try
        {
            await _session.WaitAsync(Within.Default);
        }
        catch (TimeoutException)
        {
            Assert.Fail("the IMAP session did not end when the client left");
        }
    }
}
