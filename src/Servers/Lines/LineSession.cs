using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Protocols.Net;

namespace Protocols.Servers.Lines;

/// <summary>
/// The kernel every line-protocol session runs on: plain code over a <see cref="Net.Connection"/> (a Kestrel
/// connection, a socket, an in-memory pair in a test). It reads one command at a time through the session's
/// <see cref="ICommandFraming"/> within the command deadline, drains and answers over-long ones, looks the verb up in
/// the <see cref="VerbTable{TSession, TState}"/>, lets the fault interceptor act, enforces states, argument rules and
/// budgets, runs the handler and applies its next state. Handlers never read the socket for the next command; they
/// use <see cref="TransferAsync"/>, <see cref="SkipAsync"/>, <see cref="ReadLineAsync"/> and <c>UpgradeToTlsAsync</c>.
/// A protocol supplies the greeting, the reply format and the mapping of the kernel's refusals (<see cref="Refuse"/>).
/// </summary>
public abstract partial class LineSession<TSession, TState> : ILineSession
    where TSession : LineSession<TSession, TState>
    where TState : struct, Enum
{
    private static long s_sessions;

    private readonly VerbTable<TSession, TState> _verbs;
    private readonly int[] _uses;
    private int _state;
    private int _badCommands;
    private int _noops;
    private int _authFailures;
    private long _commands;

    protected LineSession(Connection connection, VerbTable<TSession, TState> verbs, ICommandFraming framing, SessionLimits limits,
        LineServices services, TState initialState)
    {
        Connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _verbs = verbs ?? throw new ArgumentNullException(nameof(verbs));
        Framing = framing ?? throw new ArgumentNullException(nameof(framing));
        Limits = limits ?? throw new ArgumentNullException(nameof(limits));
        Services = services ?? throw new ArgumentNullException(nameof(services));
        _uses = new int[verbs.Count + 1];
        _state = VerbTable<TSession, TState>.Mask(initialState);
        TraceEnabled = services.Logger.IsEnabled(LogLevel.Trace);
        SessionId = Interlocked.Increment(ref s_sessions).ToString("x", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Short id of the session in logs.</summary>
    public string SessionId { get; }

    public EndPoint? RemoteEndPoint => Connection.RemoteEndPoint;

    public EndPoint? LocalEndPoint => Connection.LocalEndPoint;

    /// <summary>The slot this session holds in its server's <see cref="ConnectionLimiter"/>, when it has one.</summary>
    public ConnectionLease? Lease { get; set; }

    protected Connection Connection { get; }

    protected ICommandFraming Framing { get; }

    protected SessionLimits Limits { get; }

    protected LineServices Services { get; }

    protected ILogger Logger => Services.Logger;

    protected bool TraceEnabled { get; }

    /// <summary>The transcript this session records (commands here, replies by the protocol's reply writer), or null.</summary>
    protected SessionTranscript? Transcript { get; init; }

    /// <summary>Set to end the session after the replies written so far.</summary>
    protected bool Closing { get; set; }

    /// <summary>The session's state; verbs are allowed by it.</summary>
    protected TState State
    {
        get => System.Runtime.CompilerServices.Unsafe.As<int, TState>(ref _state);
        set => _state = VerbTable<TSession, TState>.Mask(value);
    }

    /// <summary>Sends the greeting (or a refusal); false to end the session at once.</summary>
    protected abstract ValueTask<bool> GreetAsync(CancellationToken cancellationToken);

    /// <summary>Writes the protocol's reply for a kernel refusal (through its reject table), and sets <see cref="Closing"/> when it closes.</summary>
    protected abstract void Refuse(LineReject reason);

    /// <summary>Writes a scripted reply.</summary>
    protected abstract void WriteFault(in VerbFault fault);

    /// <summary>Where the verb and the argument are in a command: by default the verb, one space, the argument.</summary>
    protected virtual bool SplitCommand(ReadOnlySpan<byte> line, out Range verb, out Range argument)
    {
        var space = line.IndexOf((byte)' ');
        verb = space < 0 ? Range.All : ..space;
        argument = space < 0 ? new Range(line.Length, line.Length) : (space + 1)..;
        return true;
    }

    /// <summary>Called when the session has ended, after the connection was closed.</summary>
    protected virtual ValueTask OnEndedAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// Runs the session to its end: the client leaving or quitting, a closing reply, a deadline, eviction, or
    /// <paramref name="cancellationToken"/> (server shutdown: the protocol's closing reply). Never throws for anything
    /// the client does.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        using var evictable = Lease is not null ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
        if (evictable is not null) Lease!.Attach(evictable);
        var token = evictable?.Token ?? cancellationToken;
        using var counted = Services.Metrics.ConnectionOpened(Services.Protocol);
        var reader = Connection.Reader;
        reader.ReadTimeout = Limits.IdleTimeout;
        LineLog.SessionStarted(Logger, Services.Protocol, SessionId, RemoteEndPoint);
        try
        {
            if (await StageFaultAsync(FaultStages.Connect, null, token).ConfigureAwait(false) && await GreetAsync(token).ConfigureAwait(false))
                await LoopAsync(token).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            LineLog.Timeout(Logger, Services.Protocol, SessionId, RemoteEndPoint, e.Message);
            Refuse(LineReject.Timeout);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            if (Lease is { IsEvicted: true })
            {
                LineLog.Evicted(Logger, Services.Protocol, SessionId, RemoteEndPoint);
                Refuse(LineReject.Timeout);
            }
            else
            {
                Refuse(LineReject.ShuttingDown);
            }
        }
        catch (ConnectionClosedException e)
        {
            LineLog.Dropped(Logger, Services.Protocol, SessionId, RemoteEndPoint, e.Message);
            Closing = true;
            Connection.Abort();
            await OnEndedAsync().ConfigureAwait(false);
            return;
        }
        catch (IncompleteReadException e)
        {
            LineLog.Dropped(Logger, Services.Protocol, SessionId, RemoteEndPoint, e.Message); // the client left mid-command
            Closing = true;
        }
        catch (ProtocolException e)
        {
            LineLog.ProtocolError(Logger, Services.Protocol, SessionId, e.Message);
            Refuse(LineReject.ProtocolError);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            LineLog.Dropped(Logger, Services.Protocol, SessionId, RemoteEndPoint, e.Message);
            Connection.Abort();
            await OnEndedAsync().ConfigureAwait(false);
            return;
        }
        LineLog.SessionEnded(Logger, Services.Protocol, SessionId, _commands);
        await FinishAsync().ConfigureAwait(false);
        await OnEndedAsync().ConfigureAwait(false);
    }

    private async Task FinishAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            WritePosted();
            await Connection.Writer.DrainAsync(cts.Token).ConfigureAwait(false);
            await Connection.CloseAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException or ObjectDisposedException or InvalidOperationException)
        {
            Connection.Abort();
        }
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!Closing)
        {
            var status = TakeFrame(out var frame);
            if (status is FrameStatus.Incomplete or FrameStatus.Continue)
            {
                (status, frame) = await ReadFrameAsync(status, cancellationToken).ConfigureAwait(false);
            }
            switch (status)
            {
                case FrameStatus.Complete:
                    _commands++;
                    await DispatchAsync(frame, cancellationToken).ConfigureAwait(false);
                    Framing.Reset();
                    break;
                case FrameStatus.TooLong:
                    Framing.Reset();
                    await DrainLineAsync(cancellationToken).ConfigureAwait(false);
                    Bad(LineReject.LineTooLong);
                    break;
                default:
                    return; // the client closed between commands
            }
        }
    }

    private FrameStatus TakeFrame(out ReadOnlySequence<byte> frame)
    {
        var reader = Connection.Reader;
        var status = Framing.TryReadFrame(reader.Buffered, out frame, out var consumed);
        if (status == FrameStatus.Complete) reader.Consume(consumed);
        return status;
    }

    // Waits for the rest of a command, all of it within the command deadline (not per read).
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(FrameStatus, ReadOnlySequence<byte>)> ReadFrameAsync(FrameStatus status, CancellationToken cancellationToken)
    {
        var reader = Connection.Reader;
        // Answer what came before waiting for more; with part of a pipelined command already here its rest is on the
        // way, so the replies wait and go out together (fewer flushes, as before the kernel).
        if (reader.BufferedLength == 0)
        {
            WritePosted();
            await Connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        if (_beside is null) Lease?.MarkIdle(); // a session with work beside the loop (a transfer) is never idle
        var deadline = Deadline();
        try
        {
            while (true)
            {
                if (status == FrameStatus.Continue)
                {
                    await Connection.Writer.WriteAsync(Framing.ContinuationRequest, cancellationToken).ConfigureAwait(false);
                }
                if (reader.IsCompleted)
                {
                    if (reader.BufferedLength == 0) return (FrameStatus.Incomplete, default);
                    throw new IncompleteReadException(reader.Buffered.ToArray(), null);
                }
                if (_beside is null) await FillWithinAsync(deadline, cancellationToken).ConfigureAwait(false);
                else deadline = await FillBesideAsync(deadline, cancellationToken).ConfigureAwait(false);
                status = TakeFrame(out var frame);
                if (status is FrameStatus.Complete or FrameStatus.TooLong) return (status, frame);
            }
        }
        finally
        {
            Lease?.MarkBusy();
        }
    }

    private async ValueTask DrainLineAsync(CancellationToken cancellationToken)
    {
        var reader = Connection.Reader;
        var deadline = Deadline();
        while (true)
        {
            var buffered = reader.Buffered;
            if (buffered.PositionOf((byte)'\n') is { } lf)
            {
                reader.Consume(buffered.GetPosition(1, lf));
                return;
            }
            reader.Consume(buffered.End);
            if (reader.IsCompleted) return;
            await FillWithinAsync(deadline, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The timestamp by which the current command must have arrived.</summary>
    private long Deadline() => Limits.CommandDeadline == Timeout.InfiniteTimeSpan
        ? long.MaxValue
        : Stopwatch.GetTimestamp() + (long)(Limits.CommandDeadline.TotalSeconds * Stopwatch.Frequency);

    // One wait for bytes, bounded by the idle limit and by what is left of the deadline (a TimeoutException either way).
    // Not async itself: the caller awaits the reader's fill directly (one state machine less per wait).
    private ValueTask FillWithinAsync(long deadline, CancellationToken cancellationToken)
    {
        var reader = Connection.Reader;
        var idle = Limits.IdleTimeout;
        if (deadline != long.MaxValue)
        {
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero) throw new TimeoutException($"the command did not arrive within {Limits.CommandDeadline.TotalSeconds:0.###} s");
            if (idle == Timeout.InfiniteTimeSpan || left < idle) idle = left;
        }
        reader.ReadTimeout = idle;
        return reader.FillAsync(cancellationToken);
    }
}
