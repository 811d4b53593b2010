using Protocols.Net;

namespace Protocols.Http;

/// <summary>Writes the request line and header fields (RFC 9112 §3).</summary>
internal static class RequestHead
{
    /// <summary>Buffers the head; returns true when the body goes chunked.</summary>
    public static bool Write(ConnectionWriter writer, HttpRequest request, HttpClientOptions options)
    {
        var uri = request.Uri;
        var target = uri.PathAndQuery.Length == 0 ? "/" : uri.PathAndQuery;
        var head = new Lines(writer);
        writer.Write(request.Method);
        writer.Write(" "u8);
        writer.Write(target);
        writer.Write(" HTTP/1.1\r\n"u8);

        if (!request.Headers.Contains("Host"))
        {
            if (uri.IsDefaultPort) head.Add("Host", uri.IdnHost);
            else head.AddHostAndPort(uri.IdnHost, uri.Port);
        }
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) continue;
            head.Add(name, value);
        }
        if (options.UserAgent is { } agent && !request.Headers.Contains("User-Agent")) head.Add("User-Agent", agent);
        if (!request.Headers.Contains("Accept")) head.Add("Accept", "*/*");
        if (options.AutomaticDecompression && !request.Headers.Contains("Accept-Encoding")) head.Add("Accept-Encoding", Decoding.AcceptEncoding);
        var chunked = false;
        if (request.Body is { } body)
        {
            if (body.ContentType is { } type && !request.Headers.Contains("Content-Type")) head.Add("Content-Type", type);
            if (body.Length is { } length) head.Add("Content-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            else
            {
                head.Add("Transfer-Encoding", "chunked");
                chunked = true;
            }
        }
        else if (request.Method is "POST" or "PUT" or "PATCH")
        {
            head.Add("Content-Length", "0");
        }
        writer.Write("\r\n"u8);
        return chunked;
    }

    /// <summary>Writes field lines straight into the send buffer.</summary>
    private readonly struct Lines(ConnectionWriter writer)
    {
        public void Add(string name, string value)
        {
            writer.Write(name);
            writer.Write(": "u8);
            writer.Write(value);
            writer.Write("\r\n"u8);
        }

        public void AddHostAndPort(string host, int port)
        {
            writer.Write("Host: "u8);
            writer.Write(host);
            Span<byte> digits = stackalloc byte[12];
            digits[0] = (byte)':';
            port.TryFormat(digits[1..], out var length, default, System.Globalization.CultureInfo.InvariantCulture);
            writer.Write(digits[..(length + 1)]);
            writer.Write("\r\n"u8);
        }
    }
}
