using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Protocols.Net;
using Protocols.Tests.Cli;
using Protocols.Tests.Support;

namespace Protocols.Tests.Hardening;

/// <summary>
/// A server whose descriptor table fills up: before DescriptorLimit, `proto smtp serve` under a tight RLIMIT_NOFILE
/// accepted until the table was full, and the JIT runtime then aborted the process ("Out of memory.") when it
/// could not start a thread (its threads start with a pipe). Now the listener keeps <see cref="DescriptorLimit.Reserve"/>
/// descriptors free: past that a connection gets the 421 of a full server, and the server stays up.
/// </summary>
[Category("Slow")] // starts proto as a process under prlimit
public sealed class DescriptorLimitTests
{
    private const int Headroom = 20; // connections the test expects the server to take under its limit

    [Test]
    public void The_reserve_starts_at_the_limit_minus_the_reserve()
    {
        var soft = DescriptorLimit.Soft;
        Assert.That(soft, Is.GreaterThan(DescriptorLimit.Reserve));
        Assert.That(DescriptorLimit.IsNearLimit(soft - DescriptorLimit.Reserve - 1), Is.False, "one below the reserve");
        Assert.That(DescriptorLimit.IsNearLimit(soft - DescriptorLimit.Reserve), Is.True, "at the reserve");
        Assert.That(DescriptorLimit.IsNearLimit(soft), Is.True, "at the limit");
    }

    [Test]
    public void Raising_the_soft_limit_takes_it_to_the_hard_one()
    {
        var before = DescriptorLimit.Current;
        Assert.That(before, Is.Not.Null);
        var (soft, hard) = before!.Value;
        Assert.That(hard, Is.GreaterThan(256UL));
        Assert.That(DescriptorLimit.TrySetSoft(hard - 1), Is.True); // one below: no risk to this process's files
        try
        {
            Assert.That(DescriptorLimit.Current!.Value.Soft, Is.EqualTo(hard - 1));
            Assert.That(DescriptorLimit.RaiseSoftToHard(), Is.True);
            Assert.That(DescriptorLimit.Current!.Value.Soft, Is.EqualTo(hard));
            Assert.That(DescriptorLimit.Soft, Is.EqualTo((long)hard), "read again after the raise");
        }
        finally
        {
            DescriptorLimit.TrySetSoft(soft);
        }
    }

