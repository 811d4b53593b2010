using System.Collections.Concurrent;
using Protocols.Servers.Smtp;

namespace Protocols.Servers.Testing;

/// <summary>
/// Scripted faults for <see cref="SmtpTestServer"/>: reply a given code to the Nth use of a verb, drop the
/// connection on or after a verb, or delay a verb. Counts are per server (across connections) and start at 1;
/// <see cref="Clear"/> forgets rules and counts.
/// </summary>
public sealed class SmtpFaultScript : ISmtpFaultInjector
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Rule> _rules = [];
    private readonly object _gate = new();

    private sealed record Rule(string Verb, int? Nth, SmtpFault Fault);

    /// <summary>Answers the <paramref name="nth"/> use of <paramref name="verb"/> (every use when null) with
    /// <paramref name="code"/> instead of handling it. A 421 also ends the session.</summary>
    public SmtpFaultScript Reply(string verb, int code, string text = "Scripted failure", int? nth = null, string? enhancedCode = null) =>
        Add(verb, nth, new SmtpFault(SmtpFaultAction.Reply, new SmtpResponse(code, text, enhancedCode)));

    /// <summary>Drops the connection, without a reply, when <paramref name="verb"/> arrives.</summary>
    public SmtpFaultScript DisconnectOn(string verb, int? nth = null) => Add(verb, nth, new SmtpFault(SmtpFaultAction.Disconnect));

    /// <summary>Handles <paramref name="verb"/>, sends the reply, then drops the connection.</summary>
    public SmtpFaultScript DisconnectAfter(string verb, int? nth = null) => Add(verb, nth, new SmtpFault(SmtpFaultAction.DisconnectAfter));

    /// <summary>Waits <paramref name="delay"/> before handling <paramref name="verb"/>.</summary>
    public SmtpFaultScript Delay(string verb, TimeSpan delay, int? nth = null) =>
        Add(verb, nth, new SmtpFault(SmtpFaultAction.None, null, delay));

    /// <summary>Forgets every rule and count.</summary>
    public void Clear()
    {
        lock (_gate) _rules.Clear();
        _counts.Clear();
    }

    private SmtpFaultScript Add(string verb, int? nth, SmtpFault fault)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(verb);
        if (nth is < 1) throw new ArgumentOutOfRangeException(nameof(nth), "counts start at 1");
        lock (_gate) _rules.Add(new Rule(verb.Trim().ToUpperInvariant(), nth, fault));
        return this;
    }

    SmtpFault ISmtpFaultInjector.OnCommand(string verb, int useCount)
    {
        if (verb.Length == 0) return default;
        var count = _counts.AddOrUpdate(verb, 1, static (_, n) => n + 1);
        lock (_gate)
        {
            foreach (var rule in _rules)
            {
                if (rule.Verb == verb && (rule.Nth is null || rule.Nth == count)) return rule.Fault;
            }
        }
        return default;
    }
}
