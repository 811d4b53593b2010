namespace Protocols.Servers.Lines;

/// <summary>The validation every limits class uses in its setters.</summary>
internal static class LimitCheck
{
    public static int AtLeast(int value, int min) =>
        value >= min ? value : throw new ArgumentOutOfRangeException(nameof(value), value, $"must be at least {min}");

    public static TimeSpan Positive(TimeSpan value) =>
        value > TimeSpan.Zero || value == Timeout.InfiniteTimeSpan
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "must be positive or infinite");
}
