using Protocols.Servers.Testing;

namespace Protocols.Servers.Smtp;

/// <summary>
/// Keeps messages in memory (the default store). With a capacity, keeps only the newest that many, so a long-running
/// dev server's memory stays bounded. Waiters are woken when a matching message arrives.
/// </summary>
public sealed class InMemoryMessageStore : IMessageStore
{
    private readonly WaitableJournal<ReceivedMessage> _messages;

    /// <param name="capacity">Messages kept (oldest dropped first); null keeps all.</param>
    public InMemoryMessageStore(int? capacity = null)
    {
        if (capacity is < 1) throw new ArgumentOutOfRangeException(nameof(capacity));
        Capacity = capacity;
        _messages = new WaitableJournal<ReceivedMessage>(capacity);
    }

    public int? Capacity { get; }

    /// <summary>Messages stored since start or the last <see cref="Clear"/>, including any dropped by capacity.</summary>
    public long TotalCount => _messages.Added;

    /// <summary>A snapshot, oldest first.</summary>
    public IReadOnlyList<ReceivedMessage> Messages => _messages.Snapshot();

    /// <summary>Raised after each save (on the session's thread; keep it short).</summary>
    public event Action<ReceivedMessage>? Saved;

    /// <summary>None: the store keeps every message's bytes in memory, so the session never spools them.</summary>
    public string? SpoolDirectory => null;

    public ValueTask SaveAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        _ = message.Raw; // a spooled message (from another store's session) is read while its file is there
        _messages.Add(message);
        Saved?.Invoke(message);
        return ValueTask.CompletedTask;
    }

    /// <summary>Forgets every stored message (waiters stay).</summary>
    public void Clear() => _messages.Clear();

    /// <summary>
    /// Returns the first stored message matching <paramref name="predicate"/> (already there or arriving later);
    /// throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// </summary>
    public Task<ReceivedMessage> WaitForMessageAsync(
        Func<ReceivedMessage, bool>? predicate, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _messages.WaitAsync(predicate ?? (static _ => true), timeout, () => $"no matching message arrived within {timeout}", cancellationToken);
}
