namespace Protocols.Smtp;

/// <summary>Receives the protocol transcript. AUTH secrets are redacted before they get here.</summary>
public interface ISmtpProtocolLogger
{
    /// <summary>A line the client sent (without CRLF).</summary>
    void LogClient(string line);

    /// <summary>A line the server sent (without CRLF).</summary>
    void LogServer(string line);

    /// <summary>Something that is not a protocol line (connect, TLS, data summary).</summary>
    void LogInfo(string text) { }
}

/// <summary>Writes "C: ", "S: " and "* " lines to a <see cref="TextWriter"/> (swaks/curl -v style).</summary>
public sealed class TextSmtpProtocolLogger(TextWriter writer) : ISmtpProtocolLogger
{
    public void LogClient(string line) => writer.WriteLine("C: " + line);
    public void LogServer(string line) => writer.WriteLine("S: " + line);
    public void LogInfo(string text) => writer.WriteLine("* " + text);
}
