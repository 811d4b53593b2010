using System.Text;

namespace Protocols.Net;

/// <summary>
/// Keeps a protocol log in memory, for tests: the redacted bytes of each direction as they came, the connect URIs,
/// and the text <see cref="TextProtocolLogger"/> would have printed, as <see cref="Lines"/>. Thread-safe.
/// </summary>
public sealed class MemoryProtocolLogger : IProtocolLogger
{
    private readonly Lock _lock = new();
    private readonly MemoryStream _client = new();
    private readonly MemoryStream _server = new();
    private readonly List<Uri> _connects = [];
    private readonly StringWriter _text = new() { NewLine = "\n" };
    private readonly TextProtocolLogger _format;

    public MemoryProtocolLogger(string clientPrefix = "C: ", string serverPrefix = "S: ") =>
        _format = new TextProtocolLogger(_text, clientPrefix, serverPrefix);

    /// <summary>Every byte logged as sent, in order.</summary>
    public byte[] ClientBytes
    {
        get { lock (_lock) return _client.ToArray(); }
    }

    /// <summary>Every byte logged as received, in order.</summary>
    public byte[] ServerBytes
    {
        get { lock (_lock) return _server.ToArray(); }
    }

    /// <summary>What <see cref="IProtocolLogger.LogConnect"/> was called with.</summary>
    public IReadOnlyList<Uri> Connects
    {
        get { lock (_lock) return [.. _connects]; }
    }

    /// <summary>The log as text lines (<c>C: </c>, <c>S: </c>, <c>* </c>); a line still open comes last.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            var text = ToString();
            return text.Length == 0 ? [] : text.TrimEnd('\n').Split('\n');
        }
    }

    public void LogConnect(Uri uri)
    {
        lock (_lock)
        {
            _connects.Add(uri);
            _format.LogConnect(uri);
        }
    }

    public void LogClient(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            _client.Write(data);
            _format.LogClient(data);
        }
    }

    public void LogServer(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            _server.Write(data);
            _format.LogServer(data);
        }
    }

    public void LogInfo(string text)
    {
        lock (_lock) _format.LogInfo(text);
    }

    /// <summary>The whole log as text, lines ended by <c>\n</c>.</summary>
    public override string ToString()
    {
        lock (_lock) return _text.ToString();
    }

    /// <summary>All the bytes of both directions and the text, decoded, in one string: what a test searches for a secret.</summary>
    public string Everything()
    {
        lock (_lock) return Encoding.UTF8.GetString(_client.ToArray()) + "\n" + Encoding.UTF8.GetString(_server.ToArray()) + "\n" + _text;
    }
}
