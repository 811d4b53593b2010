using System.Net;
using Protocols.Ftp;
using Protocols.Servers.Ftp;
using Protocols.Servers.Lines;
using Protocols.Servers.Testing;

namespace Protocols.Tests.Ftp;

/// <summary>The kernel's fault script around FTP's verb table, through <see cref="FtpTestServer.Faults"/>.</summary>
public class FtpFaultScriptTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static async Task<FtpClient> ConnectAsync(FtpTestServer server, FtpClientOptions? options = null)
    {
        var client = new FtpClient("127.0.0.1", server.Port, new NetworkCredential("user", "pass"), options);
        await client.ConnectAsync().WaitAsync(Timeout);
        return client;
    }

    /// <summary>A drop aborts the connection: the client reads the end of the stream or a reset, never a reply.</summary>
    private static async Task<bool> IsDroppedAsync(RawFtp raw)
    {
        try
        {
            return await raw.IsClosedAsync();
        }
        catch (IOException)
        {
            return true;
        }
    }

    [Test]
    public async Task A_reply_to_the_kth_STOR_fails_that_upload_only()
    {
        await using var server = await FtpTestServer.StartAsync().WaitAsync(Timeout);
        server.Faults.Reply("STOR", 452, "Insufficient storage space.", nth: 2);
        await using var client = await ConnectAsync(server);
        await client.UploadAsync(new MemoryStream(new byte[10]), "/one").WaitAsync(Timeout);
        var ex = await Assert.ThrowsAsync<FtpCommandException>(async () => await client.UploadAsync(new MemoryStream(new byte[10]), "/two").WaitAsync(Timeout));
        Assert.That(ex!.Code, Is.EqualTo(452));
        await client.UploadAsync(new MemoryStream(new byte[12]), "/three").WaitAsync(Timeout);
        Assert.That(await server.ReadFileAsync("/one"), Has.Length.EqualTo(10));
        Assert.That(await server.ExistsAsync("/two"), Is.False);
        Assert.That(await server.ReadFileAsync("/three"), Has.Length.EqualTo(12));
    }

    [Test]
    public async Task A_reply_to_the_kth_use_of_any_verb_on_the_wire()
    {
        await using var server = await FtpTestServer.StartAsync().WaitAsync(Timeout);
        server.Faults.Reply("NOOP", 450, "Busy right now.", nth: 2);
        await using var raw = await RawFtp.ConnectAsync(server.Port);
        Assert.That((await raw.SendAsync("NOOP")).Code, Is.EqualTo(200));
        var faulted = await raw.SendAsync("NOOP");
        Assert.That((faulted.Code, faulted.Text), Is.EqualTo((450, "Busy right now.")));
        Assert.That((await raw.SendAsync("NOOP")).Code, Is.EqualTo(200));
    }

    [Test]
    public async Task A_scripted_421_ends_the_session()
    {
        await using var server = await FtpTestServer.StartAsync().WaitAsync(Timeout);
        server.Faults.Reply("PWD", 421, "Going down.");
        await using var raw = await RawFtp.ConnectAsync(server.Port);
        await raw.LoginAsync();
        Assert.That((await raw.SendAsync("PWD")).Code, Is.EqualTo(421));
        Assert.That(await raw.IsClosedAsync(), Is.True);
    }

    [Test]
    public async Task A_delayed_verb_is_a_client_timeout()
    {
        await using var server = await FtpTestServer.StartAsync().WaitAsync(Timeout);
        await using var client = await ConnectAsync(server, new FtpClientOptions { ReadTimeout = TimeSpan.FromMilliseconds(300) });
        server.Faults.Delay("PWD", TimeSpan.FromSeconds(3), nth: 1);
        await Assert.ThrowsAsync<TimeoutException>(() => client.GetWorkingDirectoryAsync().WaitAsync(Timeout));
    }

    [Test]
    public async Task A_delayed_verb_is_still_handled_and_the_next_is_not_delayed()
    {
        await using var server = await FtpTestServer.StartAsync().WaitAsync(Timeout);
        server.Faults.Delay("NOOP", TimeSpan.FromMilliseconds(300), nth: 1);
        await using var raw = await RawFtp.ConnectAsync(server.Port);
        Assert.That((await raw.SendAsync("NOOP")).Code, Is.EqualTo(200));
        Assert.That((await raw.SendAsync("NOOP")).Code, Is.EqualTo(200));
    }

    [Test]
    public async Task A_drop_on_RETR_closes_the_connection_without_a_reply()
    {
        await using var server = await FtpTestServer.StartAsync().WaitAsync(Timeout);
        await server.AddFileAsync("/file", new byte[100]);
        server.Faults.DisconnectOn("RETR");
        await using var raw = await RawFtp.ConnectAsync(server.Port);
        await raw.LoginAsync();
        await raw.EpsvAsync();
        await raw.Connection.Writer.WriteLineAsync("RETR /file").AsTask().WaitAsync(Timeout);
        Assert.That(await IsDroppedAsync(raw), Is.True);
    }

    [Test]
    public async Task A_drop_after_a_verb_runs_it_then_closes()
    {
        await using var server = await FtpTestServer.StartAsync().WaitAsync(Timeout);
        server.Faults.DisconnectAfter("MKD", nth: 1);
        await using var raw = await RawFtp.ConnectAsync(server.Port);
        await raw.LoginAsync();
        await raw.Connection.Writer.WriteLineAsync("MKD /made").AsTask().WaitAsync(Timeout);
        // Its reply is drained before the abort, but a reset may overtake it in the client's socket: read to the end.
        for (var lines = 0; !await IsDroppedAsync(raw); lines++) Assert.That(lines, Is.LessThan(1), "more than the MKD reply before the drop");
        Assert.That(await server.ExistsAsync("/made"), Is.True);
    }

    [Test]
    public void ReplyToStor_is_a_shim_over_kernel_rules_and_setting_it_again_replaces_them()
    {
        var faults = new FtpFaults();
        faults.Delay("LIST", TimeSpan.FromSeconds(1));
        faults.ReplyToStor = (2, 452, "full");
        Assert.That(faults.Rules.Select(r => (r.Verb, r.Nth, r.Fault.Action, r.Fault.Code)), Is.EqualTo(new[]
        {
            ("LIST", (int?)null, VerbFaultAction.None, 0),
            ("STOR", 2, VerbFaultAction.Reply, 452), ("APPE", 2, VerbFaultAction.Reply, 452), ("STOU", 2, VerbFaultAction.Reply, 452),
        }));
        faults.ReplyToStor = (1, 451, "later");
        Assert.That(faults.Rules.Select(r => (r.Verb, r.Nth, r.Fault.Code)), Is.EqualTo(new[]
        {
            ("LIST", (int?)null, 0), ("STOR", 1, 451), ("APPE", 1, 451), ("STOU", 1, 451),
        }));
        faults.ReplyToStor = null;
        Assert.That(faults.Rules.Select(r => r.Verb), Is.EqualTo(new[] { "LIST" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => faults.ReplyToStor = (0, 452, "full"));
    }
}
