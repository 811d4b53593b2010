using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Protocols.Net;
using Protocols.Servers.Hosting;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Net;

/// <summary>
/// <see cref="EpollSpin"/>, the event loop's poll before it sleeps: the bound from <c>PROTOCOLS_LOOP_SPIN</c> at and
/// past its limit and its off switch, the budget while spins find events quickly and none once they run out, the
/// retries while it is off, the busy machine, and a loop with nothing to do that does not spin.
/// </summary>
public class EpollSpinTests
{
    private static long Us(int microseconds) => microseconds * Stopwatch.Frequency / 1_000_000;

    // A spin on a machine with nothing else runnable (the tests' own machine may be busy).
    private static EpollSpin Quiet(int microseconds) => new(microseconds, () => 1, processors: 2);

    [Test]
    public void No_spin_while_more_tasks_are_runnable_than_there_are_processors()
    {
        var runnable = 2;
        var reads = 0;
        var spin = new EpollSpin(50, () => { reads++; return runnable; }, processors: 2);
        Assert.That(spin.Budget(), Is.EqualTo(Us(50)), "as many runnable as processors (the loop and its peer): spin");
        runnable = 3;
        Assert.That(spin.Budget(), Is.EqualTo(Us(50)), "read again only after the interval");
        Assert.That(reads, Is.EqualTo(1));
        var deadline = Stopwatch.GetTimestamp() + EpollSpin.BusyCheckInterval;
        while (Stopwatch.GetTimestamp() <= deadline) Thread.Sleep(1);
        Assert.That(spin.Budget(), Is.Zero, "one more than the processors: no spin");
        Assert.That(reads, Is.EqualTo(2));
        var unknown = new EpollSpin(50, () => -1, processors: 2);
        Assert.That(unknown.Budget(), Is.EqualTo(Us(50)), "unknown: the waits alone decide");
    }

    [Test]
    public void The_runnable_count_is_read_from_proc_loadavg()
    {
        Assert.That(EpollSpin.ParseRunnable("0.40 0.27 0.66 1/87 30989\n"u8), Is.EqualTo(1));
        Assert.That(EpollSpin.ParseRunnable("12.03 8.93 4.87 11/230 8885\n"u8), Is.EqualTo(11));
        Assert.That(EpollSpin.ParseRunnable("0.40 0.27 0.66 /87 30989"u8), Is.EqualTo(-1));
        Assert.That(EpollSpin.ParseRunnable("0.40 0.27 0.66 x/87 30989"u8), Is.EqualTo(-1));
        Assert.That(EpollSpin.ParseRunnable("0.40 0.27"u8), Is.EqualTo(-1));
        Assert.That(EpollSpin.ParseRunnable(""u8), Is.EqualTo(-1));
        if (OperatingSystem.IsLinux()) Assert.That(EpollSpin.RunnableTasks(), Is.GreaterThanOrEqualTo(1), "this thread at least");
        else Assert.That(EpollSpin.RunnableTasks(), Is.EqualTo(-1));
    }

    [Test]
    public void The_bound_comes_from_PROTOCOLS_LOOP_SPIN_at_its_limit_and_is_off_past_it_or_when_unreadable()
    {
        Assert.That(EpollSpin.MicrosecondsFrom(null, 2), Is.Zero, "unset: off (opt-in with PROTOCOLS_LOOP_SPIN=50)");
        Assert.That(EpollSpin.MicrosecondsFrom("0", 2), Is.Zero, "0 turns it off");
        Assert.That(EpollSpin.MicrosecondsFrom("20", 2), Is.EqualTo(20));
        Assert.That(EpollSpin.MicrosecondsFrom($"{EpollSpin.MaxMicroseconds}", 2), Is.EqualTo(EpollSpin.MaxMicroseconds), "at the limit");
        Assert.That(EpollSpin.MicrosecondsFrom($"{EpollSpin.MaxMicroseconds + 1}", 2), Is.Zero, "past the limit: off");
        Assert.That(EpollSpin.MicrosecondsFrom("-5", 2), Is.Zero);
        Assert.That(EpollSpin.MicrosecondsFrom("50us", 2), Is.Zero);
        Assert.That(EpollSpin.MicrosecondsFrom("", 2), Is.Zero);
        Assert.That(EpollSpin.MicrosecondsFrom(null, 1), Is.Zero, "one processor: the peer could only run once the spin ends");
        Assert.That(EpollSpin.MicrosecondsFrom("50", 1), Is.Zero);
    }

