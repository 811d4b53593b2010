using System.CommandLine;
using System.Globalization;
using Protocols.Servers.Mail;

namespace Protocols.Cli;

/// <summary>The mail store options <c>proto serve</c> and <c>proto smtp serve</c> share: where (<c>--store</c>) and
/// what may be pruned (<c>--keep</c>, <c>--max-store-bytes</c>, <c>--max-age</c>).</summary>
internal sealed class StoreOptions
{
    public Option<string?> Store { get; } = new("--store")
    {
        Description = "Where captured mail is kept: a directory (SQLite, kept across restarts) or postgres://user@host:port/db "
            + "(shared by several instances); default: a temporary SQLite store deleted at exit",
    };

    public Option<long?> Keep { get; } = new("--keep") { Description = "Keep at most N messages; the oldest are pruned (default: no limit)" };

    public Option<string?> MaxBytes { get; } = new("--max-store-bytes") { Description = "Keep at most SIZE of mail, e.g. 500MB, 2GiB (default: no limit)" };

    public Option<string?> MaxAge { get; } = new("--max-age") { Description = "Prune messages older than DURATION, e.g. 90m, 12h, 7d (default: never)" };

    public IEnumerable<Option> All => [Store, Keep, MaxBytes, MaxAge];

    /// <summary>The retention asked for, or a one-line reason it is wrong.</summary>
    public (MailRetention? Retention, string? Error) Retention(ParseResult parse)
    {
        var keep = parse.GetValue(Keep);
        if (keep is < 1) return (null, "--keep must be at least 1");
        long? bytes = null;
        if (parse.GetValue(MaxBytes) is { } sizeText)
        {
            if (ParseSize(sizeText) is not { } size) return (null, $"--max-store-bytes: not a size: {sizeText} (e.g. 500MB, 2GiB, 1000000)");
            bytes = size;
        }
        TimeSpan? age = null;
        if (parse.GetValue(MaxAge) is { } ageText)
        {
            if (ParseDuration(ageText) is not { } span) return (null, $"--max-age: not a duration: {ageText} (e.g. 90m, 12h, 7d)");
            age = span;
        }
        return (new MailRetention(keep, bytes, age), null);
    }

    /// <summary>Bytes, or a number with k/M/G/T (powers of 1000) or KiB/MiB/GiB/TiB (powers of 1024), B optional.</summary>
    internal static long? ParseSize(string text)
    {
        var t = text.Trim();
        var i = 0;
        while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.')) i++;
        if (i == 0 || !double.TryParse(t[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)) return null;
        double? scale = t[i..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" => 1e3, "M" or "MB" => 1e6, "G" or "GB" => 1e9, "T" or "TB" => 1e12,
            "KIB" => 1L << 10, "MIB" => 1L << 20, "GIB" => 1L << 30, "TIB" => 1L << 40,
            _ => null,
        };
        if (scale is null) return null;
        var value = number * scale.Value;
        return value is >= 1 and < long.MaxValue ? (long)value : null;
    }

    /// <summary>A number with s, m, h, d or w.</summary>
    internal static TimeSpan? ParseDuration(string text)
    {
        var t = text.Trim();
        if (t.Length < 2 || !double.TryParse(t[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || n <= 0) return null;
        return char.ToLowerInvariant(t[^1]) switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            'w' => TimeSpan.FromDays(7 * n),
            _ => null,
        };
    }
}
