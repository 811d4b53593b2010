namespace Protocols.Servers.Testing;

/// <summary>
/// Items in arrival order (only the newest <c>capacity</c> when bounded) and waiters for the first one that matches,
/// already there or arriving later: the one way the test servers' captures are kept and waited on
/// (<see cref="Smtp.InMemoryMessageStore"/>, <see cref="HttpRequestJournal"/>).
/// </summary>
internal sealed class WaitableJournal<T>
    where T : class
{
    private readonly Lock _gate = new();
    private readonly LinkedList<T> _items = new();
    private readonly List<(Func<T, bool> Match, TaskCompletionSource<T> Done)> _waiters = [];
    private readonly int? _capacity;
    private long _added;

    /// <param name="capacity">Items kept (oldest dropped first); null keeps all.</param>
    public WaitableJournal(int? capacity) => _capacity = capacity;

    /// <summary>Items added since start or the last <see cref="Clear"/>, those dropped by capacity included.</summary>
    public long Added
    {
        get { lock (_gate) return _added; }
    }

    /// <summary>A snapshot, oldest first.</summary>
    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate) return [.. _items];
    }

    /// <summary>Keeps <paramref name="item"/> and wakes the waiters it matches (outside the lock).</summary>
    public void Add(T item)
    {
        List<TaskCompletionSource<T>>? wake = null;
        lock (_gate)
        {
            _items.AddLast(item);
            _added++;
            while (_items.Count > _capacity) _items.RemoveFirst();
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!SafeMatch(_waiters[i].Match, item)) continue;
                (wake ??= []).Add(_waiters[i].Done);
                _waiters.RemoveAt(i);
            }
        }
        if (wake is not null) foreach (var done in wake) done.TrySetResult(item);
    }

    /// <summary>Forgets every item (waiters stay).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _items.Clear();
            _added = 0;
        }
    }

    /// <summary>
    /// The first item matching <paramref name="predicate"/>, already there or arriving later; after
    /// <paramref name="timeout"/> a <see cref="TimeoutException"/> with <paramref name="timeoutMessage"/>'s text.
    /// </summary>
    public async Task<T> WaitAsync(Func<T, bool> predicate, TimeSpan timeout, Func<string> timeoutMessage, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var entry = (predicate, done);
        lock (_gate)
        {
            foreach (var item in _items)
            {
                if (predicate(item)) return item;
            }
            _waiters.Add(entry);
        }
        try
        {
            return await done.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(timeoutMessage());
        }
        finally
        {
            lock (_gate) _waiters.Remove(entry);
        }
    }

    // A predicate that throws on one item does not match it (and does not break the server that adds it).
    private static bool SafeMatch(Func<T, bool> predicate, T item)
    {
        try
        {
            return predicate(item);
        }
        catch (Exception ex) when (ex is NullReferenceException or InvalidOperationException or ArgumentException or FormatException or KeyNotFoundException)
        {
            return false;
        }
    }
}
