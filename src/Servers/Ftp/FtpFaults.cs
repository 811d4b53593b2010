using Protocols.Servers.Lines;

namespace Protocols.Servers.Ftp;

/// <summary>
/// Scripted faults for tests: the kernel's <see cref="FaultScript"/> around FTP's verb table (reply a code to the Nth
/// use of any verb, delay it, drop the connection on or after it; counts per rule, across connections, from 1), plus
/// what is FTP's own: a download's data connection cut after N bytes, and a notice when an upload completes.
/// <code>
/// faults.Reply("STOR", 452, "Insufficient storage space.", nth: 2); // the 2nd STOR fails, the 1st and 3rd store
/// faults.Delay("LIST", TimeSpan.FromSeconds(2));
/// faults.DisconnectOn("RETR");
/// </code>
/// </summary>
public sealed class FtpFaults : FaultScript
{
    private (int Nth, int Code, string Text)? _replyToStor;

    /// <summary>
    /// Answer the Nth STOR, APPE and STOU with this reply instead of storing: a shim that adds the kernel rules
    /// <c>Reply(verb, Code, Text, nth: Nth)</c> for each of the three verbs (counted per verb, across connections, like
    /// every rule). Setting it again replaces those rules (the other rules' counts start again); null removes them.
    /// </summary>
    public (int Nth, int Code, string Text)? ReplyToStor
    {
        get => _replyToStor;
        set
        {
            if (value is { Nth: < 1 }) throw new ArgumentOutOfRangeException(nameof(value), "counts start at 1");
            if (_replyToStor is { } old)
            {
                var shim = StorRules(old);
                Replace(Rules.Where(r => !shim.Contains(r)));
            }
            _replyToStor = value;
            if (value is { } fault)
            {
                foreach (var rule in StorRules(fault)) Add(rule);
            }
        }
    }

    /// <summary>Cut every download's data connection after this many bytes (the client sees a short file and 426).</summary>
    public long? DropDataAfterBytes { get; set; }

    /// <summary>Raised when an upload completes, with its virtual path.</summary>
    public event Action<string>? Stored;

    internal void OnStored(string path) => Stored?.Invoke(path);

    private static FaultRule[] StorRules((int Nth, int Code, string Text) fault) =>
        [.. new[] { "STOR", "APPE", "STOU" }.Select(verb => new FaultRule(verb, new VerbFault(VerbFaultAction.Reply, fault.Code, fault.Text)) { Nth = fault.Nth })];
}
