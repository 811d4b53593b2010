using System.Globalization;

namespace Protocols.Servers.Mail;

/// <summary>A page cursor: the UID of the last message of the page before (opaque to callers).</summary>
internal static class MailCursor
{
    public static string Format(long uid) => uid.ToString(CultureInfo.InvariantCulture);

    public static long? Parse(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        return long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var uid) && uid > 0
            ? uid
            : throw new MailSearchException($"'{cursor}' is not a cursor from this list");
    }
}
