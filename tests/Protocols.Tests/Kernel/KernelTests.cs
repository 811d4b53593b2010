using System.Buffers;
using System.Text;
using Protocols.Net;
using Protocols.Servers.Lines;
using Protocols.Tests.Support;

namespace Protocols.Tests.Kernel;

/// <summary>The kernel on its own: a toy protocol over an in-memory pair, with CRLF lines and with IMAP-style literals.</summary>
public class KernelTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(10);

    [Test]
    public async Task Literal_framing_sends_one_continuation_then_delivers_the_whole_command()
    {
        await using var h = await ToyHarness.StartAsync(new LiteralFraming(1024));
        await h.SendAsync("ECHO {5}\r\n");
        Assert.That(await h.LineAsync(), Is.EqualTo("+ Ready for literal data"));
        await h.SendAsync("he");
        await h.SendAsync("llo tail\r\n");
        Assert.That(await h.LineAsync(), Is.EqualTo("OK ECHO {5}\r\nhello tail"));
    }

    [Test]
    public async Task Non_synchronizing_literal_never_asks()
    {
        await using var h = await ToyHarness.StartAsync(new LiteralFraming(1024));
        await h.SendAsync("ECHO {3+}\r\nabc {2+}\r\nde\r\nNOOP\r\n");
        Assert.That(await h.LineAsync(), Is.EqualTo("OK ECHO {3+}\r\nabc {2+}\r\nde"));
        Assert.That(await h.LineAsync(), Is.EqualTo("OK NOOP"));
    }

    [Test]
    public async Task Literal_past_the_limit_is_too_long_and_the_session_goes_on()
    {
        await using var h = await ToyHarness.StartAsync(new LiteralFraming(64));
        await h.SendAsync("ECHO {100}\r\n");
        Assert.That(await h.LineAsync(), Is.EqualTo("BAD line-too-long"));
        await h.SendAsync("NOOP\r\n");
        Assert.That(await h.LineAsync(), Is.EqualTo("OK NOOP"));
    }

    [Test]
    public async Task Crlf_framing_at_and_past_the_limit()
    {
        await using var h = await ToyHarness.StartAsync(new CrlfFraming(16));
        await h.SendAsync("ECHO " + new string('x', 9) + "\r\n"); // 16 bytes with CRLF
        Assert.That(await h.LineAsync(), Is.EqualTo("OK ECHO xxxxxxxxx"));
        await h.SendAsync("ECHO " + new string('x', 10) + "\r\n");
        Assert.That(await h.LineAsync(), Is.EqualTo("BAD line-too-long"));
        await h.SendAsync("NOOP\r\n");
        Assert.That(await h.LineAsync(), Is.EqualTo("OK NOOP"));
    }

    [Test]
    public async Task Out_of_state_unknown_and_argument_rules_are_refused_through_the_table()
    {
        await using var h = await ToyHarness.StartAsync(new CrlfFraming(128));
        await h.SendAsync("SECRET\r\nFOO\r\nNOOP x\r\nLOGIN\r\nSECRET\r\n");
        Assert.That(await h.LineAsync(), Is.EqualTo("BAD bad-sequence"));
        Assert.That(await h.LineAsync(), Is.EqualTo("BAD unknown-command"));
        Assert.That(await h.LineAsync(), Is.EqualTo("BAD syntax-error"));
        Assert.That(await h.LineAsync(), Is.EqualTo("OK LOGIN"));
        Assert.That(await h.LineAsync(), Is.EqualTo("OK SECRET"));
    }

    [Test]
    public async Task Bad_command_budget_at_and_past()
    {
        await using var h = await ToyHarness.StartAsync(new CrlfFraming(128), limits => limits.MaxBadCommands = 3);
        for (var i = 0; i < 3; i++)
        {
            await h.SendAsync("FOO\r\n");
            Assert.That(await h.LineAsync(), Is.EqualTo("BAD unknown-command"), $"bad command {i + 1} of 3");
        }
        await h.SendAsync("FOO\r\n");
        Assert.That(await h.LineAsync(), Is.EqualTo("BYE too-many-errors"));
        Assert.That(await h.LineAsync(), Is.Null);
    }

    [Test]
    public async Task Noop_budget_at_and_past()
    {
        await using var h = await ToyHarness.StartAsync(new CrlfFraming(128), limits => limits.MaxNoops = 2);
        await h.SendAsync("NOOP\r\nNOOP\r\nNOOP\r\n");
        Assert.That(await h.LineAsync(), Is.EqualTo("OK NOOP"));
        Assert.That(await h.LineAsync(), Is.EqualTo("OK NOOP"));
        Assert.That(await h.LineAsync(), Is.EqualTo("BYE too-many-noops"));
        Assert.That(await h.LineAsync(), Is.Null);
    }

    [Test]
    public async Task A_trickling_command_is_cut_at_the_command_deadline()
    {
        await using var h = await ToyHarness.StartAsync(new CrlfFraming(128), limits => limits.CommandDeadline = TimeSpan.FromMilliseconds(800));
        const int total = 60; // 6 s of bytes, one per 100 ms, never a line end
        var sent = 0;
        var trickle = Task.Run(async () =>
        {
            for (var i = 0; i < total; i++)
            {
                try { await h.Client.Writer.WriteAsync("N"u8.ToArray()); } catch (IOException) { return; }
                Interlocked.Increment(ref sent);
                await Task.Delay(100);
            }
        });
        Assert.That(await h.LineAsync(), Is.EqualTo("BYE timeout"));
        Assert.That(Volatile.Read(ref sent), Is.LessThan(total), "cut while bytes were still coming: a deadline for the command, not a timeout per read");
        await trickle.WaitAsync(T);
    }

    [Test]
    public async Task Fault_interceptor_replies_to_the_nth_use_and_consumes_the_payload()
    {
        var faults = new FaultScript().Reply("PUSH", 451, "later", nth: 1);
        await using var h = await ToyHarness.StartAsync(new CrlfFraming(128), interceptor: faults);
        await h.SendAsync("LOGIN\r\nPUSH 6\r\nNOOP\r\nPUSH 4\r\nabcd");
        Assert.That(await h.LineAsync(), Is.EqualTo("OK LOGIN"));
        Assert.That(await h.LineAsync(), Is.EqualTo("451 later"), "the scripted reply; the 6 bytes 'NOOP\\r\\n' are its payload, never a command");
        Assert.That(await h.LineAsync(), Is.EqualTo("OK PUSH 4 abcd"));
    }

    [Test]
    public async Task Beside_work_posts_its_reply_into_the_waiting_loop_while_commands_are_answered_meanwhile()
    {
        await using var h = await ToyHarness.StartAsync(new CrlfFraming(128));
        await h.SendAsync("WORK\r\nNOOP\r\n");
        Assert.That(await h.LineAsync(), Is.EqualTo("OK WORK"));
        Assert.That(await h.LineAsync(), Is.EqualTo("OK NOOP"), "answered while the work runs");
        h.Session.Release.SetResult();
        Assert.That(await h.LineAsync(), Is.EqualTo("DONE"), "written by the loop while it waits, no command needed");
        await h.SendAsync("NOOP\r\n");
        Assert.That(await h.LineAsync(), Is.EqualTo("OK NOOP"));
    }

    [Test]
    public async Task A_reply_written_after_awaiting_the_work_comes_after_the_works_reply()
    {
        await using var h = await ToyHarness.StartAsync(new CrlfFraming(128));
        await h.SendAsync("WORK\r\nWAIT\r\n");
        Assert.That(await h.LineAsync(), Is.EqualTo("OK WORK"));
        h.Session.Release.SetResult();
        Assert.That(await h.LineAsync(), Is.EqualTo("DONE"));
        Assert.That(await h.LineAsync(), Is.EqualTo("OK WAIT"));
    }

    [Test]
    public async Task Beside_work_suspends_the_idle_limit_which_starts_again_when_it_ends()
    {
        // The short idle limit is set once the work runs (the kernel reads its limits live): set from the start, a loaded
        // machine could take longer than it to send WORK.
        SessionLimits? limits = null;
        await using var h = await ToyHarness.StartAsync(new CrlfFraming(128), l => limits = l);
        await h.SendAsync("WORK\r\n");
        Assert.That(await h.LineAsync(), Is.EqualTo("OK WORK"));
        limits!.IdleTimeout = TimeSpan.FromMilliseconds(300);
        var next = h.LineAsync();
        await Task.Delay(900);
        Assert.That(next.IsCompleted, Is.False, "no timeout while the work runs (three idle limits long)");
        // The clock starts before the work ends, so the idle limit (which starts at the end) is always inside it: on a
        // loaded machine the DONE may reach us late, and a clock started then would see less than the limit.
        var ended = System.Diagnostics.Stopwatch.StartNew();
        h.Session.Release.SetResult();
        Assert.That(await next, Is.EqualTo("DONE"));
        Assert.That(await h.LineAsync(), Is.EqualTo("BYE timeout"));
        Assert.That(ended.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250)), "the idle limit counts from the end of the work");
        Assert.That(await h.LineAsync(), Is.Null);
    }

    [Test]
    public async Task Rejected_plaintext_after_a_tls_upgrade_command_gets_the_go_ahead_then_the_session_ends()
    {
        await using var h = await ToyHarness.StartAsync(new CrlfFraming(128));
        await h.SendAsync("TLS\r\nNOOP\r\n");
        Assert.That(await h.LineAsync(), Is.EqualTo("GO"));
        Assert.That(await h.LineAsync(), Is.Null, "the pipelined NOOP is never read, in plaintext or as TLS");
    }

    private enum ToyState { Out = 1, In = 2, Any = 3 }

    private enum ToyReason { NotToday }

    private sealed class ToySession : LineSession<ToySession, ToyState>
    {
        private static readonly RejectTable<ToyReason> Rejects = BuildRejects();

        private static readonly VerbTable<ToySession, ToyState> Verbs = new VerbTable<ToySession, ToyState>()
            .Add("ECHO", ToyState.Any, static (s, c, _) => s.Ok(Encoding.UTF8.GetString(c.Frame)))
            .Add("NOOP", ToyState.Any, static (s, c, _) => s.Ok("NOOP"), ArgumentRule.None, flags: VerbFlags.NoopLike)
            .Add("LOGIN", ToyState.Out, static (s, c, _) => s.Ok("LOGIN"), next: ToyState.In)
            .Add("SECRET", ToyState.In, static (s, c, _) => s.Ok("SECRET"))
            .Add("WORK", ToyState.Any, static (s, c, _) => s.Work())
            .Add("WAIT", ToyState.Any, static (s, c, _) => s.WaitAsync())
            .Add("TLS", ToyState.Any, static (s, c, t) => s.UpgradeToTlsAsync(new System.Net.Security.SslServerAuthenticationOptions(), "GO\r\n"u8.ToArray(), PlaintextPolicy.Reject, t))
            .Add("PUSH", ToyState.In, static (s, c, t) => s.PushAsync(c, t), ArgumentRule.Required, payload: static (_, a) => long.TryParse(a, out var n) ? n : -1);

        public ToySession(Connection connection, ICommandFraming framing, SessionLimits limits, IVerbInterceptor? interceptor)
            : base(connection, Verbs, framing, limits, new LineServices("toy", interceptor: interceptor), ToyState.Out)
        {
        }

        private static RejectTable<ToyReason> BuildRejects()
        {
            var table = new RejectTable<ToyReason>().Set(ToyReason.NotToday, 450, null, "not today");
            foreach (var reason in Enum.GetValues<LineReject>())
            {
                var closes = reason is LineReject.TooManyErrors or LineReject.TooManyRepeats or LineReject.TooManyNoops or LineReject.Timeout
                    or LineReject.ShuttingDown or LineReject.ProtocolError or LineReject.TooManyAuthFailures;
                table.Set(reason, closes ? 421 : 500, null, reason.ToString(), closes);
            }
            return table.Seal();
        }

        private Task? _work;

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private ValueTask<bool> Work()
        {
            _work = StartBeside(async () =>
            {
                await Release.Task;
                return "DONE\r\n"u8.ToArray();
            });
            return Ok("WORK");
        }

        private async ValueTask<bool> WaitAsync()
        {
            await Connection.Writer.DrainAsync(); // what came before goes out before the handler waits
            if (_work is not null) await _work;
            WritePosted();
            return await Ok("WAIT");
        }

        private ValueTask<bool> Ok(string text)
        {
            Connection.Writer.WriteLine("OK " + text);
            return new(true);
        }

        private async ValueTask<bool> PushAsync(LineCommand command, CancellationToken cancellationToken)
        {
            var count = int.Parse(command.Argument, System.Globalization.CultureInfo.InvariantCulture);
            string body = "";
            await TransferAsync(async t => body = Encoding.UTF8.GetString((await Connection.Reader.ReadExactlyAsync(count, t)).ToArray()), cancellationToken);
            return await Ok("PUSH " + command.Argument + " " + body);
        }

        protected override ValueTask<bool> GreetAsync(CancellationToken cancellationToken)
        {
            Connection.Writer.WriteLine("HELLO");
            return new(true);
        }

        protected override void Refuse(LineReject reason)
        {
            var entry = Rejects[reason];
            CountRejected(entry);
            Connection.Writer.WriteLine((entry.Closes ? "BYE " : "BAD ") + entry.Tag);
            if (entry.Closes) Closing = true;
        }

        protected override void WriteFault(in VerbFault fault) => Connection.Writer.WriteLine($"{fault.Code} {fault.Text}");
    }

    private sealed class ToyHarness : IAsyncDisposable
    {
        private readonly ToySession _session;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;
        private readonly Wire _wire;

        private ToyHarness(ICommandFraming framing, SessionLimits limits, IVerbInterceptor? interceptor)
        {
            (_wire, var server) = Wire.Pair(T);
            _session = new ToySession(server, framing, limits, interceptor);
            _run = _session.RunAsync(_stop.Token);
        }

        public Connection Client => _wire.Connection;

        public ToySession Session => _session;

        public static async Task<ToyHarness> StartAsync(ICommandFraming framing, Action<SessionLimits>? limits = null, IVerbInterceptor? interceptor = null)
        {
            var l = new SessionLimits { MaxCommandLength = framing.MaxLength };
            limits?.Invoke(l);
            var h = new ToyHarness(framing, l, interceptor);
            Assert.That(await h.LineAsync(), Is.EqualTo("HELLO"));
            return h;
        }

        public Task SendAsync(string text) => _wire.SendRawAsync(text);

        /// <summary>The next reply line, with the CRLFs inside an echoed frame kept: reads to the next line that does not belong to a literal.</summary>
        public async Task<string?> LineAsync()
        {
            var line = await _wire.ReadLineOrEndAsync();
            if (line is null || !line.StartsWith("OK ECHO", StringComparison.Ordinal)) return line;
            var builder = new StringBuilder(line);
            while (builder.ToString().TrimEnd().EndsWith('}'))
            {
                builder.Append("\r\n").Append(await _wire.ReadLineOrEndAsync());
            }
            return builder.ToString();
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _run.WaitAsync(T);
            await _wire.DisposeAsync();
            await _session.DisposeAsync();
            _stop.Dispose();
        }
    }
}
