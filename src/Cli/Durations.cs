using System.Globalization;

namespace Protocols.Cli;

/// <summary>How <c>--timeout</c> values are read: seconds (<c>30</c>, <c>2.5</c>) or a duration (<c>90s</c>, <c>5m</c>, <c>1h</c>).</summary>
internal static class Durations
{
    public static TimeSpan? ParseTimeout(string text) =>
        double.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            ? seconds > 0 && seconds <= TimeSpan.FromDays(1).TotalSeconds ? TimeSpan.FromSeconds(seconds) : null
            : StoreOptions.ParseDuration(text) is { } span && span <= TimeSpan.FromDays(1) ? span : null;
}
