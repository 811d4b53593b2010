namespace Protocols.Servers.Lines;

/// <summary>
/// One rule of a <see cref="FaultScript"/>: what to do (<see cref="Fault"/>) to a verb (or a <see cref="FaultStages"/>
/// name), to its <see cref="Nth"/> matching use only or to every one, with a <see cref="Probability"/>, and only when the
/// session's sender is one of <see cref="Senders"/> or the command's address one of <see cref="Recipients"/> (empty: any).
/// An address pattern is a whole address or <c>@domain</c>; case is ignored.
/// </summary>
public sealed record FaultRule(string Verb, VerbFault Fault)
{
    /// <summary>Fire on this matching use only (from 1); null: every matching use.</summary>
    public int? Nth { get; init; }

    /// <summary>Chance (0..1) that a matching use fires. Default 1.</summary>
    public double Probability { get; init; } = 1;

    /// <summary>Only when the session's sender (for MAIL: the address in its argument) matches one of these.</summary>
    public IReadOnlyList<string> Senders { get; init; } = [];

    /// <summary>Only when the address in the command's argument (SMTP RCPT) matches one of these.</summary>
    public IReadOnlyList<string> Recipients { get; init; } = [];

    internal static FaultRule Checked(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentException.ThrowIfNullOrWhiteSpace(rule.Verb);
        if (rule.Nth is < 1) throw new ArgumentOutOfRangeException(nameof(rule), "counts start at 1");
        if (rule.Probability is < 0 or > 1 || double.IsNaN(rule.Probability)) throw new ArgumentOutOfRangeException(nameof(rule), "a probability is in 0..1");
        return rule with { Verb = rule.Verb.Trim().ToUpperInvariant() };
    }

    internal bool Fires() => Probability >= 1 || (Probability > 0 && Random.Shared.NextDouble() < Probability);

    internal bool Matches(string argument, string? sender)
    {
        if (Senders.Count > 0 && !MatchesAny(Senders, sender ?? AddressIn(argument))) return false;
        return Recipients.Count == 0 || MatchesAny(Recipients, AddressIn(argument));
    }

    private static bool MatchesAny(IReadOnlyList<string> patterns, string address)
    {
        if (address.Length == 0) return false;
        foreach (var pattern in patterns)
        {
            if (pattern.StartsWith('@') ? address.EndsWith(pattern, StringComparison.OrdinalIgnoreCase)
                : address.Equals(pattern, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>The address of <c>FROM:&lt;a@b&gt; SIZE=1</c> or <c>TO:&lt;a@b&gt;</c>: between the angle brackets, else after the colon.</summary>
    private static string AddressIn(string argument)
    {
        var open = argument.IndexOf('<', StringComparison.Ordinal);
        var close = open < 0 ? -1 : argument.IndexOf('>', open + 1);
        if (close > open) return argument[(open + 1)..close].Trim();
        var colon = argument.IndexOf(':', StringComparison.Ordinal);
        var rest = colon < 0 ? argument : argument[(colon + 1)..];
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        return (space < 0 ? rest : rest[..space]).Trim();
    }
}
