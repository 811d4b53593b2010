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
/// past its limit and its off switch, the budget while the gaps between events are short and none once they are not,
/// the weight of one slow gap, and a loop with nothing to do that does not spin.
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
        Assert.That(EpollSpin.MicrosecondsFrom(null, 2), Is.EqualTo(EpollSpin.DefaultMicroseconds), "unset: the default");
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
        spin.Record(Us(5));
        Assert.That(spin.Budget(), Is.Zero, "quick gaps do not turn it on");
        Assert.That(spin.GapTicks, Is.Zero, "nothing recorded");
    }

    [Test]
    public void While_the_gaps_are_short_the_budget_is_the_bound()
    {
        var spin = Quiet(50);
        Assert.That(spin.Budget(), Is.EqualTo(Us(50)), "before any gap: the bound");
        for (var i = 0; i < 100; i++) spin.Record(Us(10));
        Assert.That(spin.Budget(), Is.EqualTo(Us(50)));
        for (var i = 0; i < 100; i++) spin.Record(Us(25));
        Assert.That(spin.Budget(), Is.EqualTo(Us(50)), "waits at half the bound still spin");
    }

    [Test]
    public void Once_the_gaps_pass_the_bound_there_is_no_spin_and_quick_ones_bring_it_back()
    {
        var spin = Quiet(50);
        for (var i = 0; i < 100; i++) spin.Record(Us(26));
        Assert.That(spin.Budget(), Is.Zero, "waits just past half the bound: the spin would cost more than it saves");
        for (var i = 0; i < 100; i++) spin.Record(Us(10));
        Assert.That(spin.Budget(), Is.EqualTo(Us(50)), "quick again: back on");
    }

    [Test]
    public void Events_that_were_there_at_once_do_not_count()
    {
        var spin = Quiet(50);
        for (var i = 0; i < 100; i++) spin.Record(Us(100));
        Assert.That(spin.Budget(), Is.Zero);
        for (var i = 0; i < 100; i++) spin.Record(EpollSpin.NoWaitTicks - 1);
        Assert.That(spin.Budget(), Is.Zero, "no wait says nothing about whether a wait pays");
        spin.Record(EpollSpin.NoWaitTicks);
        Assert.That(spin.GapTicks, Is.LessThan(EpollSpin.SlowGapWeight * Us(50)), "a wait of NoWaitTicks counts");
    }

    [Test]
    public void An_idle_gap_weighs_at_most_two_bounds_so_that_a_few_quick_ones_bring_the_spin_back()
    {
        var spin = Quiet(50);
        for (var i = 0; i < 100; i++) spin.Record(Us(10));
        spin.Record(Stopwatch.Frequency * 3600); // an hour with nothing to do
        Assert.That(spin.GapTicks, Is.LessThanOrEqualTo(Us(10) + (EpollSpin.SlowGapWeight * Us(50) - Us(10)) / 8), "clamped to two bounds");
        for (var i = 0; i < 100; i++) spin.Record(Stopwatch.Frequency * 3600);
        Assert.That(spin.GapTicks, Is.InRange(EpollSpin.SlowGapWeight * Us(50) - Us(1), EpollSpin.SlowGapWeight * Us(50)), "never above two bounds");
        Assert.That(spin.Budget(), Is.Zero, "idle: no spin");
        var quick = 0;
        while (spin.Budget() == 0 && quick < 100)
        {
            spin.Record(Us(5));
            quick++;
        }
        Assert.That(quick, Is.InRange(1, 16), "a dozen quick gaps after an idle spell turn it back on");
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
