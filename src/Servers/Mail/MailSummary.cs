namespace Protocols.Servers.Mail;

/// <summary>IMAP's system flags (RFC 9051 §2.3.2) as the store keeps them, per message.</summary>
[Flags]
public enum MailFlags
{
    None = 0,
    Seen = 1,
    Answered = 2,
    Flagged = 4,
    Deleted = 8,
    Draft = 16,
}

/// <summary>A flag change: what to remove, then what to add. Keywords are IMAP keywords / tags (atoms such as <c>$Label1</c>).</summary>
public sealed record MailFlagChange(MailFlags Add = MailFlags.None, MailFlags Remove = MailFlags.None,
    IReadOnlyCollection<string>? AddKeywords = null, IReadOnlyCollection<string>? RemoveKeywords = null);

/// <summary>
/// A message in a list: what a page row, a POP3 listing and an IMAP FETCH of flags need. Made at append from the
/// header and the MIME structure, so reading it never touches the raw bytes.
/// </summary>
/// <param name="Id">Stable id: letters, digits and '-' (fits a URL segment and a POP3 UIDL).</param>
/// <param name="Uid">The IMAP UID: ascending in order of arrival, never reused in this store (every mailbox's UIDs are
/// a subset of this one sequence).</param>
public sealed record MailSummary(
    string Id, long Uid, DateTimeOffset ReceivedAt, string EnvelopeFrom, IReadOnlyList<string> EnvelopeTo,
    string? From, string? To, string? Cc, string? Subject, string? Date, long Size, bool HasHtml, int AttachmentCount,
    MailFlags Flags, IReadOnlyList<string> Keywords);

/// <summary>One message's summary with its session facts (client, TLS, AUTH, transcript).</summary>
public sealed record StoredMail(MailSummary Summary, MailSessionFacts Session);

/// <summary>What to list: a search in a mailbox, one page at a time.</summary>
/// <param name="Search">The search text (<see cref="MailSearch"/>), or null/empty for everything.</param>
/// <param name="Mailbox"><c>INBOX</c> (everything) or a recipient view.</param>
/// <param name="Cursor">From <see cref="MailPage.NextCursor"/> to get the next (older) page; null for the newest.</param>
/// <param name="Limit">Most summaries in the page (1 to 5000).</param>
public sealed record MailQuery(string? Search = null, string Mailbox = MailQuery.Inbox, string? Cursor = null, int Limit = 50)
{
    public const string Inbox = "INBOX";

    public const int MaxLimit = 5000;
}

/// <summary>A page of summaries, newest first.</summary>
/// <param name="Matched">How many messages match the query in all (the "N" of "N of M").</param>
/// <param name="Total">How many messages the mailbox holds (the "M").</param>
/// <param name="NextCursor">Pass back to get the next page; null on the last page.</param>
public sealed record MailPage(IReadOnlyList<MailSummary> Messages, long Matched, long Total, string? NextCursor);

/// <summary>A mailbox's IMAP state.</summary>
/// <param name="UidValidity">Fixed when the store was created (RFC 9051 §2.3.1.1); the same after a restart.</param>
/// <param name="UidNext">Greater than every UID the mailbox ever held; changes only when a message lands in it.</param>
public sealed record MailboxStatus(string Name, long UidValidity, long UidNext, long Messages, long Unseen);

/// <summary>How much is stored, and how much retention pruned since the store was created.</summary>
public sealed record MailStoreStats(long Messages, long Bytes, long PrunedMessages, long PrunedBytes);
