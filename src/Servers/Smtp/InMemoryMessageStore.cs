namespace Protocols.Servers.Smtp;

/// <summary>
/// Keeps messages in memory (the default store). With a capacity, keeps only the newest that many, so a long-running
/// dev server's memory stays bounded. Waiters are woken when a matching message arrives.
/// </summary>
public sealed class InMemoryMessageStore : IMessageStore
{
    private readonly object _gate = new();
    private readonly LinkedList<ReceivedMessage> _messages = new();
    private readonly List<(Func<ReceivedMessage, bool> Match, TaskCompletionSource<ReceivedMessage> Done)> _waiters = [];
    private long _total;

    /// <param name="capacity">Messages kept (oldest dropped first); null keeps all.</param>
    public InMemoryMessageStore(int? capacity = null)
    {
        if (capacity is < 1) throw new ArgumentOutOfRangeException(nameof(capacity));
        Capacity = capacity;
    }

    public int? Capacity { get; }

    /// <summary>Messages stored since start or the last <see cref="Clear"/>, including any dropped by capacity.</summary>
    public long TotalCount { get { lock (_gate) return _total; } }

    /// <summary>A snapshot, oldest first.</summary>
    public IReadOnlyList<ReceivedMessage> Messages { get { lock (_gate) return [.. _messages]; } }

    /// <summary>Raised after each save (on the session's thread; keep it short).</summary>
    public event Action<ReceivedMessage>? Saved;

    /// <summary>None: the store keeps every message's bytes in memory, so the session never spools them.</summary>
    public string? SpoolDirectory => null;

    public ValueTask SaveAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        _ = message.Raw; // a spooled message (from another store's session) is read while its file is there
        List<TaskCompletionSource<ReceivedMessage>>? wake = null;
        lock (_gate)
        {
            _messages.AddLast(message);
            _total++;
            if (Capacity is { } cap && _messages.Count > cap) _messages.RemoveFirst();
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Match(message)) continue;
                (wake ??= []).Add(_waiters[i].Done);
                _waiters.RemoveAt(i);
            }
        }
        if (wake is not null) foreach (var w in wake) w.TrySetResult(message);
        Saved?.Invoke(message);
        return ValueTask.CompletedTask;
    }

    /// <summary>Forgets every stored message (waiters stay).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _messages.Clear();
            _total = 0;
        }
    }

    /// <summary>
    /// Returns the first stored message matching <paramref name="predicate"/> (already there or arriving later);
    /// throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// </summary>
    public async Task<ReceivedMessage> WaitForMessageAsync(
        Func<ReceivedMessage, bool>? predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        predicate ??= static _ => true;
        var tcs = new TaskCompletionSource<ReceivedMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        (Func<ReceivedMessage, bool>, TaskCompletionSource<ReceivedMessage>) entry = (predicate, tcs);
        lock (_gate)
        {
            foreach (var m in _messages)
            {
                if (predicate(m)) return m;
            }
            _waiters.Add(entry);
        }
        try
        {
            return await tcs.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no matching message arrived within {timeout}");
        }
        finally
        {
            lock (_gate) _waiters.Remove(entry);
        }
    }
}
