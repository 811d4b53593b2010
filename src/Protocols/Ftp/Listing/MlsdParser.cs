using System.Globalization;

namespace Protocols.Ftp.Listing;

/// <summary>
/// MLSD/MLST entries (RFC 3659 section 7): <c>fact=value;fact=value; name</c>. Facts are case-insensitive,
/// the name follows the single space after the facts and may itself contain spaces and semicolons.
/// </summary>
public static class MlsdParser
{
    public static bool TryParse(string line, out FtpListItem item)
    {
        item = null!;
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0) return false;
        var name = line[(space + 1)..];
        if (name.Length == 0) return false;
        var facts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var fact in line.AsSpan(0, space).ToString().Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = fact.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) return false;
            facts[fact[..eq].ToLowerInvariant()] = fact[(eq + 1)..];
        }
        var typeFact = facts.GetValueOrDefault("type", "");
        string? linkTarget = null;
        FtpObjectType type;
        if (typeFact.StartsWith("OS.unix=slink", StringComparison.OrdinalIgnoreCase) ||
            typeFact.StartsWith("OS.unix=symlink", StringComparison.OrdinalIgnoreCase))
        {
            type = FtpObjectType.Link;
            var colon = typeFact.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0 && colon + 1 < typeFact.Length) linkTarget = typeFact[(colon + 1)..];
        }
        else
        {
            type = typeFact.ToLowerInvariant() switch
            {
                "file" => FtpObjectType.File,
                "dir" or "cdir" or "pdir" => FtpObjectType.Directory,
                "" => FtpObjectType.File,
                _ => FtpObjectType.Other,
            };
        }
        long size = -1;
        if (facts.TryGetValue("size", out var s) || facts.TryGetValue("sizd", out s))
        {
            if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out size)) return false;
        }
        DateTimeOffset? modified = null;
        if (facts.TryGetValue("modify", out var m))
        {
            if (!TryParseTime(m, out var t)) return false;
            modified = t;
        }
        item = new FtpListItem
        {
            Name = name,
            Type = type,
            Size = size,
            Modified = modified,
            LinkTarget = linkTarget,
            Permissions = facts.GetValueOrDefault("perm"),
            Owner = facts.GetValueOrDefault("unix.owner") ?? facts.GetValueOrDefault("unix.uid"),
            Group = facts.GetValueOrDefault("unix.group") ?? facts.GetValueOrDefault("unix.gid"),
            Facts = facts,
            RawLine = line,
        };
        return true;
    }

    /// <summary>Whether the entry is the listed directory itself or its parent (<c>type=cdir</c>/<c>pdir</c>).</summary>
    public static bool IsSelfOrParent(FtpListItem item) =>
        item.Facts.TryGetValue("type", out var t) &&
        (t.Equals("cdir", StringComparison.OrdinalIgnoreCase) || t.Equals("pdir", StringComparison.OrdinalIgnoreCase));

    /// <summary>RFC 3659 time-val: <c>YYYYMMDDHHMMSS[.sss]</c>, always UTC. Also used by MDTM and MFMT.</summary>
    public static bool TryParseTime(string value, out DateTimeOffset time)
    {
        time = default;
        var main = value;
        var fraction = 0;
        var dot = value.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            main = value[..dot];
            var digits = value[(dot + 1)..];
            if (digits.Length is 0 or > 7 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out fraction)) return false;
            fraction *= (int)Math.Pow(10, 3 - Math.Min(3, digits.Length));
            if (digits.Length > 3) fraction /= (int)Math.Pow(10, digits.Length - 3);
        }
        if (main.Length != 14) return false;
        if (!DateTime.TryParseExact(main, "yyyyMMddHHmmss", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dt)) return false;
        time = new DateTimeOffset(dt.AddMilliseconds(fraction), TimeSpan.Zero);
        return true;
    }

    /// <summary>Formats an RFC 3659 time-val (UTC, whole seconds).</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
}
