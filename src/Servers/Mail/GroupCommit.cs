using System.Threading.Channels;

namespace Protocols.Servers.Mail;

/// <summary>
/// Group commit, as databases do it: appenders queue their work and wait; one writer takes every item waiting (up
/// to a batch limit), commits them in one transaction with one flush to disk, then completes them all. Under load
/// the batches grow by themselves, so the flush cost per message falls as the disk gets slower.
/// The appenders' continuations run on the writer's thread (a thread-pool thread), one after the other, once their
/// batch is committed: an SMTP session's goes on to send its 250 and wait for its next command, which takes microseconds.
/// Queueing each to the thread pool instead cost a work item and often a worker's wake-up (a futex and a context switch)
/// per message; on 2 cores that hand-off was about a tenth of a 100-byte message's CPU. Code after an append should not
/// block its thread (the house rule anyway: async only): while it runs, the next batch waits. Should it block anyway
/// (a synchronous wait, even for its own next append), a watchdog hands the queue to a new writer after
/// <see cref="StallMilliseconds"/> and the rest of that batch's callers to the thread pool; the blocked thread, once
/// free, only ends its caller's continuation.
/// </summary>
internal sealed class GroupCommit<TItem, TResult> : IAsyncDisposable
{
    private readonly Channel<Pending> _queue;
    private readonly Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> _commit;
    private readonly int _maxBatch;
    private readonly long _maxBatchBytes;
    private readonly Func<TItem, long> _size;
    private readonly Func<Task>? _afterBatch;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Timer _watchdog;
    private Completion? _completing; // the batch whose callers the writer is completing inline, if any
    private long _batches;
    private long _items;
    private int _largest;
    private readonly long[] _sizes = new long[BatchBuckets];

    /// <summary>Histogram buckets of batch sizes: 1, 2-3, 4-7, ... (powers of two), the last one open-ended.</summary>
    public const int BatchBuckets = 10;

    /// <summary>How long the writer may spend completing one batch's callers before a new writer takes the queue over.</summary>
    internal const int StallMilliseconds = 200;

    /// <param name="commit">Commits a batch durably and returns one result per item, in order; a throw fails the whole batch.</param>
    /// <param name="afterBatch">Runs on the writer after each batch's items are completed (their callers already going on),
    /// before the next batch is taken: work that follows the commits without being on their path. Must not throw.</param>
    public GroupCommit(Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> commit, Func<TItem, long> size,
        int maxBatch = 512, long maxBatchBytes = 64L * 1024 * 1024, int maxQueued = 4096, Func<Task>? afterBatch = null)
    {
        _commit = commit;
        _size = size;
        _afterBatch = afterBatch;
        _maxBatch = maxBatch;
        _maxBatchBytes = maxBatchBytes;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(maxQueued) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _watchdog = new Timer(static state => ((GroupCommit<TItem, TResult>)state!).TakeOverIfStalled(), this, Timeout.Infinite, Timeout.Infinite);
        _ = Task.Run(() => WriteLoopAsync(afterStall: false));
    }

    /// <summary>Commits so far: batches, items, the largest batch.</summary>
    public (long Batches, long Items, int Largest) Counts => (Interlocked.Read(ref _batches), Interlocked.Read(ref _items), Volatile.Read(ref _largest));

    /// <summary>How many batches had 1, 2-3, 4-7, 8-15, ... items (bucket i holds sizes 2^i to 2^(i+1)-1; the last, everything above).</summary>
    public IReadOnlyList<long> BatchSizes => [.. _sizes.Select((_, i) => Interlocked.Read(ref _sizes[i]))];

