using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Protocols.Http;
using Protocols.Net;
using HttpProtocolException = Protocols.Http.HttpProtocolException;

namespace Protocols.Tests.Hardening;

/// <summary>The HTTP client against servers that vanish mid-reply, stall, send garbage or send without end: a typed
/// error within the timeout, never a hang, and memory bounded by the client's limits (allocation measured).</summary>
public class ClientFaultTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static readonly byte[] Head = "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n"u8.ToArray();

    private static async Task ReadRequestAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        var seen = new StringBuilder();
        while (!seen.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0) return;
            seen.Append(Encoding.Latin1.GetString(buffer, 0, read));
        }
    }

    private static HttpClientOptions Options() => new()
    {
        Timeout = TimeSpan.FromSeconds(5),
        ReadTimeout = TimeSpan.FromSeconds(2),
        MaxHeadLength = 64 * 1024,
        FollowRedirects = false,
    };

    private static async Task<Exception> FailureOfAsync(ScriptedTcpServer server, string scenario)
    {
        var watch = Stopwatch.StartNew();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await using var client = new Http1Client(Options());
        var error = await Assert.CatchAsync(async () =>
        {
            await using var response = await client.SendAsync(new HttpRequest("GET", $"http://127.0.0.1:{server.Port}/")).WaitAsync(Guard);
            await response.ReadAsBytesAsync(maxLength: 4 * 1024 * 1024).WaitAsync(Guard);
        });
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.That(error, Is.Not.Null);
        Assert.That(error, Is.InstanceOf<ProtocolException>().Or.InstanceOf<TimeoutException>(), $"untyped error: {error}");
        Assert.That(allocated, Is.LessThan(48L * 1024 * 1024), "the client's memory was not bounded by its limits");
        HardeningReport.Row(HardeningReport.Fault, $"HTTP client: {scenario}", 1, 0, watch.Elapsed,
            $"{error!.GetType().Name}; {allocated / 1024 / 1024} MB allocated; server sent {server.Sent / 1024} KB");
        return error;
    }

    [Test]
    public async Task Server_vanishing_mid_head_gives_a_typed_truncation()
    {
        await using var server = new ScriptedTcpServer(async (s, _, ct) =>
        {
            await ReadRequestAsync(s, ct);
            await s.SendAsync("HTTP/1.1 200 OK\r\nContent-Le"u8.ToArray(), SocketFlags.None, ct);
        });
        var error = await FailureOfAsync(server, "server vanishes mid-head");
        Assert.That(error, Is.InstanceOf<HttpProtocolException>().With.Property("Error").EqualTo(HttpError.Truncated));
    }

    [Test]
    public async Task Server_vanishing_mid_body_gives_a_typed_truncation()
    {
        await using var server = new ScriptedTcpServer(async (s, _, ct) =>
        {
            await ReadRequestAsync(s, ct);
            await s.SendAsync(Head, SocketFlags.None, ct);
            await s.SendAsync(new byte[5000], SocketFlags.None, ct);
        });
        var error = await FailureOfAsync(server, "server vanishes mid-body");
        Assert.That(error, Is.InstanceOf<ProtocolException>());
    }

    [Test]
    public async Task Server_stalling_before_the_head_gives_a_timeout()
    {
        await using var server = new ScriptedTcpServer(async (s, _, ct) =>
        {
            await ReadRequestAsync(s, ct);
            await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        Assert.That(await FailureOfAsync(server, "server stalls before the head"), Is.InstanceOf<TimeoutException>());
    }

    [Test]
    public async Task Server_stalling_mid_body_gives_a_timeout()
    {
        await using var server = new ScriptedTcpServer(async (s, _, ct) =>
        {
            await ReadRequestAsync(s, ct);
            await s.SendAsync(Head, SocketFlags.None, ct);
            await s.SendAsync(new byte[100], SocketFlags.None, ct);
            await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        Assert.That(await FailureOfAsync(server, "server stalls mid-body"), Is.InstanceOf<TimeoutException>());
    }

    [Test]
    public async Task Garbage_instead_of_a_reply_gives_a_protocol_error()
    {
        await using var server = new ScriptedTcpServer(async (s, srv, ct) =>
        {
            await ReadRequestAsync(s, ct);
            var garbage = new byte[4096];
            new Random(7).NextBytes(garbage);
            await srv.FloodAsync(s, garbage, 1024 * 1024, ct);
        });
        Assert.That(await FailureOfAsync(server, "garbage instead of a reply"), Is.InstanceOf<ProtocolException>());
    }

    [Test]
    public async Task Endless_header_gives_a_limit_error_with_bounded_memory()
    {
        await using var server = new ScriptedTcpServer(async (s, srv, ct) =>
        {
            await ReadRequestAsync(s, ct);
            await s.SendAsync("HTTP/1.1 200 OK\r\n"u8.ToArray(), SocketFlags.None, ct);
            await srv.FloodAsync(s, Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 100).Select(i => $"X-Flood-{i}: {new string('v', 60)}\r\n"))), 200L * 1024 * 1024, ct);
        });
        var error = await FailureOfAsync(server, "endless header block");
        Assert.That(error, Is.InstanceOf<HttpProtocolException>());
        Assert.That(server.Sent, Is.LessThan(200L * 1024 * 1024), "the client kept reading past its head limit");
    }

    [Test]
    public async Task Endless_line_gives_a_limit_error_with_bounded_memory()
    {
        await using var server = new ScriptedTcpServer(async (s, srv, ct) =>
        {
            await ReadRequestAsync(s, ct);
            await s.SendAsync("HTTP/1.1 200 OK\r\nX-Long: "u8.ToArray(), SocketFlags.None, ct);
            await srv.FloodAsync(s, Encoding.ASCII.GetBytes(new string('v', 8192)), 200L * 1024 * 1024, ct);
        });
        Assert.That(await FailureOfAsync(server, "endless header line"), Is.InstanceOf<HttpProtocolException>());
    }

    [Test]
    public async Task Endless_body_stops_at_the_callers_limit()
    {
        await using var server = new ScriptedTcpServer(async (s, srv, ct) =>
        {
            await ReadRequestAsync(s, ct);
            await s.SendAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray(), SocketFlags.None, ct);
            await srv.FloodAsync(s, Encoding.ASCII.GetBytes("1000\r\n" + new string('b', 4096) + "\r\n"), 200L * 1024 * 1024, ct);
        });
        Assert.That(await FailureOfAsync(server, "endless chunked body"), Is.InstanceOf<LimitExceededException>());
    }
}
