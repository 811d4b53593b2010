namespace Protocols.Servers.Mail;

/// <summary>Message ids and mailbox names as every store spells them.</summary>
internal static class MailIds
{
    /// <summary>Letters, digits and '-', 1 to 70: fits a URL segment, a file name and a POP3 UIDL.</summary>
    public static bool IsValid(string id) => id.Length is > 0 and <= 70 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>The id as given (checked), or null when none was.</summary>
    public static string? Check(string? id) =>
        id is null || IsValid(id) ? id : throw new ArgumentException("a message id is 1-70 letters, digits or '-'", nameof(id));

    /// <summary>A fresh id, ordered by time and unique across restarts and instances.</summary>
    public static string New() => Guid.CreateVersion7().ToString("N");

    /// <summary><c>INBOX</c> in any case is INBOX; any other mailbox is a recipient address, lower-cased.</summary>
    public static string Mailbox(string name) =>
        name.Equals(MailQuery.Inbox, StringComparison.OrdinalIgnoreCase) ? MailQuery.Inbox : name.Trim().ToLowerInvariant();
}
