using System.Net;
using System.Text;

namespace Protocols.Servers.Testing;

/// <summary>One request as the test server received it.</summary>
public sealed class HttpRecordedRequest
{
    internal HttpRecordedRequest(string method, string path, string queryString, IReadOnlyDictionary<string, string> headers,
        byte[] body, IPEndPoint? remoteEndPoint, DateTimeOffset receivedAt, long sequence)
    {
        Method = method;
        Path = path;
        QueryString = queryString;
        Headers = headers;
        Body = body;
        RemoteEndPoint = remoteEndPoint;
        ReceivedAt = receivedAt;
        Sequence = sequence;
    }

    public string Method { get; }

    /// <summary>The decoded path, for example <c>/api/items</c>.</summary>
    public string Path { get; }

    /// <summary>The raw query string with its <c>?</c>, or empty.</summary>
    public string QueryString { get; }

    /// <summary>Request headers, case-insensitive names; repeated headers joined with ", ".</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The request body, whole.</summary>
    public byte[] Body { get; }

    /// <summary>The body decoded as UTF-8.</summary>
    public string BodyText => Encoding.UTF8.GetString(Body);

    public IPEndPoint? RemoteEndPoint { get; }

    public DateTimeOffset ReceivedAt { get; }

    /// <summary>1 for the first request since start or <see cref="HttpTestServer.Reset"/>, then 2, 3...</summary>
    public long Sequence { get; }

    /// <summary>The value of header <paramref name="name"/>, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The first value of query parameter <paramref name="name"/>, or null.</summary>
    public string? Query(string name)
    {
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(QueryString);
        return query.TryGetValue(name, out var value) ? value.ToString() : null;
    }

    public override string ToString() => $"{Method} {Path}{QueryString}";
}
