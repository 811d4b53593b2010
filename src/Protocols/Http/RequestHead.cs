using Protocols.Net;

namespace Protocols.Http;

/// <summary>Writes the request line and header fields (RFC 9112 §3), and the transcript of them.</summary>
internal static class RequestHead
{
    /// <summary>Buffers the head; returns true when the body goes chunked.</summary>
    public static bool Write(ConnectionWriter writer, HttpRequest request, HttpClientOptions options)
    {
        var transcript = options.Transcript;
        var uri = request.Uri;
        var target = uri.PathAndQuery.Length == 0 ? "/" : uri.PathAndQuery;
        var lines = new List<(string Name, string Value)>(12);
        if (!request.Headers.Contains("Host")) lines.Add(("Host", uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port}"));
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) continue;
            lines.Add((name, value));
        }
        if (options.UserAgent is { } agent && !request.Headers.Contains("User-Agent")) lines.Add(("User-Agent", agent));
        if (!request.Headers.Contains("Accept")) lines.Add(("Accept", "*/*"));
        if (options.AutomaticDecompression && !request.Headers.Contains("Accept-Encoding")) lines.Add(("Accept-Encoding", Decoding.AcceptEncoding));
        var chunked = false;
        if (request.Body is { } body)
        {
            if (body.ContentType is { } type && !request.Headers.Contains("Content-Type")) lines.Add(("Content-Type", type));
            if (body.Length is { } length) lines.Add(("Content-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            else
            {
                lines.Add(("Transfer-Encoding", "chunked"));
                chunked = true;
            }
        }
        else if (request.Method is "POST" or "PUT" or "PATCH")
        {
            lines.Add(("Content-Length", "0"));
        }

        writer.Write(request.Method);
        writer.Write(" "u8);
        writer.Write(target);
        writer.Write(" HTTP/1.1\r\n"u8);
        foreach (var (name, value) in lines)
        {
            writer.Write(name);
            writer.Write(": "u8);
            writer.Write(value);
            writer.Write("\r\n"u8);
        }
        writer.Write("\r\n"u8);

        if (transcript is not null)
        {
            transcript.Write(TranscriptKind.Request, $"{request.Method} {target} HTTP/1.1");
            foreach (var (name, value) in lines) transcript.Write(TranscriptKind.Request, $"{name}: {(Redaction.IsSecret(name) ? Redaction.Redact(value) : value)}");
            transcript.Write(TranscriptKind.Request, "");
        }
        return chunked;
    }
}
