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

    [Test]
    public async Task A_caller_that_blocks_after_its_await_does_not_hold_up_the_other_callers()
    {
        // The first caller's continuation runs on the writer's thread and blocks (a synchronous wait, as code outside
        // the house may do); a second caller, and the rest of the first one's batch, must still be committed and go on.
        await using var commits = new GroupCommit<int, int>((items, _) => Task.FromResult<IReadOnlyList<int>>([.. items]), _ => 1);
        using var release = new ManualResetEventSlim();
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task BlockingCallerAsync()
        {
            await commits.RunAsync(1, CancellationToken.None);
            blocked.TrySetResult();
            release.Wait(Wait); // blocks whatever thread it was continued on
        }
        var first = Task.Run(BlockingCallerAsync);
        try
        {
            await blocked.Task.WaitAsync(Wait);
            Assert.That(await commits.RunAsync(2, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)), Is.EqualTo(2),
                "committed and answered while the first caller blocks");
        }
        finally
        {
            release.Set();
        }
        await first.WaitAsync(Wait);
    }

    [Test]
    public async Task A_caller_that_waits_synchronously_for_its_next_append_does_not_deadlock_the_writer()
    {
        // Sync over async in the continuation: the second append needs the writer, whose thread the caller holds.
        await using var commits = new GroupCommit<int, int>((items, _) => Task.FromResult<IReadOnlyList<int>>([.. items]), _ => 1);
        async Task<bool> CallerAsync()
        {
            await commits.RunAsync(1, CancellationToken.None);
            return commits.RunAsync(2, CancellationToken.None).Wait(TimeSpan.FromSeconds(5));
        }
        Assert.That(await Task.Run(CallerAsync).WaitAsync(Wait), Is.True, "the second append was committed while the first caller waited for it");
        Assert.That(await commits.RunAsync(3, CancellationToken.None).WaitAsync(Wait), Is.EqualTo(3), "and the writer goes on");
    }

    [Test]
    public async Task Callers_in_the_same_batch_after_a_blocked_one_go_on_too()
    {
        var gate = new TaskCompletionSource();
        await using var commits = new GroupCommit<int, int>(async (items, _) =>
        {
            if (items[0] == 0) await gate.Task.WaitAsync(Wait);
            return [.. items];
        }, _ => 1);
        using var release = new ManualResetEventSlim();
        var zero = commits.RunAsync(0, CancellationToken.None); // holds the writer in its commit while the batch gathers
        var blocking = Task.Run(async () =>
        {
            await commits.RunAsync(1, CancellationToken.None);
            release.Wait(Wait);
        });
        await Task.Delay(100);
        var others = Enumerable.Range(2, 5).Select(i => commits.RunAsync(i, CancellationToken.None)).ToArray();
        gate.SetResult();
        try
        {
            Assert.That(await Task.WhenAll(others).WaitAsync(TimeSpan.FromSeconds(5)), Is.EqualTo(new[] { 2, 3, 4, 5, 6 }));
        }
        finally
        {
            release.Set();
        }
        await Task.WhenAll(zero, blocking).WaitAsync(Wait);
    }

    [Test]
    public async Task A_caller_that_throws_after_its_await_leaves_the_writer_running()
    {
        await using var commits = new GroupCommit<int, int>((items, _) => Task.FromResult<IReadOnlyList<int>>([.. items]), _ => 1);
        async Task ThrowingAsync()
        {
            await commits.RunAsync(1, CancellationToken.None);
            throw new InvalidOperationException("caller's own bug");
        }
        Assert.That(async () => await ThrowingAsync().WaitAsync(Wait), Throws.InvalidOperationException.With.Message.EqualTo("caller's own bug"));
        Assert.That(await commits.RunAsync(2, CancellationToken.None).WaitAsync(Wait), Is.EqualTo(2));
    }

    [Test]
    public async Task A_failed_commit_fails_every_caller_of_its_batch_with_the_reason()
    {
        var gate = new TaskCompletionSource();
        await using var commits = new GroupCommit<int, int>(async (items, _) =>
        {
            if (items[0] == 0) await gate.Task.WaitAsync(Wait);
            else throw new IOException("disk full");
            return [.. items];
        }, _ => 1);
        var zero = commits.RunAsync(0, CancellationToken.None);
        await Task.Delay(50);
        var batch = Enumerable.Range(1, 6).Select(i => commits.RunAsync(i, CancellationToken.None)).ToArray();
        gate.SetResult();
        Assert.That(await zero.WaitAsync(Wait), Is.Zero);
        foreach (var caller in batch)
        {
            var failure = await Assert.ThrowsAsync<MailStoreException>(async () => await caller.WaitAsync(Wait));
            Assert.That(failure!.Message, Is.EqualTo("the mail store could not commit: disk full"));
        }
    }

    [Test]
    public async Task Closing_with_callers_queued_commits_them_all_then_refuses_more()
    {
        var gate = new TaskCompletionSource();
        var committed = 0;
        var commits = new GroupCommit<int, int>(async (items, _) =>
        {
            if (items[0] == 0) await gate.Task.WaitAsync(Wait);
            Interlocked.Add(ref committed, items.Count);
            return [.. items];
        }, _ => 1);
        var queued = Enumerable.Range(0, 20).Select(i => commits.RunAsync(i, CancellationToken.None)).ToArray();
        var closing = commits.DisposeAsync().AsTask();
        await Task.Delay(50);
        Assert.That(closing.IsCompleted, Is.False, "the close waits for what is queued");
        gate.SetResult();
        await closing.WaitAsync(Wait);
        Assert.That(await Task.WhenAll(queued).WaitAsync(Wait), Is.EqualTo(Enumerable.Range(0, 20)));
        Assert.That(committed, Is.EqualTo(20));
        var refused = await Assert.ThrowsAsync<MailStoreException>(async () => await commits.RunAsync(99, CancellationToken.None).WaitAsync(Wait));
        Assert.That(refused!.Message, Is.EqualTo("the mail store is closed"));
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
