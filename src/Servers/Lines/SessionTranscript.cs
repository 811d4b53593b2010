using System.Text;

namespace Protocols.Servers.Lines;

/// <summary>
/// A session's commands and replies as text (<c>C: EHLO x</c>, <c>S: 250 ok</c>), secrets redacted as in the Trace
/// log, bounded: past <see cref="MaxLength"/> characters it keeps the start and says it was cut. Stored with each
/// captured message (what smtp4dev calls Sessions): <see cref="TakeForMessage"/> gives the session's opening (up to
/// its first MAIL) and everything since the previous message, so a message late in a reused connection carries its
/// own transaction, not the first 32 KiB of the session (which cost more to store than a 10 KiB message).
/// </summary>
public sealed class SessionTranscript
{
    /// <summary>Most characters kept. Default 32 KiB: a long session of small commands, not an attacker's flood.</summary>
    public const int MaxLength = 32 * 1024;

    private readonly StringBuilder _text = new(512); // a one-message session's transcript in one chunk
    private bool _cut;
    private int _opening = -1; // length of the text before the first MAIL command, once seen
    private int _taken; // messages taken so far

    /// <summary>The first MAIL command starts the transactions; what came before it is the opening every message keeps.</summary>
    private static ReadOnlySpan<byte> Mail => "MAIL "u8;

    public void Client(string line) => Add("C: ", line);

    public void Server(string line) => Add("S: ", line);

    /// <summary>A command line as received (UTF-8), with no string made for it.</summary>
    public void Client(ReadOnlySpan<byte> line) => Add("C: ", line);

    /// <summary>A reply line as sent (UTF-8), with no string made for it.</summary>
    public void Server(ReadOnlySpan<byte> line) => Add("S: ", line);

    private void Add(string prefix, ReadOnlySpan<byte> line)
    {
        if (_opening < 0 && prefix == "C: " && line.Length >= Mail.Length && Ascii.EqualsIgnoreCase(line[..Mail.Length], Mail)) _opening = _text.Length;
        var length = Encoding.UTF8.GetCharCount(line);
        if (!Fits(prefix, length)) return;
        Span<char> chars = length <= 256 ? stackalloc char[length] : new char[length];
        Encoding.UTF8.GetChars(line, chars);
        _text.Append(prefix).Append(chars).Append("\r\n");
    }

    private void Add(string prefix, string line)
    {
        if (_opening < 0 && prefix == "C: " && line.StartsWith("MAIL ", StringComparison.OrdinalIgnoreCase)) _opening = _text.Length;
        if (Fits(prefix, line.Length)) _text.Append(prefix).Append(line).Append("\r\n");
    }

    // Whether a line of this many characters still fits; the first one that does not ends the transcript with a note.
    private bool Fits(string prefix, int length)
    {
        if (_cut) return false;
        if (_text.Length + prefix.Length + length + 2 <= MaxLength) return true;
        _text.Append("... (transcript cut at ").Append(MaxLength).Append(" characters)\r\n");
        _cut = true;
        return false;
    }

    public override string ToString() => _text.ToString();

    /// <summary>The transcript for the message whose data just ended: the opening, a note of how many earlier messages
    /// of the session were left out, and what followed the previous message. Then forgets that part, so the next
    /// message starts again from the opening (and the cap applies per message, not per session).</summary>
    public string TakeForMessage()
    {
        var text = _text.ToString();
        _taken++;
        if (_opening >= 0)
        {
            _text.Length = _opening;
            _cut = false;
            _text.Append("... (").Append(_taken).Append(_taken == 1 ? " earlier message" : " earlier messages").Append(" of this session left out)\r\n");
        }
        return text;
    }
}
