namespace Protocols.Servers.Mail;

/// <summary>Keywords (IMAP keywords, the page's tags): atoms, compared case-insensitively, kept in the order first set.</summary>
internal static class MailKeywords
{
    public const int MaxLength = 64;

    public static bool IsValid(string keyword) =>
        keyword.Length is > 0 and <= MaxLength && !keyword.StartsWith('\\')
        && keyword.All(c => c is > ' ' and < '\u007f' and not '(' and not ')' and not '{' and not '%' and not '*' and not '"' and not ']');

    public static IReadOnlyList<string> Apply(IReadOnlyList<string> current, MailFlagChange change)
    {
        var result = new List<string>(current);
        foreach (var k in change.RemoveKeywords ?? []) result.RemoveAll(x => x.Equals(k, StringComparison.OrdinalIgnoreCase));
        foreach (var k in change.AddKeywords ?? [])
        {
            if (!IsValid(k)) throw new ArgumentException($"'{k}' is not a keyword (an atom of up to {MaxLength} characters)", nameof(change));
            if (!result.Contains(k, StringComparer.OrdinalIgnoreCase)) result.Add(k);
        }
        return result;
    }

    public static IReadOnlyList<string> Split(string stored) => stored.Length == 0 ? [] : stored.Split(' ');
}
