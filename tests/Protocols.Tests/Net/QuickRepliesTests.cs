using System.Net;
using System.Net.Sockets;
using System.Text;
using Protocols.Net;
using Protocols.Tests.Support;

namespace Protocols.Tests.Net;

/// <summary>
/// <see cref="ConnectionOptions.QuickReplies"/>: a plain socket whose waits complete on .NET's socket thread, the
/// reader and writer moving on to the thread pool after a wait, and <see cref="Connection.WaitReadable"/>.
/// </summary>
public class QuickRepliesTests
{
    // The read timeout bounds the awaits that are not wrapped (a wrapper such as WaitAsync would itself move the
    // continuation off the thread that completed the read, and the test could not see where it ran).
    private static readonly ConnectionOptions Quick = new() { QuickReplies = true, ReadTimeout = TimeSpan.FromSeconds(10), WriteTimeout = TimeSpan.FromSeconds(10) };

    private static async Task<(Connection Client, Connection Server, TcpListener Listener)> PairAsync(ConnectionOptions? clientOptions = null)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepting = listener.AcceptSocketAsync();
        var client = await Connection.ConnectAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, clientOptions ?? Quick).Seconds();
        var server = Connection.Create(await accepting.Seconds());
        return (client, server, listener);
    }

    // The test runner's thread has a synchronization context of its own, on which WaitReadable never waits: these
    // call it as the client does from the thread pool.
    private static bool Wait(Connection connection, int timeoutMilliseconds) => WithoutContext(() => connection.WaitReadable(timeoutMilliseconds));

    private static bool WaitForReply(Connection connection) => WithoutContext(connection.WaitForReply);

    private static bool WithoutContext(Func<bool> wait)
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            return wait();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private sealed class OwnContext : SynchronizationContext;

    private static async Task SendLaterAsync(Connection connection, string text, int delayMilliseconds)
    {
        await Task.Delay(delayMilliseconds);
        await connection.Writer.WriteAsync(Encoding.ASCII.GetBytes(text));
    }

    [Test]
    public async Task A_read_that_waited_continues_on_the_thread_pool_not_the_socket_thread()
    {
        var (client, server, listener) = await PairAsync();
        using var _ = listener;
        await using var __ = client;
        await using var ___ = server;
        Assert.That(client.CompletesInline, Is.EqualTo(OperatingSystem.IsLinux()), "the runtime's per-socket switch was taken");
        for (var i = 0; i < 3; i++)
        {
            var reading = client.Reader.ReadLineStringAsync();
            Assert.That(reading.IsCompleted, Is.False, "nothing sent yet: the read waits");
            var sending = SendLaterAsync(server, $"line {i}\r\n", 50);
            Assert.That(await reading.ConfigureAwait(false), Is.EqualTo($"line {i}"));
            Assert.That(Thread.CurrentThread.IsThreadPoolThread, Is.True, $"continued on {Thread.CurrentThread.Name}");
            await sending;
        }
    }

    [Test]
    public async Task A_drain_that_waited_continues_on_the_thread_pool()
    {
        var (client, server, listener) = await PairAsync();
        using var _ = listener;
        await using var __ = client;
        await using var ___ = server;
        var data = new byte[32 << 20]; // more than the socket buffers hold: the drain waits for the peer
        var draining = client.Writer.WriteAsync(data);
        await Task.Delay(200).ConfigureAwait(false);
        Assert.That(draining.IsCompleted, Is.False, "the peer is not reading: the drain waits");
        var reading = server.Reader.ReadExactlyAsync(data.Length).AsTask();
        await draining.ConfigureAwait(false);
        Assert.That(Thread.CurrentThread.IsThreadPoolThread, Is.True, $"continued on {Thread.CurrentThread.Name}");
        await reading.Seconds();
    }

    [Test]
    public async Task WaitReadable_is_true_once_bytes_are_there_and_false_when_something_is_buffered()
    {
        var (client, server, listener) = await PairAsync();
        using var _ = listener;
        await using var __ = client;
        await using var ___ = server;
        var sending = SendLaterAsync(server, "a\r\nb\r\n", 100);
        Assert.That(Wait(client, 5000), Is.True, "the bytes arrived within the wait");
        await sending;
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("a"));
        Assert.That(client.Reader.BufferedLength, Is.GreaterThan(0));
        Assert.That(Wait(client, 5000), Is.False, "something is buffered: no wait");
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("b"));
    }

    [Test]
    public async Task WaitReadable_never_holds_up_a_thread_with_a_synchronization_context()
    {
        var (client, server, listener) = await PairAsync();
        using var _ = listener;
        await using var __ = client;
        await using var ___ = server;
        await server.Writer.WriteAsync("x\r\n"u8.ToArray());
        await Task.Delay(100);
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(new OwnContext());
        try
        {
            Assert.That(client.WaitReadable(1000), Is.False, "a thread with a context of its own: no wait");
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
        Assert.That(Wait(client, 1000), Is.True, "without one, the same call waits (and finds the bytes)");
    }

    [Test]
    public async Task WaitReadable_times_out_and_then_skips_the_next_waits()
    {
        var (client, server, listener) = await PairAsync();
        using var _ = listener;
        await using var __ = client;
        await using var ___ = server;
        Assert.That(Wait(client, 20), Is.False, "nothing sent: the wait times out");
        await server.Writer.WriteAsync("x\r\n"u8.ToArray());
        await Task.Delay(100);
        for (var i = 0; i < 16; i++) Assert.That(Wait(client, 1000), Is.False, $"skipped wait {i + 1} after the miss");
        Assert.That(Wait(client, 1000), Is.True, "the 17th waits again, and the bytes are there");
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("x"));
    }

    [Test]
    public async Task WaitReadable_does_not_apply_without_QuickReplies_or_over_memory()
    {
        var (client, server, listener) = await PairAsync(new ConnectionOptions());
        using var _ = listener;
        await using var __ = client;
        await using var ___ = server;
        await server.Writer.WriteAsync("x\r\n"u8.ToArray());
        await Task.Delay(100);
        Assert.That(client.CompletesInline, Is.False);
        Assert.That(Wait(client, 1000), Is.False);
        var (memoryClient, memoryServer) = Connection.CreatePair(Quick);
        await using var ____ = memoryClient;
        await using var _____ = memoryServer;
        await memoryServer.Writer.WriteAsync("y\r\n"u8.ToArray());
        Assert.That(Wait(memoryClient, 1000), Is.False);
    }

    [Test]
    public async Task At_most_MaxCallerWaits_callers_wait_at_once_and_the_next_one_does_not()
    {
        var pairs = new List<(Connection Client, Connection Server, TcpListener Listener)>();
        try
        {
            for (var i = 0; i <= Connection.MaxCallerWaits; i++) pairs.Add(await PairAsync());
            // At the limit: MaxCallerWaits callers blocked on connections with nothing to read.
            var waiting = pairs.Take(Connection.MaxCallerWaits)
                .Select(p => Task.Factory.StartNew(() => p.Client.WaitReadable(10_000), TaskCreationOptions.LongRunning)).ToList();
            await Task.Delay(300);
            Assert.That(waiting.All(w => !w.IsCompleted), Is.True, "the first callers are waiting");
            // Past it: one more caller does not wait, even with bytes there.
            var last = pairs[^1];
            await last.Server.Writer.WriteAsync("z\r\n"u8.ToArray());
            await Task.Delay(100);
            Assert.That(Wait(last.Client, 10_000), Is.False, "no slot free: no wait");
            foreach (var p in pairs.Take(Connection.MaxCallerWaits)) await p.Server.Writer.WriteAsync("w\r\n"u8.ToArray());
            foreach (var w in waiting) Assert.That(await w.Seconds(), Is.True, "woken by the bytes");
            Assert.That(Wait(last.Client, 10_000), Is.True, "a slot is free again");
        }
        finally
        {
            foreach (var (client, server, listener) in pairs)
            {
                await client.DisposeAsync();
                await server.DisposeAsync();
                listener.Dispose();
            }
        }
    }

    /// <summary>Whether the descriptor is registered with an epoll instance of this process (the lines of /proc/self/fdinfo of each epoll descriptor).</summary>
    private static bool InEventLoop(int descriptor)
    {
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            string target;
            try
            {
                target = new FileInfo(fd).LinkTarget ?? "";
            }
            catch (IOException)
            {
                continue; // closed meanwhile
            }
            if (target != "anon_inode:[eventpoll]") continue;
            var lines = File.ReadAllLines($"/proc/self/fdinfo/{Path.GetFileName(fd)}");
            if (lines.Any(l => l.StartsWith("tfd:") && l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] == descriptor.ToString(System.Globalization.CultureInfo.InvariantCulture))) return true;
        }
        return false;
    }

    [Test]
    public async Task A_loopback_connection_with_quick_replies_stays_out_of_the_event_loop_until_it_waits_asynchronously()
    {
        var (client, server, listener) = await PairAsync();
        using var _ = listener;
        await using var __ = client;
        await using var ___ = server;
        var fd = client.SocketDescriptor!.Value;
        for (var i = 0; i < 20; i++)
        {
            await client.Writer.WriteAsync("ping\r\n"u8.ToArray());
            Assert.That(await server.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("ping"));
            await server.Writer.WriteAsync("pong\r\n"u8.ToArray());
            Assert.That(WaitForReply(client), Is.True, $"reply {i} within the wait");
            Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("pong"));
        }
        Assert.That(InEventLoop(fd), Is.False, "twenty quick replies, no asynchronous wait: not registered with epoll");
        var reading = client.Reader.ReadLineStringAsync();
        Assert.That(reading.IsCompleted, Is.False);
        await server.Writer.WriteAsync("late\r\n"u8.ToArray());
        Assert.That(await reading.ConfigureAwait(false), Is.EqualTo("late"));
        Assert.That(InEventLoop(fd), Is.True, "an asynchronous wait registers it (the check sees registrations)");
    }
}