    [Test]
    public async Task Proto_raises_its_soft_limit_to_the_hard_one()
    {
        var port = LoopbackPort.Free();
        await using var server = StartLimited("--nofile=512:4096", port);
        await WaitGreetedAsync(server, port);
        var limits = await File.ReadAllLinesAsync($"/proc/{server.Id}/limits");
        var line = limits.Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        Assert.That(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], Is.EqualTo("4096"), line);
    }

    [Test]
    public async Task A_server_at_its_descriptor_reserve_refuses_with_421_and_stays_up()
    {
        // How many descriptors the server uses by itself (the JIT build some 160, the native one some 16).
        var port = LoopbackPort.Free();
        int baseline;
        await using (var probe = StartLimited("--nofile=20000:20000", port))
        {
            await WaitGreetedAsync(probe, port);
            baseline = Directory.GetFiles($"/proc/{probe.Id}/fd").Length;
        }
        var limit = baseline + DescriptorLimit.Reserve + Headroom;
        port = LoopbackPort.Free();
        await using var server = StartLimited($"--nofile={limit}:{limit}", port);
        await WaitGreetedAsync(server, port);

        var held = new List<Socket>();
        try
        {
            var greeted = 0;
            var refused = 0;
            // From several loopback addresses: the per-address limit (50) must not be what refuses.
            for (var i = 0; i < Headroom * 3 + 200; i++)
            {
                var client = await ConnectAsync(port, IPAddress.Parse($"127.0.0.{2 + (i / 40)}"));
                var reply = await ReadLineAsync(client);
                if (reply.StartsWith("220", StringComparison.Ordinal))
                {
                    greeted++;
                    held.Add(client);
                }
                else
                {
                    Assert.That(reply, Does.StartWith("421"), $"connection {i}: {reply}");
                    refused++;
                    client.Dispose();
                }
            }
            Assert.That(greeted, Is.InRange(Headroom - 8, Headroom + 8), $"baseline {baseline}, limit {limit}");
            Assert.That(refused, Is.GreaterThan(200), "the connections past the reserve");
            Assert.That(server.HasExited, Is.False, server.Stderr);

            // A held session still works at the limit.
            var first = held[0];
            await first.SendAsync("EHLO test\r\n"u8.ToArray());
            Assert.That(await ReadLineAsync(first), Does.StartWith("250"));
        }
        finally
        {
            foreach (var socket in held) socket.Dispose();
        }

        // Once they are gone, the server takes new connections again.
        using var after = await ConnectWhenGreetedAsync(port);
        Assert.That(server.HasExited, Is.False, server.Stderr);
    }

    [Test]
    public async Task A_burst_of_connections_past_the_limit_leaves_the_line_listener_accepting()
    {
        // As for HTTP below: 400 connections at once, three times, against a limit just above the server's own use;
        // the line listener pauses on EMFILE and goes on, and a connection after the bursts is greeted.
        var port = LoopbackPort.Free();
        int baseline;
        await using (var probe = StartLimited("--nofile=20000:20000", port))
        {
            await WaitGreetedAsync(probe, port);
            baseline = Directory.GetFiles($"/proc/{probe.Id}/fd").Length;
        }
        var limit = baseline + DescriptorLimit.Reserve + 4;
        port = LoopbackPort.Free();
        await using var server = StartLimited($"--nofile={limit}:{limit}", port);
        await WaitGreetedAsync(server, port);
        for (var round = 0; round < 3; round++)
        {
            var burst = await Task.WhenAll(Enumerable.Range(0, 400).Select(async i =>
            {
                try
                {
                    return await ConnectAsync(port, IPAddress.Parse($"127.0.0.{2 + (i / 40)}"));
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    return null; // the backlog was full: refused or timed out, as a full server may
                }
            }));
            await Task.Delay(500);
            foreach (var socket in burst) socket?.Dispose();
            Assert.That(server.HasExited, Is.False, server.Stderr);
        }
        await Task.Delay(500);
        using var after = await ConnectWhenGreetedAsync(port);
        Assert.That(server.HasExited, Is.False, server.Stderr);
    }

    private static PeerRunner StartLimited(string nofile, int port) => StartLimited(nofile, ["smtp", "serve", "--port", port.ToString(CultureInfo.InvariantCulture)]);

    private static PeerRunner StartLimited(string nofile, string[] arguments) =>
        PeerRunner.Start("prlimit", [nofile, .. ProtoProcess.Command, .. arguments], keepStdinOpen: true);

    [Test]
    public async Task An_http_server_at_its_descriptor_reserve_answers_503_and_stays_up()
    {
        var root = Directory.CreateTempSubdirectory("proto-nofile-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(root.FullName, "a.txt"), "hello");
            var port = LoopbackPort.Free();
            string[] arguments = ["http", "serve", "--root", root.FullName, "--port", port.ToString(CultureInfo.InvariantCulture)];
            int baseline;
            await using (var probe = StartLimited("--nofile=20000:20000", arguments))
            {
                Assert.That(await GetAsync(await WaitListeningAsync(probe, port)), Does.StartWith("HTTP/1.1 200"));
                baseline = Directory.GetFiles($"/proc/{probe.Id}/fd").Length;
            }
            var limit = baseline + DescriptorLimit.Reserve + Headroom;
            port = LoopbackPort.Free();
            arguments[^1] = port.ToString(CultureInfo.InvariantCulture);
            await using var server = StartLimited($"--nofile={limit}:{limit}", arguments);
            var held = new List<Socket>();
            try
            {
                var first = await WaitListeningAsync(server, port);
                Assert.That(await GetAsync(first), Does.StartWith("HTTP/1.1 200"));
                held.Add(first);
                int served = 1, busy = 0;
                for (var i = 0; i < Headroom * 3 + 200; i++)
                {
                    var client = await ConnectAsync(port, IPAddress.Loopback);
                    var reply = await GetAsync(client);
                    if (reply.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
                    {
                        served++;
                        held.Add(client);
                        continue;
                    }
                    Assert.That(reply, Does.StartWith("HTTP/1.1 503"), $"connection {i}");
                    busy++;
                    client.Dispose();
                }
                Assert.That(served, Is.InRange(Headroom - 12, Headroom + 12), $"baseline {baseline}, limit {limit}");
                Assert.That(busy, Is.GreaterThan(200));
                Assert.That(await GetAsync(held[0]), Does.StartWith("HTTP/1.1 200"), "a kept-alive connection still served");
                Assert.That(server.HasExited, Is.False, server.Stderr);
            }
            finally
            {
                foreach (var socket in held) socket.Dispose();
            }
            using var after = await ConnectAsync(port, IPAddress.Loopback);
            Assert.That(await GetAsync(after), Does.StartWith("HTTP/1.1 200"));
            Assert.That(server.HasExited, Is.False, server.Stderr);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    // A connection once the server listens (the HTTP server sends nothing first).
    private static async Task<Socket> WaitListeningAsync(PeerRunner server, int port)
    {
        var started = DateTime.UtcNow;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(60))
        {
            if (server.HasExited) Assert.Fail($"proto exited with {server.ExitCode}:\n{server.Stderr}");
            try
            {
                return await ConnectAsync(port, IPAddress.Loopback);
            }
            catch (SocketException)
            {
                await Task.Delay(100); // not listening yet
            }
        }
        Assert.Fail($"proto did not listen on {port} within 60 s:\n{server.Stderr}");
        throw new InvalidOperationException();
    }

    // GET /a.txt on a kept-alive connection: the whole response (a 200 ends with the file's "hello", a 503 has no
    // body), within 10 s; what came when the server closed early otherwise.
    private static async Task<string> GetAsync(Socket client)
    {
        await client.SendAsync("GET /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"u8.ToArray());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[2048];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, timeout.Token);
            if (n == 0) break;
            filled += n;
            var text = buffer.AsSpan(0, filled);
            var end = text.IndexOf("\r\n\r\n"u8);
            if (end >= 0 && (!text.StartsWith("HTTP/1.1 200"u8) || text.EndsWith("hello"u8))) break;
        }
        return System.Text.Encoding.ASCII.GetString(buffer, 0, filled);
    }

    private static async Task WaitGreetedAsync(PeerRunner server, int port)
    {
        var started = DateTime.UtcNow;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(60))
        {
            if (server.HasExited) Assert.Fail($"proto exited with {server.ExitCode}:\n{server.Stderr}");
            if (await LoopbackPort.AcceptsAsync(port))
            {
                using var probe = await ConnectWhenGreetedAsync(port);
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"proto did not listen on {port} within 60 s:\n{server.Stderr}");
    }

    private static async Task<Socket> ConnectWhenGreetedAsync(int port)
    {
        var client = await ConnectAsync(port, IPAddress.Loopback);
        var reply = await ReadLineAsync(client);
        Assert.That(reply, Does.StartWith("220"));
        return client;
    }

    private static async Task<Socket> ConnectAsync(int port, IPAddress from)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Bind(new IPEndPoint(from, 0));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        return client;
    }

    // One reply line (the greeting or the refusal), within 10 s; "" when the server closed without one.
    private static async Task<string> ReadLineAsync(Socket client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[512];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, timeout.Token);
            if (n == 0) break;
            filled += n;
            if (buffer.AsSpan(0, filled).IndexOf("\r\n"u8) >= 0) break;
        }
        return System.Text.Encoding.ASCII.GetString(buffer, 0, filled);
    }
}