    [Test]
    public void The_bound_is_checked_at_and_past_its_limit()
    {
        Assert.That(Quiet(EpollSpin.MaxMicroseconds).MaxTicks, Is.EqualTo(Us(EpollSpin.MaxMicroseconds)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EpollSpin(EpollSpin.MaxMicroseconds + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EpollSpin(-1));
    }

    [Test]
    public void Off_there_is_never_a_budget()
    {
        var spin = new EpollSpin(0, () => 1, processors: 2);
        Assert.That(spin.Budget(), Is.Zero);
        for (var i = 0; i < 2 * EpollSpin.RetryAfter; i++) Assert.That(spin.Budget(), Is.Zero, "no retry either");
    }

    [Test]
    public void While_the_spins_find_events_quickly_the_budget_is_the_bound()
    {
        var spin = Quiet(50);
        Assert.That(spin.Budget(), Is.EqualTo(Us(50)), "before any spin: the bound");
        for (var i = 0; i < 100; i++) spin.Found(Us(10));
        Assert.That(spin.Budget(), Is.EqualTo(Us(50)));
        for (var i = 0; i < 100; i++) spin.Found(Us(50));
        Assert.That(spin.Budget(), Is.EqualTo(Us(50)), "events at the bound still spin");
        for (var i = 0; i < 100; i++) spin.Found(Us(49));
        spin.RanOut();
        Assert.That(spin.Budget(), Is.Zero, "an average just past the bound: no spin");
    }

    [Test]
    public void Spins_that_run_out_turn_it_off_and_quick_ones_bring_it_back()
    {
        var spin = Quiet(50);
        spin.Found(Us(10));
        var misses = 0;
        while (spin.Budget() != 0 && misses < 100)
        {
            spin.RanOut();
            misses++;
        }
        Assert.That(misses, Is.InRange(1, 6), "a handful of spins that run out turn it off");
        Assert.That(spin.SpinTicks, Is.LessThanOrEqualTo(EpollSpin.MissWeight * Us(50)), "a miss weighs at most two bounds");
        for (var i = 0; i < 100; i++) spin.RanOut();
        Assert.That(spin.SpinTicks, Is.InRange(EpollSpin.MissWeight * Us(50) - Us(1), EpollSpin.MissWeight * Us(50)), "never above two bounds");
        var quick = 0;
        while (quick < 100)
        {
            if (spin.Budget() != 0)
            {
                spin.Found(Us(5));
                quick++;
                if (spin.Budget() != 0) break;
            }
        }
        Assert.That(quick, Is.InRange(1, 16), "a dozen quick spins (each a retry) after a run of misses turn it back on");
    }

    [Test]
    public void While_off_one_batch_in_RetryAfter_spins_again()
    {
        var spin = Quiet(50);
        for (var i = 0; i < 100; i++) spin.RanOut();
        var budgets = Enumerable.Range(0, 4 * EpollSpin.RetryAfter).Select(_ => spin.Budget()).ToArray();
        Assert.That(budgets.Count(b => b != 0), Is.EqualTo(4), "one retry per RetryAfter batches");
        Assert.That(budgets.Take(EpollSpin.RetryAfter - 1), Has.All.Zero, "none before the RetryAfter-th batch");
        Assert.That(budgets[EpollSpin.RetryAfter - 1], Is.EqualTo(Us(50)), "the retry at the RetryAfter-th");
    }

    [Test]
    public void Events_that_were_there_at_the_first_probe_do_not_count()
    {
        var spin = Quiet(50);
        for (var i = 0; i < 100; i++) spin.RanOut();
        var before = spin.SpinTicks;
        for (var i = 0; i < 100; i++) spin.Found(EpollSpin.NoWaitTicks - 1);
        Assert.That(spin.SpinTicks, Is.EqualTo(before), "no wait says nothing about whether a wait pays");
        spin.Found(EpollSpin.NoWaitTicks);
        Assert.That(spin.SpinTicks, Is.LessThan(before), "a wait of NoWaitTicks counts");
        Assert.That(spin.Caught, Is.EqualTo(101));
        Assert.That(spin.Missed, Is.EqualTo(100));
    }

    [Test]
    public async Task A_loop_with_nothing_to_do_does_not_spin()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.That(EpollLoop.IsSupported, Is.False, "elsewhere .NET's sockets serve, without a loop of ours");
            return;
        }
        var options = new SmtpServerOptions { Store = new InMemoryMessageStore(10) };
        var builder = new ProtocolsHostBuilder();
        builder.AddLineEndpoint("smtp", new IPEndPoint(IPAddress.Loopback, 0), new SmtpConnectionHandler(options));
        await using var host = await builder.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 20; i++) // quick gaps: the spin is on when the last session ends
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(host.GetEndPoint("smtp")).WaitAsync(TimeSpan.FromSeconds(30));
            var stream = tcp.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII);
            Assert.That(await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)), Does.StartWith("220 "));
            await stream.WriteAsync(Encoding.ASCII.GetBytes("QUIT\r\n")).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.That(await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)), Does.StartWith("221 "));
        }
        await Task.Delay(100);
        var loops = Directory.GetDirectories("/proc/self/task").Where(t => File.ReadAllText(Path.Combine(t, "comm")).StartsWith(".NET Lines", StringComparison.Ordinal)).ToArray();
        Assert.That(loops, Is.Not.Empty, "the loop's thread");
        var before = loops.Sum(RunNanoseconds);
        await Task.Delay(500);
        var ran = loops.Sum(RunNanoseconds) - before;
        Assert.That(ran, Is.LessThan(20_000_000), $"the loop ran {ran / 1000} us in 500 ms with nothing to do");
    }

    // The thread's time on a processor so far (the first field of /proc/self/task/TID/schedstat, in nanoseconds).
    private static long RunNanoseconds(string task) => long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
}
