namespace Protocols.Servers.Lines;

public abstract partial class LineSession<TSession, TState>
{
    private readonly Lock _besideGate = new();
    private Queue<ReadOnlyMemory<byte>>? _posted;
    private TaskCompletionSource? _wake;
    private Task? _beside;
    private bool _besideRunning;

    /// <summary>
    /// Starts work that runs beside the command loop and ends with a reply of its own (an FTP transfer: 150 now, then
    /// 226, 426 or 425 when the data connection is done, while ABOR, STAT and NOOP are answered meanwhile). The work
    /// runs on the thread pool and never writes to the connection: its result (the reply with its CRLF, or empty) is
    /// posted, and the loop writes it: at once when the loop is waiting for a command (the wait is woken), otherwise
    /// at the session's next <see cref="WritePosted"/> (a protocol calls it before each reply it writes, so nothing it
    /// writes after awaiting the work overtakes the work's reply). While the work runs, the wait for a command has no
    /// idle limit and no deadline (the work keeps its own) and the session is never idle for the limiter; both start
    /// again from when it ends. One piece of work at a time.
    /// </summary>
    /// <returns>A task that completes once the work's reply is posted (faulted when the work threw).</returns>
    protected Task StartBeside(Func<Task<ReadOnlyMemory<byte>>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        lock (_besideGate)
        {
            if (_besideRunning) throw new InvalidOperationException("work is already running beside the command loop");
            _besideRunning = true;
        }
        return _beside = RunBesideAsync(work);
    }

    private async Task RunBesideAsync(Func<Task<ReadOnlyMemory<byte>>> work)
    {
        var reply = ReadOnlyMemory<byte>.Empty;
        try
        {
            await Task.Yield(); // the handler that started it returns at once
            reply = await work().ConfigureAwait(false);
        }
        finally
        {
            TaskCompletionSource? wake;
            lock (_besideGate)
            {
                if (!reply.IsEmpty) (_posted ??= new Queue<ReadOnlyMemory<byte>>()).Enqueue(reply);
                _besideRunning = false;
                wake = _wake;
                _wake = null;
            }
            wake?.TrySetResult();
        }
    }

    /// <summary>Buffers the replies posted by work beside the loop (<see cref="StartBeside"/>), in order; true when there were any.</summary>
    protected bool WritePosted()
    {
        if (Volatile.Read(ref _posted) is null) return false;
        lock (_besideGate)
        {
            if (_posted!.Count == 0) return false;
            while (_posted.TryDequeue(out var reply)) Connection.Writer.Write(reply.Span);
            return true;
        }
    }

    // The wait for a command while work runs beside the loop: woken to write the work's reply, no limits until the
    // work ends, the usual ones from then on (from that moment). Returns the command deadline in force.
    private async ValueTask<long> FillBesideAsync(long deadline, CancellationToken cancellationToken)
    {
        var reader = Connection.Reader;
        reader.ReadTimeout = Timeout.InfiniteTimeSpan;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var fill = reader.FillAsync(stop.Token).AsTask();
        while (true)
        {
            Task? wake = null;
            bool running;
            lock (_besideGate)
            {
                running = _besideRunning;
                if (running && _posted is not { Count: > 0 })
                    wake = (_wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
            if (WritePosted()) await Connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
            if (wake is not null)
            {
                await Task.WhenAny(fill, wake).ConfigureAwait(false);
                if (fill.IsCompleted)
                {
                    await fill.ConfigureAwait(false);
                    return deadline;
                }
                continue;
            }
            if (running) continue; // a reply was written while the work goes on: look again

            _beside = null;
            deadline = Deadline();
            Lease?.MarkIdle();
            var limit = Limits.IdleTimeout;
            if (limit == Timeout.InfiniteTimeSpan || (Limits.CommandDeadline != Timeout.InfiniteTimeSpan && Limits.CommandDeadline < limit)) limit = Limits.CommandDeadline;
            try
            {
                await fill.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
                return deadline;
            }
            catch (TimeoutException)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await fill.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The abandoned read; the session ends with its timeout reply.
                }
                throw new TimeoutException($"no command within {limit.TotalSeconds:0.###} s");
            }
        }
    }
}
