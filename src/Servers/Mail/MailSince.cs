namespace Protocols.Servers.Mail;

/// <summary>
/// A lower bound for a wait: only messages that arrived after a given message (by UID, the order of arrival) or after
/// a given instant count, so a test waits for mail sent after it started and never matches older mail.
/// </summary>
/// <param name="AfterUid">Only messages with a greater UID (the UID of the message named by <c>since=</c>).</param>
/// <param name="AfterTime">Only messages received strictly after this instant.</param>
public sealed record MailSince(long? AfterUid = null, DateTimeOffset? AfterTime = null)
{
    /// <summary>Whether <paramref name="summary"/> arrived after this bound.</summary>
    public bool Admits(MailSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return (AfterUid is not { } uid || summary.Uid > uid) && (AfterTime is not { } time || summary.ReceivedAt > time);
    }
}
