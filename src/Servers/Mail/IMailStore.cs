namespace Protocols.Servers.Mail;

/// <summary>
/// The mail store: SMTP appends, and every reader (the page and its API, POP3, IMAP, the test servers) reads. Messages
/// are never all held in memory: summaries come by page, raw bytes as a stream. Implementations: SQLite (embedded
/// default) and PostgreSQL (shared by several instances); both pass the same contract tests. Thread-safe.
/// </summary>
public interface IMailStore : IAsyncDisposable
{
    /// <summary>
    /// Stores a message with its envelope and session facts. When the task completes the message and its metadata are
    /// durable (SMTP replies 250 only then) and <see cref="Changed"/> has been raised with <see cref="MailChangeKind.Added"/>.
    /// Throws <see cref="MailStoreException"/> when the store cannot take it (SMTP answers 451).
    /// </summary>
    ValueTask<MailSummary> AppendAsync(MailToAppend mail, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of summaries, newest first, that match <see cref="MailQuery.Search"/> (the search language of
    /// <see cref="MailSearch"/>) in <see cref="MailQuery.Mailbox"/>, after <see cref="MailQuery.Cursor"/>.
    /// Throws <see cref="MailSearchException"/> for a query that does not parse.
    /// </summary>
    ValueTask<MailPage> ListAsync(MailQuery query, CancellationToken cancellationToken = default);

    /// <summary>One message's summary, envelope, session facts and transcript; null when there is none with that id.</summary>
    ValueTask<StoredMail?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The raw bytes (header, blank line, body; CRLF as received) as a read-only stream that the caller
    /// disposes; null when there is no such message. The stream reads from disk: it never holds the whole message.</summary>
    ValueTask<Stream?> OpenRawAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Adds and removes flags and keywords (IMAP STORE semantics: remove, then add); returns the summary
    /// after the change, or null when there is no such message. Raises <see cref="MailChangeKind.FlagsChanged"/> when
    /// something changed.</summary>
    ValueTask<MailSummary?> SetFlagsAsync(string id, MailFlagChange change, CancellationToken cancellationToken = default);

    /// <summary>Deletes messages (ids already gone are ignored); returns how many went. Raises one
    /// <see cref="MailChangeKind.Deleted"/> per message.</summary>
    ValueTask<int> DeleteAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

    /// <summary>Deletes every message. UIDs are never reused, so UIDVALIDITY stays. Raises <see cref="MailChangeKind.Cleared"/>.</summary>
    ValueTask ClearAsync(CancellationToken cancellationToken = default);

    /// <summary>How much is stored and how much retention has pruned.</summary>
    ValueTask<MailStoreStats> GetStatsAsync(CancellationToken cancellationToken = default);

    /// <summary>The mailboxes: <c>INBOX</c> (every message) first, then one per envelope recipient ever seen
    /// (lower-cased address), for per-recipient views.</summary>
    ValueTask<IReadOnlyList<string>> ListMailboxesAsync(CancellationToken cancellationToken = default);

    /// <summary>A mailbox's IMAP state (UIDVALIDITY, UIDNEXT, counts); null for a mailbox that does not exist.</summary>
    ValueTask<MailboxStatus?> GetMailboxAsync(string mailbox, CancellationToken cancellationToken = default);

    /// <summary>
    /// The messages of a mailbox in ascending UID order with UID &gt; <paramref name="afterUid"/>, at most
    /// <paramref name="limit"/> (page by passing the last UID back). What an IMAP SELECT and FETCH need.
    /// </summary>
    ValueTask<IReadOnlyList<MailSummary>> ListByUidAsync(string mailbox, long afterUid, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Raised after each change is durable, on the thread that made it (keep handlers short, never block). With
    /// PostgreSQL, changes made by other instances are raised too (LISTEN/NOTIFY).
    /// </summary>
    event EventHandler<MailChange>? Changed;
}