    public async Task<TResult> RunAsync(TItem item, CancellationToken cancellationToken)
    {
        var pending = new Pending(item, new TaskCompletionSource<TResult>());
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new MailStoreException("the mail store is closed");
        }
        // Once queued the item is committed or failed by the writer; the caller's token no longer takes it back.
        return await pending.Done.Task.ConfigureAwait(false);
    }

    // One writer at a time (a new one only after the watchdog took the queue from a stalled one); the one that sees the
    // queue closed, or fails, ends the close.
    private async Task WriteLoopAsync(bool afterStall)
    {
        try
        {
            if (afterStall && _afterBatch is not null) await _afterBatch().ConfigureAwait(false);
            if (await WriteBatchesAsync().ConfigureAwait(false)) _stopped.TrySetResult();
        }
        catch (Exception e)
        {
            _stopped.TrySetException(e);
        }
    }

    // True when the queue is closed and drained; false when the watchdog gave the queue to a new writer.
    private async Task<bool> WriteBatchesAsync()
    {
        var batch = new List<Pending>(_maxBatch);
        var items = new List<TItem>(_maxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            items.Clear();
            long bytes = 0;
            while (batch.Count < _maxBatch && bytes < _maxBatchBytes && reader.TryRead(out var next))
            {
                batch.Add(next);
                items.Add(next.Item);
                bytes += _size(next.Item);
            }
            IReadOnlyList<TResult>? results = null;
            Exception? failed = null;
            try
            {
                results = await _commit(items, _stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _batches);
                Interlocked.Add(ref _items, batch.Count);
                if (batch.Count > _largest) Volatile.Write(ref _largest, batch.Count);
                Interlocked.Increment(ref _sizes[Math.Min(BatchBuckets - 1, System.Numerics.BitOperations.Log2((uint)batch.Count))]);
            }
            catch (Exception e)
            {
                failed = e as MailStoreException ?? new MailStoreException("the mail store could not commit: " + e.Message, e);
            }
            // The continuations run here, inline, one after the other: on a thread-pool thread, never on a socket event
            // loop's (an engine's async I/O may have resumed the writer on one). The watchdog looks on.
            if (!Thread.CurrentThread.IsThreadPoolThread) await Task.Yield();
            var completion = new Completion(batch, results, failed);
            Volatile.Write(ref _completing, completion);
            _watchdog.Change(StallMilliseconds, Timeout.Infinite);
            completion.Run(inline: true);
            // Taken over meanwhile (a caller held this thread): the new writer has the queue, this one stops here.
            if (Interlocked.CompareExchange(ref _completing, null, completion) != completion) return false;
            if (_afterBatch is not null) await _afterBatch().ConfigureAwait(false);
        }
        return true;
    }

    // The watchdog: a batch whose callers have been completing for StallMilliseconds has one that blocks the writer's
    // thread. A new writer takes the queue (after the old one's after-batch work), the rest of the callers go to the pool.
    private void TakeOverIfStalled()
    {
        if (Volatile.Read(ref _completing) is not { } stalled) return;
        if (stalled.Age < StallMilliseconds)
        {
            _watchdog.Change(Math.Max(1, StallMilliseconds - (int)stalled.Age), Timeout.Infinite); // a newer batch: look again at its time
            return;
        }
        if (Interlocked.CompareExchange(ref _completing, null, stalled) != stalled) return; // done meanwhile
        stalled.Run(inline: false);
        _ = Task.Run(() => WriteLoopAsync(afterStall: true));
    }

    // One batch's callers, completed once each: by the writer inline, or after a stall by the pool (items claimed in turn).
    private sealed class Completion(List<Pending> batch, IReadOnlyList<TResult>? results, Exception? failed)
    {
        private readonly List<Pending> _batch = batch; // not cleared before the writer that made it is done with it
        private readonly long _started = Environment.TickCount64;
        private int _next = -1;

        public long Age => Environment.TickCount64 - _started;

        public void Run(bool inline)
        {
            for (var i = Interlocked.Increment(ref _next); i < _batch.Count; i = Interlocked.Increment(ref _next))
            {
                if (inline) Complete(i);
                else ThreadPool.UnsafeQueueUserWorkItem(static s => s.Owner.Complete(s.Index), (Owner: this, Index: i), preferLocal: false);
            }
        }

        private void Complete(int i)
        {
            if (failed is null) _batch[i].Done.TrySetResult(results![i]);
            else _batch[i].Done.TrySetException(failed);
        }
    }

    /// <summary>Commits what is queued, then stops taking more.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopped.Task.ConfigureAwait(false);
        await _watchdog.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private sealed record Pending(TItem Item, TaskCompletionSource<TResult> Done);
}

/// <summary>The batch-size histogram of a <see cref="GroupCommit{TItem, TResult}"/> as text.</summary>
internal static class BatchSizes
{
    /// <summary><c>1: 120, 2-3: 400, 4-7: 37, 512+: 2</c> (empty buckets left out).</summary>
    public static string Describe(IReadOnlyList<long> sizes)
    {
        var parts = new List<string>();
        for (var i = 0; i < sizes.Count; i++)
        {
            if (sizes[i] == 0) continue;
            long low = 1L << i, high = (2L << i) - 1;
            var label = i == sizes.Count - 1 ? $"{low}+" : low == high ? $"{low}" : $"{low}-{high}";
            parts.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{label}: {sizes[i]}"));
        }
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }
}
