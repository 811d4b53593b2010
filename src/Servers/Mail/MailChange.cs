namespace Protocols.Servers.Mail;

/// <summary>What changed in a store.</summary>
public enum MailChangeKind
{
    /// <summary>A message was appended (<see cref="MailChange.Summary"/> is set).</summary>
    Added,

    /// <summary>A message was deleted by a user (page, API, POP3, IMAP EXPUNGE).</summary>
    Deleted,

    /// <summary>A message was deleted by retention (<c>--keep</c>, <c>--max-store-bytes</c>, <c>--max-age</c>).</summary>
    Pruned,

    /// <summary>A message's flags or keywords changed (<see cref="MailChange.Summary"/> has the new ones).</summary>
    FlagsChanged,

    /// <summary>Every message was deleted.</summary>
    Cleared,
}

/// <summary>One change. <see cref="Id"/> and <see cref="Uid"/> are set for every kind but <see cref="MailChangeKind.Cleared"/>;
/// <see cref="Summary"/> for Added and FlagsChanged (and, when known, the others).</summary>
public sealed record MailChange(MailChangeKind Kind, string? Id = null, long Uid = 0, MailSummary? Summary = null);

/// <summary>The store cannot do what was asked (disk full, database gone, a corrupt or foreign file, a duplicate id).
/// The message is one line, fit for a log or a CLI error.</summary>
public sealed class MailStoreException : Exception
{
    public MailStoreException(string message) : base(message) { }

    public MailStoreException(string message, Exception innerException) : base(message, innerException) { }
}
