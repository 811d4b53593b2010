using Protocols.Servers.Smtp;

namespace Protocols.Servers.Mail;

/// <summary>
/// The SMTP server's <see cref="IMessageStore"/> over a mail store: each accepted message is appended with its
/// envelope and session facts, and the server's 250 waits until it is durable. A store failure makes the server
/// answer 451 (the client retries); nothing is acknowledged that is not stored.
/// </summary>
public sealed class MailStoreSmtpStore(IMailStore store) : IMessageStore
{
    private readonly IMailStore _store = store ?? throw new ArgumentNullException(nameof(store));

    /// <summary>The store's own files directory (SQLite's <c>messages/</c>), so a spooled message is moved into place rather
    /// than written twice; else the system's temporary directory. Asked for every message, so worked out once.</summary>
    public string? SpoolDirectory { get; } = (store as Sql.SqlMailStore)?.SpoolDirectory ?? Path.GetTempPath();

    public async ValueTask SaveAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _store.AppendAsync(ToAppend(message), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What the store keeps of a received message.</summary>
    public static MailToAppend ToAppend(ReceivedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new MailToAppend(message.Content, message.From, [.. message.To])
        {
            Id = message.Id,
            ReceivedAt = message.ReceivedAt,
            Session = new MailSessionFacts(message.ClientEndPoint?.ToString(), message.HeloName, message.IsTls, message.AuthenticatedUser,
                message.Transcript),
        };
    }
}
