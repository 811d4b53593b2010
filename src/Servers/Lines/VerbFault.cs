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
/// protocol, the verb in upper case and its use count in this session; also at the session's stages that are no
/// command (<see cref="FaultStages.Connect"/>, <see cref="FaultStages.AfterData"/>). Test servers and the runtime API use
/// <see cref="FaultScript"/>; a protocol never branches on faults itself.
/// </summary>
public interface IVerbInterceptor
{
    VerbFault OnCommand(string protocol, string verb, int sessionUse);

    /// <summary>The same, with the command's argument and the session's sender (SMTP: the MAIL FROM address, null before it),
    /// for rules that match addresses. By default the overload without them.</summary>
    VerbFault OnCommand(string protocol, string verb, int sessionUse, string argument, string? sender) => OnCommand(protocol, verb, sessionUse);
}

/// <summary>The names under which the kernel consults the interceptor at stages that are no command.</summary>
public static class FaultStages
{
    /// <summary>Before the greeting: a reply here is sent instead of it and ends the session.</summary>
    public const string Connect = "CONNECT";

    /// <summary>After a message's data (SMTP's final dot or BDAT LAST), before it is stored: a reply here is sent instead of the 250 and the message is not kept.</summary>
    public const string AfterData = "AFTER-DATA";
}

/// <summary>
/// Scripted faults: reply a code to the n-th use of a verb, drop the connection on or after a verb, delay a verb; a rule
/// may fire with a probability and only for given senders or recipients (<see cref="FaultRule"/>). Counts are per rule
/// (across connections, counting the commands the rule's verb and addresses match) and start at 1; <see cref="Clear"/>
/// forgets rules and counts. Thread-safe: rules may be added or replaced while sessions run.
/// </summary>
public class FaultScript : IVerbInterceptor
{
    private readonly List<Counted> _rules = [];
    private readonly Lock _gate = new();

    private sealed class Counted(FaultRule rule)
    {
        public FaultRule Rule { get; } = rule;
        public int Count { get; set; }
    }

    /// <summary>Answers the <paramref name="nth"/> use of <paramref name="verb"/> (every use when null) with <paramref name="code"/>.
    /// A closing code (SMTP/FTP 421) also ends the session.</summary>
    public FaultScript Reply(string verb, int code, string text = "Scripted failure", int? nth = null, string? enhancedCode = null) =>
        Add(new FaultRule(verb, new VerbFault(VerbFaultAction.Reply, code, text, enhancedCode)) { Nth = nth });

    /// <summary>Drops the connection, without a reply, when <paramref name="verb"/> arrives.</summary>
    public FaultScript DisconnectOn(string verb, int? nth = null) => Add(new FaultRule(verb, new VerbFault(VerbFaultAction.Disconnect)) { Nth = nth });

    /// <summary>Handles <paramref name="verb"/>, sends the reply, then drops the connection.</summary>
    public FaultScript DisconnectAfter(string verb, int? nth = null) => Add(new FaultRule(verb, new VerbFault(VerbFaultAction.DisconnectAfter)) { Nth = nth });

    /// <summary>Waits <paramref name="delay"/> before handling <paramref name="verb"/>.</summary>
    public FaultScript Delay(string verb, TimeSpan delay, int? nth = null) =>
        Add(new FaultRule(verb, new VerbFault(VerbFaultAction.None, Delay: delay)) { Nth = nth });

    /// <summary>Adds a rule (checked: a verb, counts from 1, a probability in 0..1).</summary>
    public FaultScript Add(FaultRule rule)
    {
        var counted = new Counted(FaultRule.Checked(rule));
        lock (_gate) _rules.Add(counted);
        return this;
    }

    /// <summary>Replaces every rule (counts start again), atomically for sessions running.</summary>
    public void Replace(IEnumerable<FaultRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var counted = rules.Select(r => new Counted(FaultRule.Checked(r))).ToList();
        lock (_gate)
        {
            _rules.Clear();
            _rules.AddRange(counted);
        }
    }

    /// <summary>The rules in force, in order.</summary>
    public IReadOnlyList<FaultRule> Rules
    {
        get { lock (_gate) return [.. _rules.Select(r => r.Rule)]; }
    }

    /// <summary>Forgets every rule and count.</summary>
    public void Clear()
    {
        lock (_gate) _rules.Clear();
    }

    public VerbFault OnCommand(string protocol, string verb, int sessionUse) => OnCommand(protocol, verb, sessionUse, "", null);

    public VerbFault OnCommand(string protocol, string verb, int sessionUse, string argument, string? sender)
    {
        if (verb.Length == 0) return default;
        VerbFault? fired = null;
        lock (_gate)
        {
            foreach (var counted in _rules)
            {
                var rule = counted.Rule;
                if (rule.Verb != verb || !rule.Matches(argument, sender)) continue;
                var count = ++counted.Count;
                if (fired is null && (rule.Nth is null || rule.Nth == count) && rule.Fires()) fired = rule.Fault;
            }
        }
        return fired ?? default;
    }
}
