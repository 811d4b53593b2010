using Protocols.Servers.Smtp;

namespace Protocols.Servers.Mail;

/// <summary>
/// The SMTP server's <see cref="IMessageStore"/> over a mail store: each accepted message is appended with its
/// envelope and session facts, and the server's 250 waits until it is durable. A store failure makes the server
/// answer 451 (452 4.3.1 when the disk is full; the client retries); nothing is acknowledged that is not stored.
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
        try
        {
            await _store.AppendAsync(ToAppend(message), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsDiskFull(e))
        {
            throw new StorageFullException("the mail store has no room: " + e.Message, e);
        }
    }

    /// <summary>Whether the database engine says its disk is full (a full disk under the store's own files is an
    /// <see cref="IOException"/> the session knows already): SQLite's SQLITE_FULL (13), PostgreSQL's disk_full (53100).</summary>
    public static bool IsDiskFull(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 13 }) return true;
            if (e is Npgsql.PostgresException { SqlState: "53100" }) return true;
        }
        return false;
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
