namespace Protocols.Http;

/// <summary>One HTTP request: method, absolute URL, header fields, an optional body and trailers.</summary>
public sealed class HttpRequest
{
    public HttpRequest(string method, Uri uri)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        foreach (var c in method)
        {
            if (c > 127 || !HttpSyntax.IsTokenChar((byte)c)) throw new ArgumentException($"'{method}' is not a valid method", nameof(method));
        }
        HttpOrigin.From(uri);
        Method = method;
        Uri = uri;
    }

    public HttpRequest(string method, string url) : this(method, new Uri(url, UriKind.Absolute)) { }

    /// <summary>GET, HEAD, POST, PUT, DELETE, ... (case-sensitive, RFC 9110 §9.1).</summary>
    public string Method { get; }

    /// <summary>The absolute http or https URL.</summary>
    public Uri Uri { get; }

    /// <summary>Header fields to send. Host, Content-Length and Transfer-Encoding are set by the client.</summary>
    public HttpFields Headers { get; } = new();

    /// <summary>The body, or null for none.</summary>
    public RequestBody? Body { get; set; }

    /// <summary>Trailer fields sent after a chunked body (a body of unknown length); null for none.</summary>
    public HttpFields? Trailers { get; set; }

    /// <summary>Told the running count of body bytes sent.</summary>
    public IProgress<long>? UploadProgress { get; set; }

    /// <summary>A copy with another method and URL, keeping the headers (for redirects).</summary>
    internal HttpRequest With(string method, Uri uri, bool keepBody)
    {
        var copy = new HttpRequest(method, uri) { UploadProgress = UploadProgress };
        foreach (var (name, value) in Headers) copy.Headers.AddUnchecked(name, value);
        if (keepBody)
        {
            copy.Body = Body;
            copy.Trailers = Trailers;
        }
        else
        {
            copy.Headers.Remove("Content-Type");
            copy.Headers.Remove("Content-Encoding");
            copy.Headers.Remove("Content-Language");
            copy.Headers.Remove("Content-Location");
        }
        return copy;
    }
}
