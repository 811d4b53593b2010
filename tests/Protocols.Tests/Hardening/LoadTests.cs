using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Protocols.Http;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Testing;
using Protocols.Tests.Support;

namespace Protocols.Tests.Hardening;

/// <summary>Load on the servers: many concurrent SMTP sessions with none lost, and slow clients (slowloris) on
/// SMTP, FTP and HTTP while a normal client is still served. Counts come from the environment (the report script
/// runs larger ones); every loop is bounded and targets 127.0.0.0/8 only. No timed assertions: a normal client
/// must be served at all within a generous timeout, and its latency is reported.</summary>
[Category("Slow")] // kill -9, browser, packaging or load: `dotnet test --filter "TestCategory!=Slow"` runs the fast suite
public class LoadTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Concurrent_smtp_sessions_each_send_a_message_and_none_is_lost()
    {
        var sessions = HardeningReport.Count("PROTOCOLS_LOAD_SESSIONS", 1000);
        await using var smtp = await SmtpTestServer.StartAsync(o =>
        {
            o.Limits.MaxConnections = sessions + 50;
            o.Limits.MaxConnectionsPerIp = sessions + 50; // every session comes from 127.0.0.1
        });
        var watch = Stopwatch.StartNew();
        var sent = new string[sessions];
        // Every session says EHLO, then waits until all of them are open: the messages go over 1,000 live sessions.
        int open = 0, peak = 0;
        var allOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var results = await Task.WhenAll(Enumerable.Range(0, sessions).Select(i => Task.Run(async () =>
        {
            await using var wire = await SmtpWire.OpenAsync(smtp.EndPoint, Generous);
            var now = Interlocked.Increment(ref open);
            for (var seen = Volatile.Read(ref peak); now > seen && Interlocked.CompareExchange(ref peak, now, seen) != seen; seen = Volatile.Read(ref peak)) { }
            if (now == sessions) allOpen.TrySetResult();
            await allOpen.Task.WaitAsync(Generous);
            var body = $"Subject: load {i}\r\nX-Load-Id: {i}\r\n\r\n{Convert.ToHexString(RandomNumberGenerator.GetBytes(64))}\r\n";
            sent[i] = body;
            var reply = await wire.SendMessageAsync($"s{i}@load.test", "sink@load.test", Encoding.ASCII.GetBytes(body));
            await wire.CommandAsync("QUIT", 221);
            Interlocked.Decrement(ref open);
            return reply.Code;
        }))).WaitAsync(TimeSpan.FromMinutes(5));
        var elapsed = watch.Elapsed;
        Assert.That(results, Has.All.EqualTo(250), "every session's message must be accepted");
        var stored = smtp.Messages.ToDictionary(m => m.From, m => m.RawText);
        var lost = Enumerable.Range(0, sessions).Count(i => !stored.TryGetValue($"s{i}@load.test", out var raw) || raw != sent[i]);
        HardeningReport.Row(HardeningReport.Load, $"{sessions} concurrent SMTP sessions, one message each", sessions, lost, elapsed,
            $"{sessions / elapsed.TotalSeconds:0} msg/s, up to {peak} sessions open at once, contents compared");
        Assert.That(lost, Is.Zero, "messages lost or altered");
        Assert.That(smtp.Messages, Has.Count.EqualTo(sessions));
        Assert.That(peak, Is.EqualTo(sessions), "the sessions were not all open at once");
    }

    [Test]
    public async Task Slow_smtp_clients_do_not_stop_a_normal_client()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        // Below the per-address limit, so the normal client from the same address still has a slot.
        var count = smtp.Options.Limits.MaxConnectionsPerIp - 10;
        await using var slow = await Slowloris.StartAsync(smtp.EndPoint, count, "EHLO slow"u8.ToArray(), (byte)'w');
        var watch = Stopwatch.StartNew();
        await using (var wire = await SmtpWire.OpenAsync(smtp.EndPoint, Generous))
        {
            var reply = await wire.SendMessageAsync("normal@a.test", "b@b.test", "Subject: through\r\n\r\nx\r\n"u8.ToArray());
            Assert.That(reply.Code, Is.EqualTo(250));
        }
        var latency = watch.Elapsed;
        Assert.That(smtp.Messages, Has.Count.EqualTo(1));
        HardeningReport.Row(HardeningReport.Load, $"SMTP: {count} slowloris clients + 1 normal", 1, 0, latency, $"normal client served in {latency.TotalMilliseconds:0} ms");
    }

    [Test]
    public async Task Slow_http_clients_do_not_stop_a_normal_client()
    {
        await using var http = await HttpTestServer.StartAsync();
        http.Stub(m => m.Get("/ok")).Respond(200, "fine");
        const int Count = 300;
        await using var slow = await Slowloris.StartAsync(http.EndPoint, Count, "GET /ok HTTP/1.1\r\nHost: x\r\nX-Slow: "u8.ToArray(), (byte)'a');
        var watch = Stopwatch.StartNew();
        await using var client = new Http1Client(new HttpClientOptions { Timeout = Generous });
        var text = await client.GetStringAsync(new Uri(http.BaseAddress, "/ok").ToString()).WaitAsync(Generous);
        var latency = watch.Elapsed;
        Assert.That(text, Is.EqualTo("fine"));
        HardeningReport.Row(HardeningReport.Load, $"HTTP: {Count} slowloris clients + 1 normal", 1, 0, latency, $"normal client served in {latency.TotalMilliseconds:0} ms");
    }

    [Test]
    public async Task Slow_ftp_clients_from_one_address_do_not_stop_a_normal_client_from_another()
    {
        await using var ftp = await FtpTestServer.StartAsync();
        var content = RandomNumberGenerator.GetBytes(100_000);
        await ftp.AddFileAsync("/data.bin", content);
        const int Count = 200; // past the per-IP limit: the rest are refused, which is the point
        await using var slow = await Slowloris.StartAsync(new IPEndPoint(IPAddress.Loopback, ftp.Port), Count, "USER slow"u8.ToArray(), (byte)'w');
        var held = ftp.ConnectionCount;
        var watch = Stopwatch.StartNew();
        var from = IPAddress.Parse("127.0.0.2");
        await using var control = new Wire(await ConnectFromAsync(from, ftp.Port), Generous);
        await control.ExpectAsync(220);
        await control.CommandAsync("USER anonymous", 331);
        await control.CommandAsync("PASS guest@", 230);
        await control.CommandAsync("TYPE I", 200);
        var epsv = await control.CommandAsync("EPSV", 229);
        var port = int.Parse(epsv.Text.Split('|')[3], System.Globalization.CultureInfo.InvariantCulture);
        await using var data = await ConnectFromAsync(from, port);
        await control.SendAsync("RETR /data.bin");
        var received = (await data.Reader.ReadToEndAsync(1_000_000).AsTask().WaitAsync(Generous)).ToArray();
        var reply = await control.ReadAsync();
        if (reply.Code == 150 || reply.Code == 125) reply = await control.ReadAsync();
        var latency = watch.Elapsed;
        Assert.That(reply.Code, Is.EqualTo(226));
        Assert.That(received, Is.EqualTo(content));
        HardeningReport.Row(HardeningReport.Load, $"FTP: {Count} slowloris clients (127.0.0.1) + 1 normal (127.0.0.2)", 1, 0, latency,
            $"normal client logged in and downloaded 100 KB in {latency.TotalMilliseconds:0} ms; the server held {held} slow ones (per-IP limit)");
    }

    private static Task<Connection> ConnectFromAsync(IPAddress from, int port) => Wire.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), Generous, from);
}
