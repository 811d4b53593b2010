using System.Text;

namespace Protocols.Net;

/// <summary>
/// Writes a protocol log as text, one line per protocol line: <c>C: EHLO x</c>, <c>S: 250 ok</c>, <c>* info</c>
/// (swaks and MailKit style; pass <c>"&gt; "</c> and <c>"&lt; "</c> for curl's). Bytes are read as UTF-8, CRs
/// dropped; a line split over several calls is printed as one. Thread-safe: each call holds a lock.
/// </summary>
public sealed class TextProtocolLogger : IProtocolLogger, IDisposable
{
    private readonly Lock _lock = new();
    private readonly TextWriter _writer;
    private readonly bool _ownsWriter;
    private readonly string _clientPrefix;
    private readonly string _serverPrefix;
    private readonly Decoder _clientDecoder = new UTF8Encoding(false).GetDecoder();
    private readonly Decoder _serverDecoder = new UTF8Encoding(false).GetDecoder();
    private char[] _chars = new char[512];
    private Side _midline;

    /// <summary>Writes to <paramref name="writer"/>, which stays the caller's.</summary>
    public TextProtocolLogger(TextWriter writer, string clientPrefix = "C: ", string serverPrefix = "S: ")
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(clientPrefix);
        ArgumentNullException.ThrowIfNull(serverPrefix);
        _writer = writer;
        _clientPrefix = clientPrefix;
        _serverPrefix = serverPrefix;
    }

    /// <summary>Writes to a file (UTF-8, flushed after each call), appended to unless <paramref name="append"/> is false; dispose to close it.</summary>
    public TextProtocolLogger(string path, bool append = true, string clientPrefix = "C: ", string serverPrefix = "S: ")
        : this(new StreamWriter(path, append, new UTF8Encoding(false)) { AutoFlush = true }, clientPrefix, serverPrefix)
    {
        _ownsWriter = true;
    }

    public void LogConnect(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        LogInfo($"connecting to {uri.Scheme}://{uri.Host}:{uri.Port}");
    }

    public void LogClient(ReadOnlySpan<byte> data) => Write(Side.Client, data);

    public void LogServer(ReadOnlySpan<byte> data) => Write(Side.Server, data);

    public void LogInfo(string text)
    {
        lock (_lock)
        {
            EndLine();
            _writer.Write("* ");
            _writer.WriteLine(text);
        }
    }

    private void Write(Side side, ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            var decoder = side == Side.Client ? _clientDecoder : _serverDecoder;
            var needed = decoder.GetCharCount(data, flush: false);
            if (_chars.Length < needed) _chars = new char[Math.Max(needed, _chars.Length * 2)];
            var text = _chars.AsSpan(0, decoder.GetChars(data, _chars, flush: false));
            while (!text.IsEmpty)
            {
                var lf = text.IndexOf('\n');
                var piece = lf < 0 ? text : text[..lf];
                if (_midline != side)
                {
                    EndLine();
                    _writer.Write(side == Side.Client ? _clientPrefix : _serverPrefix);
                    _midline = side;
                }
                foreach (var run in piece.Split('\r')) _writer.Write(piece[run]);
                if (lf < 0) break;
                _writer.WriteLine();
                _midline = Side.None;
                text = text[(lf + 1)..];
            }
        }
    }

    /// <summary>Ends a line the other side (or an info line) interrupts.</summary>
    private void EndLine()
    {
        if (_midline == Side.None) return;
        _writer.WriteLine();
        _midline = Side.None;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_ownsWriter) _writer.Dispose();
        }
    }

    private enum Side { None, Client, Server }
}
