using Protocols.Http;

namespace Protocols.Tests.Http.Client;

/// <summary>
/// The keep-alive fast path (the client waits for a quick reply on its own thread, the socket completes its waits on
/// .NET's socket thread): the caller's code never runs on the socket thread, quick or slow reply.
/// </summary>
public class QuickReplyTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>Answers every request after <paramref name="delayMilliseconds"/>, the body <paramref name="bodyDelayMilliseconds"/> after the head.</summary>
    private static ScriptedServer Replying(int delayMilliseconds, int bodyDelayMilliseconds = 0) => new(async (c, ct) =>
    {
        while (await ScriptedServer.ReadRequestAsync(c, ct) is not null)
        {
            await Task.Delay(delayMilliseconds, ct);
            await ScriptedServer.SendAsync(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", ct);
            if (bodyDelayMilliseconds > 0) await Task.Delay(bodyDelayMilliseconds, ct);
            await ScriptedServer.SendAsync(c, "hello", ct);
        }
    });

    [TestCase(0, 0, TestName = "Quick replies")]
    [TestCase(50, 0, TestName = "Replies slower than the wait on the caller's thread")]
    [TestCase(0, 2, TestName = "A body that comes just after the head")]
    [TestCase(0, 50, TestName = "A body that comes later than the head")]
    public async Task Every_continuation_of_the_caller_runs_on_the_thread_pool(int delay, int bodyDelay) =>
        // On the pool, as an application's requests run (the test runner's own context would turn the quick wait off).
        await Task.Run(() => RequestsAsync(delay, bodyDelay));

    [TestCase(true)]
    [TestCase(false)]
    public void The_switch_reaches_the_connection_options(bool quick)
    {
        var options = new HttpClientOptions { QuickReplies = quick };
        Assert.That(options.ToConnectionOptions(HttpOrigin.From(new Uri("http://127.0.0.1:8080/"))).QuickReplies, Is.EqualTo(quick));
        Assert.That(new HttpClientOptions().QuickReplies, Is.True, "on by default");
    }

    [Test]
    public void ReplySpin_defaults_to_100_us_takes_up_to_1_ms_and_reaches_the_connection_options()
    {
        Assert.That(new HttpClientOptions().ReplySpin, Is.EqualTo(TimeSpan.FromMicroseconds(100)));
        var options = new HttpClientOptions { ReplySpin = TimeSpan.FromMilliseconds(1) };
        Assert.That(options.ToConnectionOptions(HttpOrigin.From(new Uri("http://127.0.0.1:8080/"))).ReplySpin, Is.EqualTo(TimeSpan.FromMilliseconds(1)), "at the limit");
        options.ReplySpin = TimeSpan.Zero;
        Assert.That(options.ToConnectionOptions(HttpOrigin.From(new Uri("http://127.0.0.1:8080/"))).ReplySpin, Is.EqualTo(TimeSpan.Zero), "zero: no spin");
        Assert.That(() => options.ReplySpin = TimeSpan.FromMilliseconds(1) + TimeSpan.FromTicks(1),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.StartsWith("between 0 and 1 ms"), "past the limit");
        Assert.That(() => options.ReplySpin = TimeSpan.FromTicks(-1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.StartsWith("between 0 and 1 ms"));
        Assert.That(options.ReplySpin, Is.EqualTo(TimeSpan.Zero), "a refused value leaves the option as it was");
    }

    [TestCase(0, TestName = "Replies slower than the spin, spin off")]
    [TestCase(1000, TestName = "Replies slower than the spin, at the longest spin")]
    public async Task Replies_slower_than_the_spin_still_arrive(int spinMicroseconds) =>
        await Task.Run(() => RequestsAsync(3, 0, spin: TimeSpan.FromMicroseconds(spinMicroseconds)));

    [Test]
    public async Task A_request_cancelled_while_waiting_for_its_reply_throws_at_once()
    {
        // The server never answers: the caller spins, sleeps at most 10 ms, then waits asynchronously; the cancel
        // ends whichever wait it finds.
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            while (await ScriptedServer.ReadRequestAsync(c, ct) is not null) { }
        });
        await Task.Run(async () =>
        {
            await using var client = new Http1Client(new HttpClientOptions { Timeout = Wait, ReadTimeout = Wait, ReplySpin = TimeSpan.FromMilliseconds(1) });
            foreach (var delay in new[] { 0, 1, 30 })
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(delay));
                var watch = System.Diagnostics.Stopwatch.StartNew();
                Assert.That(async () => await client.GetAsync(server.Url(), cts.Token), Throws.InstanceOf<OperationCanceledException>(), $"cancelled after {delay} ms");
                Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "well before the 10 s timeout");
            }
        });
    }

    [Test]
    public async Task Without_quick_replies_the_same_requests_work() =>
        await Task.Run(() => RequestsAsync(0, 2, quickReplies: false));

    private static async Task RequestsAsync(int delay, int bodyDelay, bool quickReplies = true, TimeSpan? spin = null)
    {
        await using var server = Replying(delay, bodyDelay);
        var options = new HttpClientOptions { Timeout = Wait, ReadTimeout = Wait, QuickReplies = quickReplies };
        if (spin is { } s) options.ReplySpin = s;
        await using var client = new Http1Client(options);
        for (var i = 0; i < 40; i++)
        {
            // Not wrapped in WaitAsync (that would move the continuation itself): the client's timeouts bound these awaits.
            await using var response = await client.GetAsync(server.Url()).ConfigureAwait(false);
            Assert.That(Thread.CurrentThread.IsThreadPoolThread, Is.True, $"request {i}: after the head, on {Thread.CurrentThread.Name}");
            var buffer = new byte[16];
            var read = await response.Body.ReadAsync(buffer).ConfigureAwait(false);
            Assert.That(Thread.CurrentThread.IsThreadPoolThread, Is.True, $"request {i}: after the body, on {Thread.CurrentThread.Name}");
            while (read < 5) read += await response.Body.ReadAsync(buffer.AsMemory(read)).ConfigureAwait(false);
            Assert.That(System.Text.Encoding.ASCII.GetString(buffer, 0, read), Is.EqualTo("hello"));
        }
        Assert.That(server.Connections, Is.EqualTo(1), "one kept-alive connection served them all");
        Assert.That(server.Errors, Is.Empty);
    }
}
