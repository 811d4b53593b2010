using System.Globalization;

namespace Protocols.Mime;

/// <summary>RFC 5322 §3.3 dates: format, and a lenient parse that accepts the obsolete forms.</summary>
public static class MailDate
{
    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    /// <summary>"Sun, 22 Nov 2026 03:21:27 +0000".</summary>
    public static string Format(DateTimeOffset date)
    {
        var offset = date.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return date.ToString("ddd, d MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) +
            sign + offset.Hours.ToString("00", CultureInfo.InvariantCulture) + offset.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>Parses an RFC 5322 date (also 2-digit years, named zones, missing seconds or weekday). Never throws.</summary>
    public static bool TryParse(string? text, out DateTimeOffset date)
    {
        date = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var tokens = Tokenize(text);
        var i = 0;
        if (i < tokens.Count && tokens[i].Length >= 3 && char.IsLetter(tokens[i][0]) && MonthIndex(tokens[i]) < 0)
        {
            i++; // weekday
        }

        if (i + 3 >= tokens.Count)
        {
            return false;
        }

        int day, month, year;
        if (int.TryParse(tokens[i], NumberStyles.None, CultureInfo.InvariantCulture, out day))
        {
            month = MonthIndex(tokens[i + 1]);
        }
        else
        {
            // "Nov 22 2026" (asctime-like order).
            month = MonthIndex(tokens[i]);
            if (!int.TryParse(tokens[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out day))
            {
                return false;
            }
        }

        if (month < 0 || !int.TryParse(tokens[i + 2], NumberStyles.None, CultureInfo.InvariantCulture, out year))
        {
            return false;
        }

        year = tokens[i + 2].Length switch
        {
            <= 2 => year < 50 ? 2000 + year : 1900 + year,
            3 => 1900 + year,
            _ => year,
        };

        var time = tokens[i + 3].Split(':');
        if (time.Length < 2 || !int.TryParse(time[0], CultureInfo.InvariantCulture, out var hour) ||
            !int.TryParse(time[1], CultureInfo.InvariantCulture, out var minute))
        {
            return false;
        }

        var second = 0;
        if (time.Length > 2 && !int.TryParse(time[2], CultureInfo.InvariantCulture, out second))
        {
            return false;
        }

        var offset = i + 4 < tokens.Count ? ParseZone(tokens[i + 4]) : TimeSpan.Zero;
        try
        {
            date = new DateTimeOffset(year, month + 1, day, hour, minute, Math.Min(second, 59), offset);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var tokenizer = new HeaderTokenizer(text);
        while (true)
        {
            tokenizer.SkipCfws();
            if (tokenizer.AtEnd)
            {
                break;
            }

            var start = tokenizer.Position;
            while (!tokenizer.AtEnd && tokenizer.Peek is not ' ' and not '\t' and not ',' and not '(')
            {
                tokenizer.Position++;
            }

            if (tokenizer.Position > start)
            {
                tokens.Add(text[start..tokenizer.Position]);
            }

            tokenizer.TryConsume(',');
        }

        return tokens;
    }

    private static int MonthIndex(string token) =>
        token.Length >= 3 ? Array.IndexOf(Months, token[..3].ToLowerInvariant()) : -1;

    private static TimeSpan ParseZone(string zone)
    {
        if (zone.Length == 5 && (zone[0] == '+' || zone[0] == '-') &&
            int.TryParse(zone.AsSpan(1, 2), CultureInfo.InvariantCulture, out var hours) &&
            int.TryParse(zone.AsSpan(3, 2), CultureInfo.InvariantCulture, out var minutes) && hours < 24 && minutes < 60)
        {
            var offset = new TimeSpan(hours, minutes, 0);
            return zone[0] == '-' ? -offset : offset;
        }

        return zone.ToUpperInvariant() switch
        {
            "EDT" => TimeSpan.FromHours(-4),
            "EST" or "CDT" => TimeSpan.FromHours(-5),
            "CST" or "MDT" => TimeSpan.FromHours(-6),
            "MST" or "PDT" => TimeSpan.FromHours(-7),
            "PST" => TimeSpan.FromHours(-8),
            _ => TimeSpan.Zero,
        };
    }
}
