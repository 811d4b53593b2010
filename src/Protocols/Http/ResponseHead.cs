namespace Protocols.Http;

/// <summary>A parsed response head: status line and header fields.</summary>
public sealed class ResponseHead
{
    internal ResponseHead(Version version, int statusCode, string reasonPhrase, HttpFields headers, long length)
    {
        Version = version;
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        Headers = headers;
        Length = length;
    }

    /// <summary>HTTP/1.0 or HTTP/1.1.</summary>
    public Version Version { get; }

    /// <summary>The three-digit status code, 100 to 599.</summary>
    public int StatusCode { get; }

    /// <summary>The reason phrase; may be empty.</summary>
    public string ReasonPhrase { get; }

    /// <summary>The header fields, in order.</summary>
    public HttpFields Headers { get; }

    /// <summary>Bytes of the head on the wire, through the empty line.</summary>
    public long Length { get; }
}
