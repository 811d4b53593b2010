using System.Globalization;

namespace Protocols.Ftp.Listing;

/// <summary>
/// The Windows/IIS "MS-DOS" LIST format: <c>11-22-26  03:21AM       &lt;DIR&gt;          name</c> or
/// <c>03-04-2019  17:06     1,000 name</c> (two- or four-digit years, 12- or 24-hour times, sizes with or without
/// thousands separators). Leading spaces of a name cannot be told apart from the padding and are lost.
/// </summary>
public static class DosListParser
{
    private static readonly string[] DateFormats = ["MM-dd-yy", "MM-dd-yyyy", "MM/dd/yy", "MM/dd/yyyy", "yyyy-MM-dd"];
    private static readonly string[] TimeFormats = ["hh:mmtt", "h:mmtt", "HH:mm", "H:mm", "hh:mm tt"];

    public static bool TryParse(string line, out FtpListItem item)
    {
        item = null!;
        var tokens = UnixListParser.Tokenize(line, 4);
        if (tokens.Count < 4) return false;
        var date = line.Substring(tokens[0].Start, tokens[0].Length);
        var time = line.Substring(tokens[1].Start, tokens[1].Length);
        var third = line.Substring(tokens[2].Start, tokens[2].Length);
        var nameToken = 3;
        if (third is "AM" or "PM" or "am" or "pm")
        {
            time += " " + third;
            var more = UnixListParser.Tokenize(line, 5);
            if (more.Count < 5) return false;
            tokens = more;
            third = line.Substring(tokens[3].Start, tokens[3].Length);
            nameToken = 4;
        }
        if (!DateTime.TryParseExact(date, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return false;
        if (!DateTime.TryParseExact(time, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var clock)) return false;
        FtpObjectType type;
        long size;
        if (third.Equals("<DIR>", StringComparison.OrdinalIgnoreCase))
        {
            type = FtpObjectType.Directory;
            size = -1;
        }
        else if (long.TryParse(third, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out size) && size >= 0)
        {
            type = FtpObjectType.File;
        }
        else
        {
            return false;
        }
        var modified = new DateTimeOffset(day.Year, day.Month, day.Day, clock.Hour, clock.Minute, 0, TimeSpan.Zero);
        item = new FtpListItem
        {
            Name = line[tokens[nameToken].Start..],
            Type = type,
            Size = size,
            Modified = modified,
            RawLine = line,
        };
        return true;
    }
}
