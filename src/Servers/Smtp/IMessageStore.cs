namespace Protocols.Servers.Smtp;

/// <summary>
/// Where accepted messages go. <see cref="SaveAsync"/> completes before the server replies 250: when it returns, the
/// message must be durable as far as the store promises. A store that throws makes the server reply 451 4.3.0, or 452 4.3.1 when what it throws is
/// a full disk (<see cref="StorageFullException.IsFull"/>). A message
/// past <see cref="SmtpServerLimits.SpoolThreshold"/> arrives spooled to a file (<see cref="ReceivedMessage.Content"/>)
/// that the session deletes after <see cref="SaveAsync"/> returns unless the store moved it
/// (<see cref="MessageContent.TryMoveTo"/>): read it, or take it, before returning.
/// </summary>
public interface IMessageStore
{
    ValueTask SaveAsync(ReceivedMessage message, CancellationToken cancellationToken);

    /// <summary>Where the session spools a large message while it arrives: a directory on the file system the store
    /// keeps its files in (so it can move the spool file into place), or null when the store keeps messages in memory
    /// anyway (the session then does too). Default: the system's temporary directory.</summary>
    string? SpoolDirectory => Path.GetTempPath();
}

/// <summary>A store made of a lambda, for tests.</summary>
public sealed class DelegateMessageStore(Func<ReceivedMessage, CancellationToken, ValueTask> save) : IMessageStore
{
    public ValueTask SaveAsync(ReceivedMessage message, CancellationToken cancellationToken) =>
        save(message, cancellationToken);
}

/// <summary>Stores that fan out to several (e.g. a directory and the in-memory list of a test server).</summary>
public sealed class CompositeMessageStore(params IMessageStore[] stores) : IMessageStore
{
    /// <summary>Null when any store keeps messages in memory (it reads the bytes while they are there), else the first's.</summary>
    public string? SpoolDirectory => stores.Any(s => s.SpoolDirectory is null) ? null : stores.FirstOrDefault()?.SpoolDirectory ?? Path.GetTempPath();

    public async ValueTask SaveAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        foreach (var store in stores) await store.SaveAsync(message, cancellationToken).ConfigureAwait(false);
    }
}
