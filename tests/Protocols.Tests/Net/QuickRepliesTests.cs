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

    private static bool WaitForReply(Connection connection) => WithoutContext(() => connection.WaitForReply());

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

    private static ConnectionOptions Spinning(TimeSpan spin) => new() { QuickReplies = true, ReplySpin = spin, ReadTimeout = TimeSpan.FromSeconds(10), WriteTimeout = TimeSpan.FromSeconds(10) };

    [Test]
    public void ReplySpin_takes_zero_to_its_limit_and_refuses_past_it()
    {
        var options = new ConnectionOptions { ReplySpin = ConnectionOptions.MaxReplySpin };
        Assert.That(options.ReplySpin, Is.EqualTo(TimeSpan.FromMilliseconds(1)), "at the limit");
        Assert.That(options.ReplySpinTicks, Is.EqualTo(System.Diagnostics.Stopwatch.Frequency / 1000));
        options.ReplySpin = TimeSpan.Zero;
        Assert.That(options.ReplySpinTicks, Is.Zero, "zero: no spin");
        Assert.That(() => options.ReplySpin = ConnectionOptions.MaxReplySpin + TimeSpan.FromTicks(1), Throws.InstanceOf<ArgumentOutOfRangeException>(), "past the limit");
        Assert.That(() => options.ReplySpin = TimeSpan.FromTicks(-1), Throws.InstanceOf<ArgumentOutOfRangeException>(), "negative");
        Assert.That(new ConnectionOptions().ReplySpin, Is.EqualTo(TimeSpan.Zero), "off unless asked for");
    }

    [Test]
    public async Task A_reply_slower_than_the_spin_still_arrives_through_the_sleep_and_turns_the_spin_off()
    {
        var (client, server, listener) = await PairAsync(Spinning(TimeSpan.FromMicroseconds(200)));
        using var _ = listener;
        await using var __ = client;
        await using var ___ = server;
        var full = Environment.ProcessorCount > 1 ? client.Options.ReplySpinTicks : 0;
        Assert.That(client.SpinBudget(), Is.EqualTo(full), "nothing measured yet: the whole spin (none on one processor)");
        for (var i = 0; i < 3; i++)
        {
            var sending = SendLaterAsync(server, $"slow {i}\r\n", 30); // far past the spin: found by the sleep
            Assert.That(Wait(client, 5000), Is.True, $"slow reply {i} arrived within the wait");
            await sending;
            Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo($"slow {i}"));
        }
        Assert.That(client.SpinBudget(), Is.Zero, "replies take longer than the spin: no spin");
        for (var i = 0; i < 40; i++)
        {
            await server.Writer.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"quick {i}\r\n"));
            await Task.Delay(5);
            Assert.That(Wait(client, 5000), Is.True);
            Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo($"quick {i}"));
        }
        if (Environment.ProcessorCount > 1) Assert.That(client.SpinBudget(), Is.GreaterThan(0), "quick replies again: the spin is back");
    }

    [Test]
    public async Task A_cancelled_token_ends_the_spin_and_skips_the_sleep()
    {
        var (client, server, listener) = await PairAsync(Spinning(ConnectionOptions.MaxReplySpin));
        using var _ = listener;
        await using var __ = client;
        await using var ___ = server;
        client.SpinForAnyPeer = true;
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(WithoutContext(() => client.WaitReadable(5000, cancelled.Token)), Is.False, "nothing sent and cancelled: no wait");
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "returned without sleeping out its 5 s");
        await server.Writer.WriteAsync("x\r\n"u8.ToArray());
        await Task.Delay(50);
        Assert.That(WithoutContext(() => client.WaitReadable(5000, cancelled.Token)), Is.True, "bytes there: found by the first probe");
    }

    [Test]
    public async Task A_token_cancelled_while_the_caller_spins_ends_the_wait_before_its_timeout()
    {
        // A fresh connection spins its whole budget (1 ms: nothing measured yet) before it sleeps out the timeout
        // (300 ms); another thread cancels as the wait starts. A cancel that lands in the spin ends the wait at once;
        // one that comes after it (a loaded machine) does not, so the rounds go on until one shows it.
        var ended = -1;
        for (var round = 0; round < 20 && ended < 0; round++)
        {
            var (client, server, listener) = await PairAsync(Spinning(ConnectionOptions.MaxReplySpin));
            using var _ = listener;
            await using var __ = client;
            await using var ___ = server;
            client.SpinForAnyPeer = true; // the test's two ends may share a processor, where the client would not spin
            if (Environment.ProcessorCount < 2)
            {
                Assert.That(client.SpinBudget(), Is.Zero, "one processor: no spin to cancel");
                return;
            }
            using var cts = new CancellationTokenSource();
            var go = 0;
            var canceller = Task.Factory.StartNew(() =>
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                while (Volatile.Read(ref go) == 0 && watch.ElapsedMilliseconds < 5000) Thread.SpinWait(1);
                cts.Cancel();
            }, TaskCreationOptions.LongRunning);
            var waited = System.Diagnostics.Stopwatch.StartNew();
            var found = WithoutContext(() =>
            {
                Volatile.Write(ref go, 1);
                return client.WaitReadable(300, cts.Token);
            });
            waited.Stop();
            await canceller.Seconds();
            Assert.That(found, Is.False, "nothing was sent");
            if (waited.ElapsedMilliseconds < 150) ended = round;
        }
        Assert.That(ended, Is.GreaterThanOrEqualTo(0), "in 20 rounds, no cancel ended a wait before its timeout");
    }

    [Test]
    public async Task A_tls_connection_never_spins_or_waits_on_the_callers_thread()
    {
        using var certificate = SelfSignedCertificate.Create(null, "localhost");
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var _ = listener.Server;
        var accepting = Task.Run(async () =>
        {
            var server = Connection.Create(await listener.AcceptSocketAsync());
            await server.UpgradeToTlsAsync(new System.Net.Security.SslServerAuthenticationOptions { ServerCertificate = certificate });
            return server;
        });
        var options = Spinning(ConnectionOptions.MaxReplySpin);
        options.Tls = new TlsClientOptions { AcceptAnyCertificate = true, TargetHost = "localhost" };
        await using var client = await Connection.ConnectAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, options).Seconds();
        await using var server = await accepting.Seconds();
        client.SpinForAnyPeer = true;
        Assert.That(client.CompletesInline, Is.False, "TLS: the socket's waits stay .NET's");
        for (var i = 0; i < 5; i++)
        {
            await server.Writer.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"tls {i}\r\n"));
            Assert.That(Wait(client, 1000), Is.False, "no wait on the caller's thread over TLS");
            Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo($"tls {i}"));
        }
        Assert.That(client.Spins, Is.Zero);
    }

    [Test]
    public async Task The_spin_is_only_for_a_peer_whose_replies_come_through_another_processor()
    {
        if (Environment.ProcessorCount < 2) Assert.Fail("needs two processors");
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var _ = listener.Server;
        var accepting = listener.AcceptSocketAsync();
        await using var client = await Connection.ConnectAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, Spinning(ConnectionOptions.MaxReplySpin)).Seconds();
        using var serverSocket = await accepting.Seconds();
        var clientFd = client.SocketDescriptor!.Value;

        // The peer sends from processor `from` (on loopback its bytes are processed there: SO_INCOMING_CPU), the
        // caller waits on processor 0; each on a thread pinned to its processor.
        (bool Another, int Spins, bool Found) Round(int from, string text)
        {
            var sent = new ManualResetEventSlim();
            var sender = new Thread(() =>
            {
                Pin(from);
                serverSocket.Send(System.Text.Encoding.ASCII.GetBytes(text + "\r\n"));
                sent.Set();
            });
            (bool, int, bool) seen = default;
            var caller = new Thread(() =>
            {
                Pin(0);
                sent.Wait(TimeSpan.FromSeconds(10));
                var spinsBefore = client.Spins;
                var another = Connection.PeerOnAnotherProcessor(clientFd);
                var found = client.WaitReadable(1000);
                seen = (another, client.Spins - spinsBefore, found);
            });
            caller.Start();
            sender.Start();
            Assert.That(sender.Join(TimeSpan.FromSeconds(10)) && caller.Join(TimeSpan.FromSeconds(10)), Is.True);
            return seen;
        }

        var same = Round(0, "same");
        Assert.That(same, Is.EqualTo((false, 0, true)), "a peer on the caller's processor: no spin, the bytes found by the wait");
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("same"));
        var other = Round(1, "other");
        Assert.That(other, Is.EqualTo((true, 1, true)), "a peer on another processor: a spin, which finds the bytes");
        Assert.That(await client.Reader.ReadLineStringAsync().Seconds(), Is.EqualTo("other"));
    }

    private static void Pin(int processor)
    {
        var mask = 1UL << processor;
        Assert.That(SchedSetAffinity(0, sizeof(ulong), ref mask), Is.Zero, $"pinned to processor {processor}");
        Assert.That(SchedGetCpu(), Is.EqualTo(processor));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static extern int SchedSetAffinity(int pid, nint size, ref ulong mask);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "sched_getcpu")]
    private static extern int SchedGetCpu();

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
