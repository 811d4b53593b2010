using System.Collections.Concurrent;

namespace Protocols.Servers.Lines;

/// <summary>What a scripted fault does to a command.</summary>
public enum VerbFaultAction
{
    /// <summary>Handle the command normally (after the delay, if any).</summary>
    None,
    /// <summary>Answer <see cref="VerbFault.Code"/> / <see cref="VerbFault.Text"/> instead of handling the command.</summary>
    Reply,
    /// <summary>Drop the connection without a reply.</summary>
    Disconnect,
    /// <summary>Handle the command, send its reply, then drop the connection.</summary>
    DisconnectAfter,
}

/// <summary>A decision for one command. Reply codes are numbers; each protocol writes them its own way (POP3: <c>-ERR</c> for 4xx/5xx).</summary>
public readonly record struct VerbFault(VerbFaultAction Action, int Code = 0, string? Text = null, string? Enhanced = null, TimeSpan Delay = default);

/// <summary>
/// The fault interceptor around a verb table: consulted before each command is dispatched (known or not), with the
/// protocol, the verb in upper case and its use count in this session. Test servers and the runtime API use
/// <see cref="FaultScript"/>; a protocol never branches on faults itself.
/// </summary>
public interface IVerbInterceptor
{
    VerbFault OnCommand(string protocol, string verb, int sessionUse);
}

/// <summary>
/// Scripted faults: reply a code to the n-th use of a verb, drop the connection on or after a verb, delay a verb.
/// Counts are per script (across connections) and start at 1; <see cref="Clear"/> forgets rules and counts.
/// Thread-safe: rules may be added while sessions run.
/// </summary>
public class FaultScript : IVerbInterceptor
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Rule> _rules = [];
    private readonly Lock _gate = new();

    private sealed record Rule(string Verb, int? Nth, VerbFault Fault);

    /// <summary>Answers the <paramref name="nth"/> use of <paramref name="verb"/> (every use when null) with <paramref name="code"/>.
    /// A closing code (SMTP/FTP 421) also ends the session.</summary>
    public FaultScript Reply(string verb, int code, string text = "Scripted failure", int? nth = null, string? enhancedCode = null) =>
        Add(verb, nth, new VerbFault(VerbFaultAction.Reply, code, text, enhancedCode));

    /// <summary>Drops the connection, without a reply, when <paramref name="verb"/> arrives.</summary>
    public FaultScript DisconnectOn(string verb, int? nth = null) => Add(verb, nth, new VerbFault(VerbFaultAction.Disconnect));

    /// <summary>Handles <paramref name="verb"/>, sends the reply, then drops the connection.</summary>
    public FaultScript DisconnectAfter(string verb, int? nth = null) => Add(verb, nth, new VerbFault(VerbFaultAction.DisconnectAfter));

    /// <summary>Waits <paramref name="delay"/> before handling <paramref name="verb"/>.</summary>
    public FaultScript Delay(string verb, TimeSpan delay, int? nth = null) =>
        Add(verb, nth, new VerbFault(VerbFaultAction.None, Delay: delay));

    /// <summary>Forgets every rule and count.</summary>
    public void Clear()
    {
        lock (_gate) _rules.Clear();
        _counts.Clear();
    }

    private FaultScript Add(string verb, int? nth, VerbFault fault)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(verb);
        if (nth is < 1) throw new ArgumentOutOfRangeException(nameof(nth), "counts start at 1");
        lock (_gate) _rules.Add(new Rule(verb.Trim().ToUpperInvariant(), nth, fault));
        return this;
    }

    public VerbFault OnCommand(string protocol, string verb, int sessionUse)
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
