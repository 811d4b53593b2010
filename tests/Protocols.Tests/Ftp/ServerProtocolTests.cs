using System.Net;
using System.Net.Sockets;
using System.Text;
using Protocols.Servers.Testing;

namespace Protocols.Tests.Ftp;

/// <summary>The server's command table, data-channel defences and limits, over real loopback sockets.</summary>
public class ServerProtocolTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static Task<FtpTestServer> StartAsync(Action<FtpTestServerOptions>? configure = null) =>
        FtpTestServer.StartAsync(configure).WaitAsync(Timeout);

    [Test]
    public async Task Sequence_errors_and_unknown_commands()
    {
        await using var server = await StartAsync();
        await using var ftp = await RawFtp.ConnectAsync(server.Port);
        Assert.That((await ftp.SendAsync("PASS x")).Code, Is.EqualTo(503));
        Assert.That((await ftp.SendAsync("LIST")).Code, Is.EqualTo(530));
        Assert.That((await ftp.SendAsync("RETR /x")).Code, Is.EqualTo(530));
        Assert.That((await ftp.SendAsync("FOO")).Code, Is.EqualTo(500));
        Assert.That((await ftp.SendAsync("!!!")).Code, Is.EqualTo(500));
        Assert.That((await ftp.SendAsync("USER")).Code, Is.EqualTo(501));
        Assert.That((await ftp.SendAsync("SYST")).ToString(), Is.EqualTo("215 UNIX Type: L8"));
        var feat = await ftp.SendAsync("FEAT");
        Assert.That(feat.Code, Is.EqualTo(211));
        Assert.That(feat.Lines, Does.Contain(" MLST type*;size*;modify*;perm*;").And.Contain(" EPSV").And.Contain(" UTF8"));
        await ftp.LoginAsync();
        Assert.That((await ftp.SendAsync("RNTO x")).Code, Is.EqualTo(503));
        Assert.That((await ftp.SendAsync("MODE B")).Code, Is.EqualTo(504));
        Assert.That((await ftp.SendAsync("STRU R")).Code, Is.EqualTo(504));
        Assert.That((await ftp.SendAsync("TYPE X")).Code, Is.EqualTo(504));
        Assert.That((await ftp.SendAsync("PROT P")).Code, Is.EqualTo(503), "PROT before AUTH");
        Assert.That((await ftp.SendAsync("AUTH TLS")).Code, Is.EqualTo(502), "no certificate configured");
        Assert.That((await ftp.SendAsync("RETR /nothing")).Code, Is.EqualTo(550));
        Assert.That((await ftp.SendAsync("CWD ../..")).Code, Is.EqualTo(550));
        Assert.That((await ftp.SendAsync("MKD a\"b")).ToString(), Is.EqualTo("257 \"/a\"\"b\" created."));
        Assert.That((await ftp.SendAsync("PWD")).ToString(), Does.StartWith("257 \"/\""));
        Assert.That((await ftp.SendAsync("QUIT")).Code, Is.EqualTo(221));
        Assert.That(await ftp.IsClosedAsync(), Is.True);
    }

    [Test]
    public async Task Retr_stor_rest_ascii_hash_mlst_mfmt()
    {
        await using var server = await StartAsync();
        await server.AddFileAsync("/t.txt", "one\ntwo\r\nthree"u8.ToArray());
        await using var ftp = await RawFtp.ConnectAsync(server.Port);
        await ftp.LoginAsync();

        Assert.That((await ftp.SendAsync("TYPE A")).Code, Is.EqualTo(200));
        var port = await ftp.EpsvAsync();
        var data = await RawFtp.ConnectDataAsync(port);
        Assert.That((await ftp.SendAsync("RETR t.txt")).Code, Is.EqualTo(150));
        Assert.That(Encoding.ASCII.GetString(await RawFtp.ReadAllAsync(data)), Is.EqualTo("one\r\ntwo\r\nthree"));
        Assert.That((await ftp.ReadAsync()).Code, Is.EqualTo(226));

        port = await ftp.EpsvAsync();
        data = await RawFtp.ConnectDataAsync(port);
        Assert.That((await ftp.SendAsync("STOR a.txt")).Code, Is.EqualTo(150));
        await data.SendAsync("x\r\ny\r\n"u8.ToArray());
        data.Dispose();
        Assert.That((await ftp.ReadAsync()).Code, Is.EqualTo(226));
        Assert.That(await server.ReadFileAsync("/a.txt"), Is.EqualTo("x\ny\n"u8.ToArray()));

        Assert.That((await ftp.SendAsync("TYPE I")).Code, Is.EqualTo(200));
        Assert.That((await ftp.SendAsync("REST 4")).Code, Is.EqualTo(350));
        port = await ftp.EpsvAsync();
        data = await RawFtp.ConnectDataAsync(port);
        Assert.That((await ftp.SendAsync("RETR t.txt")).Code, Is.EqualTo(150));
        Assert.That(Encoding.ASCII.GetString(await RawFtp.ReadAllAsync(data)), Is.EqualTo("two\r\nthree"));
        Assert.That((await ftp.ReadAsync()).Code, Is.EqualTo(226));
        Assert.That((await ftp.SendAsync("REST 999")).Code, Is.EqualTo(350));
        await ftp.EpsvAsync();
        Assert.That((await ftp.SendAsync("RETR t.txt")).Code, Is.EqualTo(554), "restart past the end");

        Assert.That((await ftp.SendAsync("SIZE t.txt")).ToString(), Is.EqualTo("213 14"));
        var hash = await ftp.SendAsync("HASH t.txt");
        Assert.That(hash.ToString(), Is.EqualTo("213 SHA-256 0-14 " + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("one\ntwo\r\nthree"u8)) + " t.txt"));
        Assert.That((await ftp.SendAsync("OPTS HASH MD5")).Code, Is.EqualTo(200));
        Assert.That((await ftp.SendAsync("HASH t.txt")).Text, Does.StartWith("MD5 0-14 " + Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData("one\ntwo\r\nthree"u8))));
        Assert.That((await ftp.SendAsync("XCRC t.txt")).Text, Is.EqualTo(Protocols.Servers.Ftp.FtpHash.Crc32.Append(0, "one\ntwo\r\nthree"u8).ToString("x8", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That((await ftp.SendAsync("MFMT 20200102030405 t.txt")).ToString(), Is.EqualTo("213 Modify=20200102030405; t.txt"));
        Assert.That((await ftp.SendAsync("MDTM t.txt")).ToString(), Is.EqualTo("213 20200102030405"));
        var mlst = await ftp.SendAsync("MLST t.txt");
        Assert.That(mlst.Lines[1], Is.EqualTo(" type=file;size=14;modify=20200102030405;perm=radfw; /t.txt"));
        Assert.That((await ftp.SendAsync("DELE t.txt")).Code, Is.EqualTo(250));
    }

    [Test]
    public void Crc32_check_value() =>
        Assert.That(Protocols.Servers.Ftp.FtpHash.Crc32.Append(0, "123456789"u8), Is.EqualTo(0xCBF43926u));

    [Test]
    public async Task Abor_stops_a_running_download()
    {
        await using var server = await StartAsync();
        await server.AddFileAsync("/big.bin", new byte[64 * 1024 * 1024]);
        await using var ftp = await RawFtp.ConnectAsync(server.Port);
        await ftp.LoginAsync();
        var port = await ftp.EpsvAsync();
        using var data = await RawFtp.ConnectDataAsync(port);
        data.ReceiveBufferSize = 4096;
        Assert.That((await ftp.SendAsync("RETR big.bin")).Code, Is.EqualTo(150));
        var some = new byte[1000];
        Assert.That(await data.ReceiveAsync(some).WaitAsync(Timeout), Is.GreaterThan(0));
        Assert.That((await ftp.SendAsync("STAT")).Code, Is.EqualTo(213), "STAT answers during a transfer");
        Assert.That((await ftp.SendAsync("ABOR")).Code, Is.EqualTo(426));
        Assert.That((await ftp.ReadAsync()).ToString(), Is.EqualTo("226 ABOR successful."));
        Assert.That((await ftp.SendAsync("NOOP")).Code, Is.EqualTo(200));
    }

    [Test]
    public async Task Port_to_another_address_is_refused_bounce()
    {
        await using var server = await StartAsync();
        await using var ftp = await RawFtp.ConnectAsync(server.Port);
        await ftp.LoginAsync();
        using var victim = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        victim.Start();
        var victimPort = ((IPEndPoint)victim.LocalEndpoint).Port;
        Assert.That((await ftp.SendAsync($"PORT 127,0,0,2,{victimPort >> 8},{victimPort & 255}")).Code, Is.EqualTo(504));
        Assert.That((await ftp.SendAsync($"EPRT |1|127.0.0.2|{victimPort}|")).Code, Is.EqualTo(504));
        Assert.That((await ftp.SendAsync("PORT 127,0,0,1,0,25")).Code, Is.EqualTo(504), "privileged port");
        Assert.That((await ftp.SendAsync("EPRT |3|x|1|")).Code, Is.EqualTo(522));
        Assert.That((await ftp.SendAsync("PORT 1,2,3")).Code, Is.EqualTo(501));
        Assert.That((await ftp.SendAsync("LIST")).Code, Is.EqualTo(425), "no data channel was set up");
        Assert.That(victim.Pending(), Is.False);

        // Our own address is fine.
        using var mine = new TcpListener(IPAddress.Loopback, 0);
        mine.Start();
        var minePort = ((IPEndPoint)mine.LocalEndpoint).Port;
        Assert.That((await ftp.SendAsync($"EPRT |1|127.0.0.1|{minePort}|")).Code, Is.EqualTo(200));
        Assert.That((await ftp.SendAsync("NLST")).Code, Is.EqualTo(150));
        using var accepted = await mine.AcceptSocketAsync().WaitAsync(Timeout);
        await RawFtp.ReadAllAsync(accepted);
        Assert.That((await ftp.ReadAsync()).Code, Is.EqualTo(226));
    }

    [Test]
    public async Task Epsv_never_connected_gets_425_after_150_within_the_data_connect_timeout()
    {
        await using var server = await StartAsync(o => o.Configure = s => s.DataConnectTimeout = TimeSpan.FromMilliseconds(300));
        await server.AddFileAsync("/f.txt", "data"u8.ToArray());
        await using var ftp = await RawFtp.ConnectAsync(server.Port);
        await ftp.LoginAsync();
        await ftp.EpsvAsync();
        Assert.That((await ftp.SendAsync("RETR f.txt")).Code, Is.EqualTo(150));
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.That((await ftp.ReadAsync()).Code, Is.EqualTo(425), "a final reply after 150 when the client never connects");
        Assert.That(started.Elapsed, Is.LessThan(Timeout));
        Assert.That((await ftp.SendAsync("NOOP")).Code, Is.EqualTo(200), "the session goes on");
    }

    [Test]
    public async Task Eprt_to_a_closed_port_gets_425_after_150()
    {
        await using var server = await StartAsync(o => o.Configure = s => s.DataConnectTimeout = TimeSpan.FromMilliseconds(500));
        await using var ftp = await RawFtp.ConnectAsync(server.Port);
        await ftp.LoginAsync();
        int closedPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        Assert.That((await ftp.SendAsync($"EPRT |1|127.0.0.1|{closedPort}|")).Code, Is.EqualTo(200));
        Assert.That((await ftp.SendAsync("NLST")).Code, Is.EqualTo(150));
        Assert.That((await ftp.ReadAsync()).Code, Is.EqualTo(425));
        Assert.That((await ftp.SendAsync("NOOP")).Code, Is.EqualTo(200));
    }

    [Test]
    public async Task Passive_connection_from_another_address_is_dropped_hijack()
    {
        await using var server = await StartAsync();
        await server.AddFileAsync("/secret.txt", "secret"u8.ToArray());
        await using var ftp = await RawFtp.ConnectAsync(server.Port);
        await ftp.LoginAsync();
        var port = await ftp.EpsvAsync();
        using var thief = await RawFtp.ConnectDataAsync(port, IPAddress.Parse("127.0.0.2"));
        using var owner = await RawFtp.ConnectDataAsync(port);
        Assert.That((await ftp.SendAsync("RETR secret.txt")).Code, Is.EqualTo(150));
        Assert.That(await RawFtp.ReadAllAsync(owner), Is.EqualTo("secret"u8.ToArray()));
        Assert.That((await ftp.ReadAsync()).Code, Is.EqualTo(226));
        var stolen = new byte[16];
        int n;
        try
        {
            n = await thief.ReceiveAsync(stolen).WaitAsync(Timeout);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            n = 0;
        }
        Assert.That(n, Is.Zero, "the thief got nothing");
    }

    [Test]
    public async Task Connections_per_ip_at_and_past_the_limit()
    {
        await using var server = await StartAsync(o => o.Configure = s => s.MaxConnectionsPerIp = 3);
        var open = new List<RawFtp>();
        for (var i = 0; i < 3; i++) open.Add(await RawFtp.ConnectAsync(server.Port));
        await using var fourth = await RawFtp.ConnectAsync(server.Port, expectGreeting: false);
        Assert.That((await fourth.ReadAsync()).Code, Is.EqualTo(421));
        Assert.That((await open[0].SendAsync("QUIT")).Code, Is.EqualTo(221));
        Assert.That(await open[0].IsClosedAsync(), Is.True);
        await open[0].DisposeAsync();
        // The slot comes back once the server has ended that session, which a loaded machine may take a while to do:
        // ask again until a newcomer is greeted (no fixed pause), within the test's timeout.
        var code = 0;
        for (var watch = System.Diagnostics.Stopwatch.StartNew(); code != 220 && watch.Elapsed < Timeout;)
        {
            if (code != 0) await Task.Delay(50);
            await using var again = await RawFtp.ConnectAsync(server.Port, expectGreeting: false);
            code = (await again.ReadAsync()).Code;
            Assert.That(code, Is.EqualTo(220).Or.EqualTo(421));
        }
        Assert.That(code, Is.EqualTo(220), "the slot of the session that quit is given back");
        foreach (var c in open.Skip(1)) await c.DisposeAsync();
    }

    [Test]
    public async Task Idle_sessions_at_the_per_ip_limit_make_room_for_a_newcomer_after_the_stress_idle_timeout()
    {
        await using var server = await StartAsync(o => o.Configure = s =>
        {
            s.MaxConnectionsPerIp = 2;
            s.StressIdleTimeout = TimeSpan.FromMilliseconds(300);
        });
        await using var first = await RawFtp.ConnectAsync(server.Port);
        await using var second = await RawFtp.ConnectAsync(server.Port);
        await using (var early = await RawFtp.ConnectAsync(server.Port, expectGreeting: false))
        {
            Assert.That((await early.ReadAsync()).Code, Is.EqualTo(421), "before the stress idle timeout the limit holds");
        }
        await Task.Delay(500);
        await using var newcomer = await RawFtp.ConnectAsync(server.Port);
        await newcomer.LoginAsync();
        Assert.That((await first.ReadAsync()).ToString(), Is.EqualTo("421 Timeout."), "the longest-idle session made room");
        Assert.That(await first.IsClosedAsync(), Is.True);
        Assert.That((await second.SendAsync("NOOP")).Code, Is.EqualTo(200), "one eviction per newcomer");
    }

    [Test]
    public async Task Failed_logins_at_and_past_the_limit()
    {
        await using var server = await StartAsync(o => o.Configure = s => s.MaxAuthFailures = 2);
        await using var ftp = await RawFtp.ConnectAsync(server.Port);
        Assert.That((await ftp.SendAsync("USER user")).Code, Is.EqualTo(331));
        Assert.That((await ftp.SendAsync("PASS bad")).Code, Is.EqualTo(530));
        Assert.That((await ftp.SendAsync("USER user")).Code, Is.EqualTo(331));
        Assert.That((await ftp.SendAsync("PASS bad")).Code, Is.EqualTo(421));
        Assert.That(await ftp.IsClosedAsync(), Is.True);
    }

    [Test]
    public async Task Failed_logins_are_slowed_per_address_across_connections()
    {
        await using var server = await StartAsync(o => o.Configure = s => s.LoginFailureDelay = TimeSpan.FromMilliseconds(200));
        for (var connection = 1; connection <= 2; connection++)
        {
            await using var ftp = await RawFtp.ConnectAsync(server.Port);
            Assert.That((await ftp.SendAsync("USER user")).Code, Is.EqualTo(331));
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Assert.That((await ftp.SendAsync("PASS bad")).Code, Is.EqualTo(530));
            Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(190 * connection)), "the delay doubles for the address, not per connection");
        }
        Assert.That(server.State.AuthThrottle.FailuresOf(IPAddress.Loopback), Is.EqualTo(2));
        await using var honest = await RawFtp.ConnectAsync(server.Port);
        await honest.LoginAsync();
        Assert.That(server.State.AuthThrottle.FailuresOf(IPAddress.Loopback), Is.EqualTo(1), "a success halves the count");
    }

    [Test]
    public async Task Command_line_length_at_and_past_the_limit()
    {
        await using var server = await StartAsync(o => o.Configure = s => s.MaxCommandLength = 64);
        await using var ftp = await RawFtp.ConnectAsync(server.Port);
        var atLimit = "NOOP " + new string('x', 64 - 5 - 2); // the limit counts the CRLF, as in every protocol on the kernel
        Assert.That((await ftp.SendAsync(atLimit)).Code, Is.EqualTo(200));
        Assert.That((await ftp.SendAsync(atLimit + "x")).ToString(), Is.EqualTo("500 Command line too long."));
        Assert.That((await ftp.SendAsync("NOOP")).Code, Is.EqualTo(200), "still in sync");
    }

    [Test]
    public async Task Idle_timeout_closes_with_421()
    {
        await using var server = await StartAsync(o => o.Configure = s => s.IdleTimeout = TimeSpan.FromMilliseconds(300));
        await using var ftp = await RawFtp.ConnectAsync(server.Port);
        Assert.That((await ftp.ReadAsync()).ToString(), Is.EqualTo("421 Timeout."));
        Assert.That(await ftp.IsClosedAsync(), Is.True);
    }

    [Test]
    public async Task Bad_command_budget_closes_the_connection()
    {
        await using var server = await StartAsync(o => o.Configure = s => s.MaxBadCommands = 2);
        await using var ftp = await RawFtp.ConnectAsync(server.Port);
        Assert.That((await ftp.SendAsync("X1")).Code, Is.EqualTo(500));
        Assert.That((await ftp.SendAsync("X2")).Code, Is.EqualTo(500));
        Assert.That((await ftp.SendAsync("X3")).Code, Is.EqualTo(421));
        Assert.That(await ftp.IsClosedAsync(), Is.True);
    }

    [Test]
    public async Task Pipelined_plaintext_after_auth_tls_is_refused()
    {
        await using var server = await StartAsync(o => o.Tls = true);
        await using var ftp = await RawFtp.ConnectAsync(server.Port);
        await ftp.Connection.Writer.WriteLineAsync("AUTH TLS\r\nUSER injected").AsTask().WaitAsync(Timeout);
        Assert.That((await ftp.ReadAsync()).Code, Is.EqualTo(234));
        Assert.That(await ftp.IsClosedAsync(), Is.True, "the server must not read the injected line as if it came over TLS");
    }
}
