namespace Protocols.Http;

/// <summary>What a transcript line is: a connection event, a request head line we sent, a response head line we got.</summary>
public enum TranscriptKind
{
    /// <summary><c>* </c> connection events.</summary>
    Info,
    /// <summary><c>&gt; </c> a line of the request head.</summary>
    Request,
    /// <summary><c>&lt; </c> a line of the response head.</summary>
    Response,
}

/// <summary>Receives the wire transcript (curl -v style). Secrets are redacted before they get here.</summary>
public interface IHttpTranscript
{
    void Write(TranscriptKind kind, string line);
}

/// <summary>Writes the transcript to a <see cref="TextWriter"/> as curl -v does: <c>* </c>, <c>&gt; </c>, <c>&lt; </c>.</summary>
public sealed class TextWriterTranscript(TextWriter writer) : IHttpTranscript
{
    private readonly Lock _lock = new();

    public void Write(TranscriptKind kind, string line)
    {
        var prefix = kind switch { TranscriptKind.Request => "> ", TranscriptKind.Response => "< ", _ => "* " };
        lock (_lock) writer.WriteLine(prefix + line);
    }
}

/// <summary>Keeps the transcript in memory (tests, logs).</summary>
public sealed class MemoryTranscript : IHttpTranscript
{
    private readonly Lock _lock = new();
    private readonly List<(TranscriptKind Kind, string Line)> _lines = [];

    public IReadOnlyList<(TranscriptKind Kind, string Line)> Lines
    {
        get { lock (_lock) return [.. _lines]; }
    }

    public void Write(TranscriptKind kind, string line)
    {
        lock (_lock) _lines.Add((kind, line));
    }

    public override string ToString()
    {
        lock (_lock)
            return string.Join('\n', _lines.Select(l => (l.Kind switch { TranscriptKind.Request => "> ", TranscriptKind.Response => "< ", _ => "* " }) + l.Line));
    }
}

internal static class Redaction
{
    /// <summary>Header fields whose values never reach a transcript.</summary>
    public static bool IsSecret(string name) =>
        name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase);

    /// <summary>Keeps the scheme (<c>Basic</c>, <c>Bearer</c>) and hides the credentials.</summary>
    public static string Redact(string value)
    {
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 ? value[..space] + " [redacted]" : "[redacted]";
    }
}
