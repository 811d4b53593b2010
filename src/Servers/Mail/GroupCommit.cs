using System.Threading.Channels;

namespace Protocols.Servers.Mail;

/// <summary>
/// Group commit, as databases do it: appenders queue their work and wait; one writer takes every item waiting (up
/// to a batch limit), commits them in one transaction with one flush to disk, then completes them all. Under load
/// the batches grow by themselves, so the flush cost per message falls as the disk gets slower.
/// The appenders' continuations run on the writer's thread (a thread-pool thread), one after the other, once their
/// batch is committed: an SMTP session's goes on to send its 250 and wait for its next command, which takes microseconds.
/// Queueing each to the thread pool instead cost a work item and often a worker's wake-up (a futex and a context switch)
/// per message; on 2 cores that hand-off was about a tenth of a 100-byte message's CPU. So code after an append must not
/// block its thread (the house rule anyway: async only); while it runs, the next batch waits.
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
    private readonly Task _writer;
    private long _batches;
    private long _items;
    private int _largest;
    private readonly long[] _sizes = new long[BatchBuckets];

    /// <summary>Histogram buckets of batch sizes: 1, 2-3, 4-7, ... (powers of two), the last one open-ended.</summary>
    public const int BatchBuckets = 10;

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
        _writer = Task.Run(WriteLoopAsync);
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

    private async Task WriteLoopAsync()
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
            // loop's (an engine's async I/O may have resumed the writer on one).
            if (!Thread.CurrentThread.IsThreadPoolThread) await Task.Yield();
            for (var i = 0; i < batch.Count; i++)
            {
                if (failed is null) batch[i].Done.TrySetResult(results![i]);
                else batch[i].Done.TrySetException(failed);
            }
            if (_afterBatch is not null) await _afterBatch().ConfigureAwait(false);
        }
    }

    /// <summary>Commits what is queued, then stops taking more.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
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
