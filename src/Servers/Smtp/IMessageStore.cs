namespace Protocols.Servers.Smtp;

/// <summary>
/// Where accepted messages go. <see cref="SaveAsync"/> completes before the server replies 250: when it returns, the
/// message must be durable as far as the store promises. A store that throws makes the server reply 451.
/// </summary>
public interface IMessageStore
{
    ValueTask SaveAsync(ReceivedMessage message, CancellationToken cancellationToken);
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
    public async ValueTask SaveAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        foreach (var store in stores) await store.SaveAsync(message, cancellationToken).ConfigureAwait(false);
    }
}
