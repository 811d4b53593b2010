using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Protocols.Servers.Testing;

namespace Protocols.Tests.Hardening;

/// <summary>FTP: login guessing, the per-IP connection limit, PORT/EPRT bounce and passive hijack from a second
/// loopback address (127.0.0.2; never anything outside 127.0.0.0/8), and concurrent transfers compared byte for byte.</summary>
public class FtpAttackTests
{
    private static readonly IPAddress Other = IPAddress.Parse("127.0.0.2");

    [Test]
    public async Task Login_guessing_ends_the_session_at_the_failure_limit()
    {
        await using var ftp = await FtpTestServer.StartAsync(o => o.Configure = s => s.LoginFailureDelay = TimeSpan.FromMilliseconds(10));
        const int Limit = 3; // FtpServerOptions.MaxAuthFailures default
        await using (var guesser = await FtpWire.ConnectAsync(ftp.Port))
        {
            await guesser.ExpectAsync(220);
            for (var i = 1; i <= Limit; i++)
            {
                await guesser.CommandAsync("USER user", 331);
                await guesser.CommandAsync($"PASS guess{i}", i < Limit ? 530 : 421);
            }
            Assert.That(await guesser.Connection.Reader.ReadLineAsync().AsTask().WaitAsync(FtpWire.Wait), Is.Null, "the server must hang up");
        }
        await using var honest = await FtpWire.ConnectAsync(ftp.Port);
        await honest.ExpectAsync(220);
        await honest.CommandAsync("USER user", 331);
        await honest.CommandAsync("PASS pass", 230);
        HardeningReport.Row(HardeningReport.Attack, "FTP login guessing", Limit, 0, TimeSpan.Zero, $"421 and close after {Limit} failures");
    }

    [Test]
    public async Task Per_ip_connection_limit_refuses_one_address_and_serves_another()
    {
        await using var ftp = await FtpTestServer.StartAsync(o => o.Configure = s => s.MaxConnectionsPerIp = 5);
        var held = new List<FtpWire>();
        try
        {
            // The limit is filled from 127.0.0.3, an address no other test on the machine uses, so a stray
            // connection from elsewhere cannot take one of the five places.
            var filler = IPAddress.Parse("127.0.0.3");
            for (var i = 0; i < 5; i++)
            {
                var wire = await FtpWire.ConnectAsync(ftp.Port, filler);
                held.Add(wire);
                await wire.ExpectAsync(220);
            }
            await using (var sixth = await FtpWire.ConnectAsync(ftp.Port, filler))
                await sixth.ExpectAsync(421);
            await using var other = await FtpWire.LoginAsync(ftp.Port, Other);
            await other.CommandAsync("PWD", 257);
        }
        finally
        {
            foreach (var wire in held) await wire.DisposeAsync();
        }
        HardeningReport.Row(HardeningReport.Attack, "FTP per-IP connection limit", 6, 0, TimeSpan.Zero, "6th from 127.0.0.3 gets 421; 127.0.0.2 served");
    }

