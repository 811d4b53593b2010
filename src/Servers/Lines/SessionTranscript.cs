using System.Text;

namespace Protocols.Servers.Lines;

/// <summary>
/// A session's commands and replies as text (<c>C: EHLO x</c>, <c>S: 250 ok</c>), secrets redacted as in the Trace
/// log, bounded: past <see cref="MaxLength"/> characters it keeps the start and says it was cut. Stored with each
/// captured message (what smtp4dev calls Sessions).
/// </summary>
public sealed class SessionTranscript
{
    /// <summary>Most characters kept. Default 32 KiB: a long session of small commands, not an attacker's flood.</summary>
    public const int MaxLength = 32 * 1024;

    private readonly StringBuilder _text = new();
    private bool _cut;

    public void Client(string line) => Add("C: ", line);

    public void Server(string line) => Add("S: ", line);

    private void Add(string prefix, string line)
    {
        if (_cut) return;
        if (_text.Length + prefix.Length + line.Length + 2 > MaxLength)
        {
            _text.Append("... (transcript cut at ").Append(MaxLength).Append(" characters)\r\n");
            _cut = true;
            return;
        }
        _text.Append(prefix).Append(line).Append("\r\n");
    }

    public override string ToString() => _text.ToString();
}
