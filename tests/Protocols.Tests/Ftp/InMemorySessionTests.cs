using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Protocols.Ftp;
using Protocols.Ftp.Listing;
using Protocols.Net;
using Protocols.Servers.Ftp;
using Protocols.Servers.Ftp.FileSystem;

namespace Protocols.Tests.Ftp;

/// <summary>FtpSession over Connection.CreatePair, its data connections on a MemoryNetwork: no socket anywhere.</summary>
public class InMemorySessionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static FtpServerState State(MemoryNetwork network, MemoryFileSystem files, Action<FtpServerOptions>? configure = null)
    {
        var users = new FtpUserStore().Add("user", "pass", files);
        var options = new FtpServerOptions { Authenticator = users, Network = network, LoginFailureDelay = TimeSpan.Zero };
        configure?.Invoke(options);
        return new FtpServerState(options);
    }

    [Test]
    public async Task Session_over_a_pair_stores_lists_and_sends_files_through_the_memory_network()
    {
        var network = new MemoryNetwork();
        var files = new MemoryFileSystem();
        var (client, server) = Connection.CreatePair();
        var session = new FtpSession(server, State(network, files)).RunAsync();
        await using var ftp = await RawFtp.OverAsync(client);
        await ftp.LoginAsync();

        var content = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var port = await ftp.EpsvAsync();
        await using (var data = await network.ConnectAsync("127.0.0.1", port).WaitAsync(Timeout))
        {
            Assert.That((await ftp.SendAsync("STOR up.bin")).Code, Is.EqualTo(150));
            await data.Writer.WriteAsync(content).AsTask().WaitAsync(Timeout);
            await data.CloseAsync().AsTask().WaitAsync(Timeout);
            Assert.That((await ftp.ReadAsync()).Code, Is.EqualTo(226));
        }

        port = await ftp.EpsvAsync();
        await using (var data = await network.ConnectAsync("127.0.0.1", port).WaitAsync(Timeout))
        {
            Assert.That((await ftp.SendAsync("MLSD")).Code, Is.EqualTo(150));
            var listing = await data.Reader.ReadToEndAsync(1 << 20).AsTask().WaitAsync(Timeout);
            var items = FtpListParser.Parse(listing.ToArray(), FtpListFormat.Mlsd);
            Assert.That(items.Single(i => i.Name == "up.bin").Size, Is.EqualTo(content.Length));
            Assert.That((await ftp.ReadAsync()).Code, Is.EqualTo(226));
        }

        port = await ftp.EpsvAsync();
        await using (var data = await network.ConnectAsync("127.0.0.1", port).WaitAsync(Timeout))
        {
            Assert.That((await ftp.SendAsync("RETR up.bin")).Code, Is.EqualTo(150));
            var back = await data.Reader.ReadToEndAsync(content.Length).AsTask().WaitAsync(Timeout);
            Bytes.AssertSame(content, back.ToArray());
            Assert.That((await ftp.ReadAsync()).Code, Is.EqualTo(226));
        }

        Assert.That((await ftp.SendAsync("QUIT")).Code, Is.EqualTo(221));
        await session.WaitAsync(Timeout);
    }

    [Test]
    public async Task Memory_passive_connection_from_another_address_is_dropped()
    {
        var network = new MemoryNetwork();
        var files = new MemoryFileSystem();
        var (client, server) = Connection.CreatePair();
        var session = new FtpSession(server, State(network, files)).RunAsync();
        await using var ftp = await RawFtp.OverAsync(client);
        await ftp.LoginAsync();
        var port = await ftp.EpsvAsync();
        network.ClientAddress = IPAddress.Parse("127.0.0.2");
        await using var thief = await network.ConnectAsync("127.0.0.1", port).WaitAsync(Timeout);
        network.ClientAddress = IPAddress.Loopback;
        await using var owner = await network.ConnectAsync("127.0.0.1", port).WaitAsync(Timeout);
        Assert.That((await ftp.SendAsync("NLST")).Code, Is.EqualTo(150));
        Assert.That((await owner.Reader.ReadToEndAsync(1024).AsTask().WaitAsync(Timeout)).Length, Is.Zero);
        Assert.That((await ftp.ReadAsync()).Code, Is.EqualTo(226));
        await Assert.ThrowsAsync<ConnectionClosedException>(async () => await thief.Reader.ReadToEndAsync(1024).AsTask().WaitAsync(Timeout));
        await ftp.SendAsync("QUIT");
        await session.WaitAsync(Timeout);
    }

    [Test]
    public async Task Epsv_never_connected_in_memory_gets_425()
    {
        var network = new MemoryNetwork();
        var (client, server) = Connection.CreatePair();
        var session = new FtpSession(server, State(network, new MemoryFileSystem(), o => o.DataConnectTimeout = TimeSpan.FromMilliseconds(200))).RunAsync();
        await using var ftp = await RawFtp.OverAsync(client);
        await ftp.LoginAsync();
        await ftp.EpsvAsync();
        Assert.That((await ftp.SendAsync("LIST")).Code, Is.EqualTo(150));
        Assert.That((await ftp.ReadAsync()).Code, Is.EqualTo(425));
        await ftp.SendAsync("QUIT");
        await session.WaitAsync(Timeout);
    }

    [TestCase(FtpDataMode.ExtendedPassive)]
    [TestCase(FtpDataMode.Passive)]
    [TestCase(FtpDataMode.Active)]
    public async Task Our_client_against_our_session_in_memory(FtpDataMode mode)
    {
        var network = new MemoryNetwork();
        var files = new MemoryFileSystem();
        var state = State(network, files);
        await using var listener = network.Listen(new IPEndPoint(IPAddress.Loopback, 21));
        var serving = Task.Run(async () =>
        {
            await using var control = await listener.AcceptAsync();
            await new FtpSession(control, state).RunAsync();
        });
        await using var ftp = new FtpClient("127.0.0.1", 21, new NetworkCredential("user", "pass"), new FtpClientOptions { Network = network, DataMode = mode });
        await ftp.ConnectAsync().WaitAsync(Timeout);
        var content = RandomNumberGenerator.GetBytes(1_000_003);
        await ftp.UploadAsync(new MemoryStream(content), "/a.bin").WaitAsync(Timeout);
        var names = new List<string>();
        await foreach (var item in ftp.GetListingAsync("/")) names.Add(item.Name);
        Assert.That(names, Is.EqualTo(new[] { "a.bin" }));
        var down = new MemoryStream();
        await ftp.DownloadAsync(down, "/a.bin").WaitAsync(Timeout);
        Bytes.AssertSame(content, down.ToArray());
        await ftp.DisconnectAsync().WaitAsync(Timeout);
        await serving.WaitAsync(Timeout);
    }

    [Test]
    public async Task Idle_limit_waits_while_a_transfer_runs_and_counts_again_from_its_226()
    {
        var network = new MemoryNetwork();
        var (client, server) = Connection.CreatePair();
        var session = new FtpSession(server, State(network, new MemoryFileSystem(), o => o.IdleTimeout = TimeSpan.FromSeconds(1))).RunAsync();
        await using var ftp = await RawFtp.OverAsync(client);
        await ftp.LoginAsync();
        var port = await ftp.EpsvAsync();
        System.Diagnostics.Stopwatch idle;
        await using (var data = await network.ConnectAsync("127.0.0.1", port).WaitAsync(Timeout))
        {
            Assert.That((await ftp.SendAsync("STOR slow.bin")).Code, Is.EqualTo(150));
            var final = ftp.ReadAsync();
            await data.Writer.WriteAsync(new byte[10]).AsTask().WaitAsync(Timeout);
            // The session copies its limits when it starts, so the login, EPSV and STOR each have the whole idle limit:
            // 1 s, not less, so that a loaded machine still makes each step in time.
            await Task.Delay(3000); // three idle limits with the upload open
            Assert.That(final.IsCompleted, Is.False, "no timeout while the transfer runs");
            // The clock starts before the transfer ends (the idle limit starts at its end), not when the 226 reaches
            // us: on a loaded machine that can come late and leave less than the limit to measure.
            idle = System.Diagnostics.Stopwatch.StartNew();
            await data.CloseAsync().AsTask().WaitAsync(Timeout);
            Assert.That((await final).Code, Is.EqualTo(226));
        }
        Assert.That((await ftp.ReadAsync()).ToString(), Is.EqualTo("421 Timeout."), "the idle limit counts again from the end of the transfer");
        Assert.That(idle.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(900)));
        Assert.That(await ftp.IsClosedAsync(), Is.True);
        await session.WaitAsync(Timeout);
    }

    [Test]
    public async Task Server_shutdown_is_answered_421_and_ends_the_session()
    {
        using var stop = new CancellationTokenSource();
        var (client, server) = Connection.CreatePair();
        var session = new FtpSession(server, State(new MemoryNetwork(), new MemoryFileSystem())).RunAsync(stop.Token);
        await using var ftp = await RawFtp.OverAsync(client);
        await ftp.LoginAsync();
        await stop.CancelAsync();
        Assert.That((await ftp.ReadAsync()).ToString(), Is.EqualTo("421 Server shutting down."));
        Assert.That(await ftp.IsClosedAsync(), Is.True);
        await session.WaitAsync(Timeout);
    }

    [Test]
    public async Task Commands_needing_a_login_or_an_argument_count_toward_the_bad_command_budget()
    {
        var (client, server) = Connection.CreatePair();
        var session = new FtpSession(server, State(new MemoryNetwork(), new MemoryFileSystem(), o => o.MaxBadCommands = 2)).RunAsync();
        await using var ftp = await RawFtp.OverAsync(client);
        Assert.That((await ftp.SendAsync("LIST")).Code, Is.EqualTo(530));
        Assert.That((await ftp.SendAsync("USER")).Code, Is.EqualTo(501));
        Assert.That((await ftp.SendAsync("PWD")).ToString(), Is.EqualTo("421 Too many bad commands, closing."));
        Assert.That(await ftp.IsClosedAsync(), Is.True);
        await session.WaitAsync(Timeout);
    }

    [Test]
    public async Task Session_counts_itself_and_its_refusals_in_the_metrics_it_is_given()
    {
        using var metrics = new Protocols.Servers.Metrics.ProtocolsMetrics();
        var (client, server) = Connection.CreatePair();
        var session = new FtpSession(server, State(new MemoryNetwork(), new MemoryFileSystem()), metrics: metrics).RunAsync();
        await using var ftp = await RawFtp.OverAsync(client);
        Assert.That((await ftp.SendAsync("FOO")).Code, Is.EqualTo(500));
        Assert.That((await ftp.SendAsync("LIST")).Code, Is.EqualTo(530));
        Assert.That((await ftp.SendAsync("QUIT")).Code, Is.EqualTo(221));
        await session.WaitAsync(Timeout);
        var totals = metrics.Snapshot().Single();
        Assert.That((totals.Protocol, totals.Connections, totals.ActiveConnections, totals.Rejections), Is.EqualTo(("ftp", 1L, 0L, 2L)));
    }

    [Test]
    public async Task Memory_network_refuses_where_nobody_listens_and_a_taken_port()
    {
        var network = new MemoryNetwork();
        var refused = await Assert.ThrowsAsync<SocketException>(async () => await network.ConnectAsync("127.0.0.1", 2121));
        Assert.That(refused!.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused));
        await using var first = network.Listen(new IPEndPoint(IPAddress.Loopback, 2121));
        var taken = Assert.Throws<SocketException>(() => network.Listen(new IPEndPoint(IPAddress.Loopback, 2121)));
        Assert.That(taken!.SocketErrorCode, Is.EqualTo(SocketError.AddressAlreadyInUse));
        await first.DisposeAsync();
        await Assert.ThrowsAsync<SocketException>(async () => await network.ConnectAsync("127.0.0.1", 2121), "disposed listeners stop listening");
    }
}
