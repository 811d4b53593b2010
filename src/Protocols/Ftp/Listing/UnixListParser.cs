using System.Globalization;

namespace Protocols.Ftp.Listing;

/// <summary>
/// <c>ls -l</c> style LIST lines as sent by vsftpd, pyftpdlib, ProFTPD, Pure-FTPd and most Unix servers:
/// <c>-rw-r--r--   1 owner group   1234 Nov 22 03:21 name</c>, with the variants seen in the wild: numeric-only
/// owners, no group column, no link count, device files (<c>1, 3</c> instead of a size), symbolic links
/// (<c>a -&gt; b</c>), a year instead of a time for old files, ISO dates (<c>--time-style=long-iso</c>), ACL markers
/// after the mode (<c>+</c>, <c>.</c>, <c>@</c>), and names with spaces (kept exactly: one space separates the date
/// from the name).
/// </summary>
public static class UnixListParser
{
    private static readonly string[] Months =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    /// <summary>Parses one line. <paramref name="now"/> resolves the year of <c>Mon DD HH:MM</c> dates.</summary>
    public static bool TryParse(string line, DateTimeOffset now, out FtpListItem item)
    {
        item = null!;
        var tokens = Tokenize(line, 12);
        if (tokens.Count < 5 || !IsMode(line.AsSpan(tokens[0].Start, tokens[0].Length))) return false;
        for (var i = 2; i + 1 < tokens.Count; i++)
        {
            if (!TryParseDate(line, tokens, i, now, out var modified, out var dateEnd)) continue;
            var nameStart = dateEnd + 1;
            if (nameStart >= line.Length) return false;
            return TryBuild(line, tokens, i, modified, line[nameStart..], out item);
        }
        return false;
    }

    private static bool TryBuild(string line, List<(int Start, int Length)> tokens, int dateIndex,
        DateTimeOffset modified, string name, out FtpListItem item)
    {
        item = null!;
        var mode = Text(line, tokens[0]);
        var kind = mode[0];
        var sizeText = Text(line, tokens[dateIndex - 1]);
        var firstAfterMode = 1;
        var ownerEnd = dateIndex - 1; // exclusive
        long size;
        if (kind is 'c' or 'b')
        {
            // "1, 3" (major, minor) or "1,3" in the size column: devices have no size.
            size = -1;
            if (dateIndex - 2 >= 1 && Text(line, tokens[dateIndex - 2]).EndsWith(',')) ownerEnd = dateIndex - 2;
        }
        else if (!long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out size))
        {
            return false;
        }
        if (firstAfterMode < ownerEnd && IsDigits(Text(line, tokens[firstAfterMode])) && ownerEnd - firstAfterMode >= 2)
            firstAfterMode++; // link count
        string? owner = ownerEnd > firstAfterMode ? Text(line, tokens[firstAfterMode]) : null;
        string? group = ownerEnd > firstAfterMode + 1 ? Text(line, tokens[firstAfterMode + 1]) : null;
        string? target = null;
        var type = kind switch
        {
            '-' => FtpObjectType.File,
            'd' => FtpObjectType.Directory,
            'l' => FtpObjectType.Link,
            _ => FtpObjectType.Other,
        };
        if (type == FtpObjectType.Link)
        {
            var arrow = name.IndexOf(" -> ", StringComparison.Ordinal);
            if (arrow > 0)
            {
                target = name[(arrow + 4)..];
                name = name[..arrow];
            }
        }
        item = new FtpListItem
        {
            Name = name,
            Type = type,
            Size = size,
            Modified = modified,
            LinkTarget = target,
            Permissions = mode,
            Owner = owner,
            Group = group,
            RawLine = line,
        };
        return true;
    }

    private static bool TryParseDate(string line, List<(int Start, int Length)> tokens, int i, DateTimeOffset now,
        out DateTimeOffset modified, out int end)
    {
        modified = default;
        end = 0;
        var first = Text(line, tokens[i]);
        // ISO: 2019-03-04 05:06
        if (first.Length == 10 && first[4] == '-' && first[7] == '-')
        {
            var time = Text(line, tokens[i + 1]);
            if (!DateTime.TryParseExact(first + " " + time, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var iso)) return false;
            modified = new DateTimeOffset(iso, TimeSpan.Zero);
            end = tokens[i + 1].Start + tokens[i + 1].Length;
            return true;
        }
        if (i + 2 >= tokens.Count || first.Length != 3) return false;
        var month = Array.IndexOf(Months, first.ToLowerInvariant()) + 1;
        if (month == 0) return false;
        var dayText = Text(line, tokens[i + 1]);
        if (!int.TryParse(dayText, NumberStyles.None, CultureInfo.InvariantCulture, out var day) || day is < 1 or > 31)
            return false;
        var third = Text(line, tokens[i + 2]);
        int year, hour = 0, minute = 0;
        if (third.Length == 4 && int.TryParse(third, NumberStyles.None, CultureInfo.InvariantCulture, out year))
        {
        }
        else if (third.Length is 4 or 5 && third[^3] == ':' &&
                 int.TryParse(third.AsSpan(0, third.Length - 3), NumberStyles.None, CultureInfo.InvariantCulture, out hour) &&
                 int.TryParse(third.AsSpan(third.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out minute) &&
                 hour < 24 && minute < 60)
        {
            // No year: the most recent such date not more than a couple of days in the future (clock skew).
            // Feb 29 walks back to the last leap year.
            year = now.UtcDateTime.Year + 1;
            do year--;
            while (year > now.UtcDateTime.Year - 8 &&
                   (day > DateTime.DaysInMonth(year, month) ||
                    new DateTime(year, month, day, hour, minute, 0, DateTimeKind.Utc) > now.UtcDateTime.AddDays(2)));
        }
        else
        {
            return false;
        }
        if (year < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        modified = new DateTimeOffset(year, month, day, hour, minute, 0, TimeSpan.Zero);
        end = tokens[i + 2].Start + tokens[i + 2].Length;
        return true;
    }

    internal static bool IsMode(ReadOnlySpan<char> mode)
    {
        if (mode.Length < 10 || "-dlcbpsDn".IndexOf(mode[0]) < 0) return false;
        foreach (var c in mode[1..10])
            if ("rwxsStTlL-".IndexOf(c) < 0) return false;
        // ACL / extended attribute markers: '+', '.', '@'.
        return mode.Length == 10 || (mode.Length == 11 && "+.@".IndexOf(mode[10]) >= 0);
    }

    private static bool IsDigits(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);

    private static string Text(string line, (int Start, int Length) t) => line.Substring(t.Start, t.Length);

    internal static List<(int Start, int Length)> Tokenize(string line, int max)
    {
        var tokens = new List<(int, int)>(max);
        var i = 0;
        while (i < line.Length && tokens.Count < max)
        {
            while (i < line.Length && line[i] == ' ') i++;
            if (i >= line.Length) break;
            var start = i;
            while (i < line.Length && line[i] != ' ') i++;
            tokens.Add((start, i - start));
        }
        return tokens;
    }
}
