using Protocols.Servers.Mail;

namespace Protocols.Tests.Mail;

/// <summary>
/// The group commit under the stores: one writer commits every item waiting, then completes the callers on its own
/// thread (a thread-pool thread), inline, one after the other. These check what that must keep: no caller goes on
/// before its batch is committed, a caller's code may append again or close the writer, and a failed batch fails only its
/// own items.
/// </summary>
public sealed class GroupCommitTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Test]
    public async Task Items_queued_during_a_commit_go_in_the_next_batch_and_each_caller_gets_its_own_result()
    {
        var first = new TaskCompletionSource();
        var batches = new List<int[]>();
        await using var commits = new GroupCommit<int, int>(async (items, _) =>
        {
            lock (batches) batches.Add([.. items]);
            if (items[0] == 0) await first.Task.WaitAsync(Wait);
            return [.. items.Select(i => i * 10)];
        }, _ => 1);
        var zero = commits.RunAsync(0, CancellationToken.None);
        await WaitUntilAsync(() => { lock (batches) return batches.Count == 1; });
        var rest = Enumerable.Range(1, 5).Select(i => commits.RunAsync(i, CancellationToken.None)).ToArray();
        first.SetResult();
        Assert.That(await zero.WaitAsync(Wait), Is.EqualTo(0));
        Assert.That(await Task.WhenAll(rest).WaitAsync(Wait), Is.EqualTo(new[] { 10, 20, 30, 40, 50 }));
        lock (batches) Assert.That(batches.Select(b => b.Length), Is.EqualTo(new[] { 1, 5 }));
    }

    [Test]
    public async Task A_caller_goes_on_only_after_its_batch_is_committed_and_on_a_thread_pool_thread()
    {
        var committed = new HashSet<int>();
        await using var commits = new GroupCommit<int, int>((items, _) =>
        {
            lock (committed) committed.UnionWith(items);
            return Task.FromResult<IReadOnlyList<int>>([.. items]);
        }, _ => 1);
        var seen = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            await Task.Yield();
            var result = await commits.RunAsync(i, CancellationToken.None);
            lock (committed) return (result, committed.Contains(i), Thread.CurrentThread.IsThreadPoolThread);
        })).WaitAsync(Wait);
        Assert.That(seen.Select(s => s.result), Is.EqualTo(Enumerable.Range(0, 50)));
        Assert.That(seen.All(s => s.Item2), "a caller went on before its item was committed");
        Assert.That(seen.All(s => s.IsThreadPoolThread), "a caller went on off the thread pool");
    }

    [Test]
    public async Task A_caller_may_append_again_and_close_the_writer_from_its_continuation()
    {
        var count = 0;
        var commits = new GroupCommit<int, int>((items, _) =>
        {
            Interlocked.Add(ref count, items.Count);
            return Task.FromResult<IReadOnlyList<int>>([.. items]);
        }, _ => 1);
        async Task ChainAsync()
        {
            for (var i = 0; i < 200; i++) await commits.RunAsync(i, CancellationToken.None);
            await commits.DisposeAsync(); // on the writer's thread, inside its completion of the last item
        }
        await ChainAsync().WaitAsync(Wait);
        Assert.That(count, Is.EqualTo(200));
        await Assert.ThrowsAsync<MailStoreException>(async () => await commits.RunAsync(1, CancellationToken.None));
    }

    [Test]
    public async Task A_failed_commit_fails_its_own_batch_only()
    {
        await using var commits = new GroupCommit<int, int>((items, _) =>
            items.Contains(13) ? throw new InvalidOperationException("disk on fire") : Task.FromResult<IReadOnlyList<int>>([.. items]), _ => 1);
        var failure = await Assert.ThrowsAsync<MailStoreException>(async () => await commits.RunAsync(13, CancellationToken.None).WaitAsync(Wait));
        Assert.That(failure!.Message, Does.Contain("disk on fire"));
        Assert.That(await commits.RunAsync(14, CancellationToken.None).WaitAsync(Wait), Is.EqualTo(14));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > until) Assert.Fail("timed out");
            await Task.Delay(5);
        }
    }
}
