using System.Text;

namespace Protocols.Servers.Testing;

/// <summary>Which requests a stub answers: method, path (exact or prefix), headers, query, body. All conditions must hold.</summary>
public sealed class HttpRequestMatcher
{
    private readonly List<Func<HttpRecordedRequest, bool>> _conditions = [];
    private readonly List<string> _description = [];

    public HttpRequestMatcher Method(string method) =>
        Add($"method {method}", r => string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase));

    public HttpRequestMatcher Path(string path) => Add($"path {path}", r => r.Path == path);

    public HttpRequestMatcher PathPrefix(string prefix) =>
        Add($"path {prefix}*", r => r.Path.StartsWith(prefix, StringComparison.Ordinal));

    public HttpRequestMatcher Get(string path) => Method("GET").Path(path);

    public HttpRequestMatcher Head(string path) => Method("HEAD").Path(path);

    public HttpRequestMatcher Post(string path) => Method("POST").Path(path);

    public HttpRequestMatcher Put(string path) => Method("PUT").Path(path);

    public HttpRequestMatcher Delete(string path) => Method("DELETE").Path(path);

    public HttpRequestMatcher Patch(string path) => Method("PATCH").Path(path);

    /// <summary>The header is present (any value), or equals <paramref name="value"/> when given.</summary>
    public HttpRequestMatcher Header(string name, string? value = null) =>
        Add($"header {name}{(value is null ? "" : ": " + value)}",
            r => r.Headers.TryGetValue(name, out var actual) && (value is null || actual == value));

    public HttpRequestMatcher Query(string name, string value) => Add($"query {name}={value}", r => r.Query(name) == value);

    public HttpRequestMatcher BodyContains(string text) =>
        Add($"body contains \"{text}\"", r => r.BodyText.Contains(text, StringComparison.Ordinal));

    public HttpRequestMatcher Body(string exact) => Add("body equals", r => r.Body.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(exact)));

    public HttpRequestMatcher Where(Func<HttpRecordedRequest, bool> predicate, string description = "predicate") =>
        Add(description, predicate);

    internal bool Matches(HttpRecordedRequest request) => _conditions.TrueForAll(c => c(request));

    public override string ToString() => _description.Count == 0 ? "any request" : string.Join(", ", _description);

    private HttpRequestMatcher Add(string description, Func<HttpRecordedRequest, bool> condition)
    {
        _description.Add(description);
        _conditions.Add(condition);
        return this;
    }
}
