namespace Protocols.Net;

/// <summary>
/// Receives a client's conversation with its server as the bytes that went over the wire (after TLS, before any
/// parsing): the shape of MailKit's <c>IProtocolLogger</c>. The SMTP, FTP and HTTP clients take one as
/// <c>ProtocolLogger</c>; a connection feeds it through <see cref="Connection.LogTo"/>.
/// <list type="bullet">
/// <item>Secrets are already redacted when the bytes get here (<see cref="ProtocolSecretDetector"/>): no sink ever sees
/// an AUTH response, a PASS or ACCT argument, an Authorization, Proxy-Authorization, Cookie or Set-Cookie value.</item>
/// <item>Client bytes come once per flush, server bytes once per piece the client read (a line, a reply, a head):
/// a call may hold several lines or part of one.</item>
/// <item>Payload (SMTP message data, HTTP bodies) is not passed on; a <see cref="LogInfo"/> line may say how much there was.</item>
/// </list>
/// Calls come from the client's I/O path: return quickly. A sink shared by concurrent connections must be thread-safe.
/// </summary>
public interface IProtocolLogger
{
    /// <summary>The client is opening a connection to <paramref name="uri"/> (<c>smtp://host:25</c>, <c>ftps://host:990</c>, <c>https://host:443</c>).</summary>
    void LogConnect(Uri uri);

    /// <summary>Bytes the client sent, redacted.</summary>
    void LogClient(ReadOnlySpan<byte> data);

    /// <summary>Bytes the client received and read, redacted.</summary>
    void LogServer(ReadOnlySpan<byte> data);

    /// <summary>An event that is not bytes on the wire: TLS is up, a redirect is followed, how much message data went unlogged.</summary>
    void LogInfo(string text);
}

/// <summary>Which protocol's secrets <see cref="ProtocolSecretDetector"/> looks for.</summary>
public enum WireProtocol
{
    /// <summary>AUTH initial responses and the SASL continuation lines after a 334.</summary>
    Smtp,
    /// <summary>The arguments of PASS and ACCT.</summary>
    Ftp,
    /// <summary>The values of Authorization and Proxy-Authorization (the scheme stays), Cookie and Set-Cookie.</summary>
    Http,
}

/// <summary>The URI a client passes to <see cref="IProtocolLogger.LogConnect"/>.</summary>
public static class ProtocolLog
{
    /// <summary><c>scheme://host:port</c>; an IPv6 literal gets its brackets.</summary>
    public static Uri ConnectUri(string scheme, string host, int port) =>
        new UriBuilder(scheme, host.Trim('[', ']'), port).Uri;
}
