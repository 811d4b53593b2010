namespace Protocols.Servers.Testing;

/// <summary>A registered stub: its matcher, its response, and how many requests it answered.</summary>
public sealed class HttpStub
{
    private int _hits;

    internal HttpStub(HttpRequestMatcher matcher, HttpStubResponse response)
    {
        Matcher = matcher;
        Response = response;
    }

    public HttpRequestMatcher Matcher { get; }

    public HttpStubResponse Response { get; }

    /// <summary>Requests answered by this stub so far.</summary>
    public int Hits => Volatile.Read(ref _hits);

    internal void Hit() => Interlocked.Increment(ref _hits);

    public override string ToString() => Matcher.ToString();
}

/// <summary>The second half of <c>server.Stub(match).Respond(...)</c>.</summary>
public sealed class HttpStubBuilder
{
    private readonly HttpTestServer _server;
    private readonly HttpRequestMatcher _matcher;

    internal HttpStubBuilder(HttpTestServer server, HttpRequestMatcher matcher)
    {
        _server = server;
        _matcher = matcher;
    }

    /// <summary>Answers with <paramref name="status"/> and a text body.</summary>
    public HttpStub Respond(int status, string? body = null, string contentType = "text/plain; charset=utf-8")
    {
        var response = new HttpStubResponse().Status(status);
        if (body is not null) response.Body(body, contentType);
        return _server.Add(new HttpStub(_matcher, response));
    }

    /// <summary>Answers with the response <paramref name="configure"/> builds.</summary>
    public HttpStub Respond(Action<HttpStubResponse> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var response = new HttpStubResponse();
        configure(response);
        return _server.Add(new HttpStub(_matcher, response));
    }

    /// <summary>Answers with JSON.</summary>
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode("Serializes by reflection.")]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode("Serializes by reflection.")]
    public HttpStub RespondJson<T>(T value, int status = 200) => Respond(r => r.Status(status).Json(value));

    /// <summary>Misbehaves.</summary>
    public HttpStub Fault(HttpFault fault) => Respond(r => r.Fault(fault));
}