    [TestCase("PORT 127,0,0,2,{0},{1}")]
    [TestCase("EPRT |1|127.0.0.2|{2}|")]
    public async Task Port_bounce_to_another_address_is_refused_and_never_connected(string command)
    {
        await using var ftp = await FtpTestServer.StartAsync();
        await ftp.AddFileAsync("/f.txt", "secret"u8.ToArray());
        using var victim = new TcpListener(Other, 0);
        victim.Start();
        var port = ((IPEndPoint)victim.LocalEndpoint).Port;
        await using var wire = await FtpWire.LoginAsync(ftp.Port);
        var reply = await wire.ReadAfterAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, command, port / 256, port % 256, port));
        Assert.That(reply.Code, Is.GreaterThanOrEqualTo(500), $"the bounce was accepted: {reply}");
        await wire.SendAsync("RETR /f.txt");
        Assert.That((await wire.ReadAsync()).Code, Is.EqualTo(425), "a transfer without an accepted data address must fail");
        await Task.Delay(300);
        Assert.That(victim.Pending(), Is.False, "the server connected to the bounce target");
        HardeningReport.Row(HardeningReport.Attack, $"FTP bounce ({command.Split(' ')[0]} to 127.0.0.2)", 1, 0, TimeSpan.Zero, $"{reply.Code}; no connection made");
    }

    [Test]
    public async Task Passive_connection_from_another_address_is_dropped_and_the_owner_still_gets_the_file()
    {
        await using var ftp = await FtpTestServer.StartAsync();
        var content = RandomNumberGenerator.GetBytes(50_000);
        await ftp.AddFileAsync("/f.bin", content);
        await using var wire = await FtpWire.LoginAsync(ftp.Port);
        await wire.CommandAsync("TYPE I", 200);
        var port = await wire.PassiveAsync();
        // The thief connects first, from 127.0.0.2.
        await using var thief = await FtpWire.ConnectFromAsync(Other, port);
        await Task.Delay(200);
        await wire.SendAsync("RETR /f.bin");
        await using var owner = await FtpWire.ConnectFromAsync(IPAddress.Loopback, port);
        var stolen = thief.Reader.ReadToEndAsync(1_000_000).AsTask();
        var received = (await owner.Reader.ReadToEndAsync(1_000_000).AsTask().WaitAsync(FtpWire.Wait)).ToArray();
        Assert.That((await wire.TransferReplyAsync()).Code, Is.EqualTo(226));
        Assert.That(received, Is.EqualTo(content));
        var thiefGot = await Task.WhenAny(stolen, Task.Delay(FtpWire.Wait)) == stolen && stolen.IsCompletedSuccessfully ? stolen.Result.Length : 0;
        Assert.That(thiefGot, Is.Zero, "the connection from another address got data");
        HardeningReport.Row(HardeningReport.Attack, "FTP passive hijack from 127.0.0.2", 1, 0, TimeSpan.Zero, "thief dropped; owner got the file");
    }

    [Test]
    public async Task Concurrent_transfers_are_byte_exact()
    {
        var transfers = HardeningReport.Count("PROTOCOLS_FTP_TRANSFERS", 200);
        await using var ftp = await FtpTestServer.StartAsync(o =>
        {
            o.AnonymousCanWrite = true;
            o.Configure = s => { s.MaxConnectionsPerIp = transfers + 10; s.MaxConnections = transfers + 10; };
        });
        var watch = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, transfers).Select(i => Task.Run(async () =>
        {
            var content = RandomNumberGenerator.GetBytes(20_000 + i * 97);
            await using var wire = await FtpWire.LoginAsync(ftp.Port);
            await wire.CommandAsync("TYPE I", 200);
            var port = await wire.PassiveAsync();
            await wire.SendAsync($"STOR /up{i}.bin");
            await using (var data = await FtpWire.ConnectFromAsync(IPAddress.Loopback, port))
            {
                await data.Writer.WriteAsync(content).AsTask().WaitAsync(FtpWire.Wait);
                await data.CloseAsync().AsTask().WaitAsync(FtpWire.Wait);
            }
            if ((await wire.TransferReplyAsync()).Code != 226) return false;
            port = await wire.PassiveAsync();
            await wire.SendAsync($"RETR /up{i}.bin");
            await using var back = await FtpWire.ConnectFromAsync(IPAddress.Loopback, port);
            var received = (await back.Reader.ReadToEndAsync(10_000_000).AsTask().WaitAsync(FtpWire.Wait)).ToArray();
            return (await wire.TransferReplyAsync()).Code == 226 && received.AsSpan().SequenceEqual(content)
                && (await ftp.ReadFileAsync($"/up{i}.bin"))?.AsSpan().SequenceEqual(content) == true;
        }))).WaitAsync(TimeSpan.FromMinutes(5));
        var lost = results.Count(ok => !ok);
        HardeningReport.Row(HardeningReport.Load, $"{transfers} concurrent FTP uploads + downloads", transfers, lost, watch.Elapsed, "byte-for-byte, both ways and on the server");
        Assert.That(lost, Is.Zero);
    }
}
