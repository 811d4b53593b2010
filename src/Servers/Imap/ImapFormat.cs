using System.Globalization;
using Protocols.Servers.Mail;

namespace Protocols.Servers.Imap;

/// <summary>Small response pieces: flag lists and dates.</summary>
internal static class ImapFormat
{
    private static readonly (MailFlags Flag, string Name)[] SystemFlags =
    [
        (MailFlags.Seen, @"\Seen"), (MailFlags.Answered, @"\Answered"), (MailFlags.Flagged, @"\Flagged"),
        (MailFlags.Deleted, @"\Deleted"), (MailFlags.Draft, @"\Draft"),
    ];

    public const string PermanentFlags = @"(\Answered \Flagged \Deleted \Seen \Draft \*)";

    public const string AllFlags = @"(\Answered \Flagged \Deleted \Seen \Draft)";

    public static ImapResponse Flags(ImapResponse w, MailSummary summary) => Flags(w, summary.Flags, summary.Keywords);

    public static ImapResponse Flags(ImapResponse w, MailFlags flags, IReadOnlyList<string> keywords)
    {
        w.Raw("FLAGS (");
        var first = true;
        foreach (var (flag, name) in SystemFlags)
        {
            if ((flags & flag) == 0) continue;
            if (!first) w.Space();
            first = false;
            w.Raw(name);
        }
        foreach (var keyword in keywords)
        {
            if (!first) w.Space();
            first = false;
            w.Raw(keyword);
        }
        return w.Close();
    }

    /// <summary>A system flag by name (case-insensitive), or None for a keyword.</summary>
    public static bool TryParseSystemFlag(string name, out MailFlags flag)
    {
        foreach (var (f, n) in SystemFlags)
        {
            if (n.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                flag = f;
                return true;
            }
        }
        flag = MailFlags.None;
        return false;
    }

    /// <summary>A keyword is an atom that does not start with '\'.</summary>
    public static bool IsKeyword(string name) =>
        name.Length is > 0 and <= 100 && name[0] != '\\' && name.All(c => c < 0x80 && ImapCommandParser.IsAtomChar((byte)c));

    /// <summary>date-time: <c>"17-Jul-1996 02:44:25 -0700"</c>.</summary>
    public static string DateTime(DateTimeOffset value)
    {
        var offset = value.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture,
            $"{value.Day:00}-{SearchParser.FormatMonth(value.Month)}-{value.Year:0000} {value.Hour:00}:{value.Minute:00}:{value.Second:00} {sign}{abs.Hours:00}{abs.Minutes:00}");
    }

    /// <summary>Parses a date-time as APPEND takes it.</summary>
    public static bool TryParseDateTime(string text, out DateTimeOffset value)
    {
        value = default;
        var t = text.Trim();
        var parts = t.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3 || !SearchParser.TryParseDate(parts[0], out var date)) return false;
        if (!TimeOnly.TryParseExact(parts[1], "HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)) return false;
        var zone = parts[2];
        if (zone.Length != 5 || zone[0] is not ('+' or '-') || !int.TryParse(zone.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hh)
            || !int.TryParse(zone.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var mm) || hh > 14 || mm > 59) return false;
        var offset = new TimeSpan(hh, mm, 0);
        if (zone[0] == '-') offset = -offset;
        value = new DateTimeOffset(date.ToDateTime(time), offset);
        return true;
    }
}
