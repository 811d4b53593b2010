using Protocols.Net;

namespace Protocols.Http;

/// <summary>Why a server's response could not be read. Each value maps to one message in <see cref="HttpProtocolException"/>.</summary>
public enum HttpError
{
    /// <summary>The status line is not <c>HTTP/1.x NNN reason</c>.</summary>
    BadStatusLine,
    /// <summary>The response is not HTTP/1.0 or HTTP/1.1.</summary>
    UnsupportedVersion,
    /// <summary>A header line is malformed (no colon, space before the colon, a control character, a bad name).</summary>
    BadHeader,
    /// <summary>A line ended in a bare LF and bare LFs are not accepted.</summary>
    BareLineFeed,
    /// <summary>One line of the head is longer than the limit.</summary>
    LineTooLong,
    /// <summary>The whole head (status line and headers) is longer than the limit.</summary>
    HeadTooLarge,
    /// <summary>More header fields than the limit.</summary>
    TooManyHeaders,
    /// <summary>Content-Length is not a number, or two differ.</summary>
    BadContentLength,
    /// <summary>A chunk size line or the CRLF after chunk data is malformed.</summary>
    BadChunk,
    /// <summary>The connection ended before the head or the body was complete.</summary>
    Truncated,
    /// <summary>TLS negotiated an application protocol other than http/1.1.</summary>
    BadAlpn,
    /// <summary>A Transfer-Encoding other than chunked as the final coding.</summary>
    UnsupportedTransferEncoding,
}

/// <summary>
/// The server broke HTTP/1.1 (or the connection ended mid-message): the connection is closed and not reused.
/// The name matches <c>System.Net.Http.HttpProtocolException</c>; where both namespaces are imported, catch
/// <see cref="ProtocolException"/> or alias this type.
/// </summary>
public class HttpProtocolException : ProtocolException
{
    public HttpProtocolException(HttpError error, string message, Exception? inner = null) : base(message, inner) => Error = error;

    public HttpProtocolException() { }
    public HttpProtocolException(string message) : base(message) { }
    public HttpProtocolException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>What went wrong.</summary>
    public HttpError Error { get; }

    internal static HttpProtocolException Throw(HttpError error, string detail, Exception? inner = null) =>
        throw new HttpProtocolException(error, detail, inner);
}

/// <summary>A helper that wants a successful response (<c>GetBytesAsync</c>, <c>DownloadAsync</c>) got a status of 400 or more.</summary>
public class HttpStatusException : IOException
{
    public HttpStatusException(int statusCode, string? reasonPhrase, Uri? uri)
        : base($"{(uri is null ? "the server" : uri.ToString())} answered {statusCode} {reasonPhrase}".TrimEnd())
    {
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
    }

    public HttpStatusException() { }
    public HttpStatusException(string message) : base(message) { }
    public HttpStatusException(string message, Exception? inner) : base(message, inner) { }

    public int StatusCode { get; }
    public string? ReasonPhrase { get; }
}

/// <summary>More redirects than <see cref="HttpClientOptions.MaxRedirects"/> were offered.</summary>
public class HttpRedirectLimitException : IOException
{
    public HttpRedirectLimitException(int limit, Uri last) : base($"more than {limit} redirects (the last to {last})") => Limit = limit;

    public HttpRedirectLimitException() { }
    public HttpRedirectLimitException(string message) : base(message) { }
    public HttpRedirectLimitException(string message, Exception? inner) : base(message, inner) { }

    public int Limit { get; }
}
