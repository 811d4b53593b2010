namespace Protocols.Http;

/// <summary>Which request follows a redirect (RFC 9110 §15.4), or null to hand the 3xx response to the caller.</summary>
internal static class Redirects
{
    public static HttpRequest? Next(HttpRequest current, HttpResponse response, HttpClientOptions options)
    {
        if (response.StatusCode is not (301 or 302 or 303 or 307 or 308)) return null;
        if (response.Headers.Get("Location") is not { Length: > 0 } location) return null;
        if (!Uri.TryCreate(current.Uri, location, out var target) || target.Scheme is not ("http" or "https")) return null;
        if (current.Uri.Scheme == "https" && target.Scheme == "http" && !options.AllowHttpsToHttpRedirect) return null;

        // 301/302: POST becomes GET, as every browser and curl do (RFC 9110 §15.4.2 allows it); 303: GET (HEAD stays HEAD);
        // 307/308: same method and body.
        var (method, keepBody) = response.StatusCode switch
        {
            301 or 302 => current.Method == "POST" ? ("GET", false) : (current.Method, true),
            303 => current.Method == "HEAD" ? ("HEAD", false) : ("GET", false),
            _ => (current.Method, true),
        };
        if (keepBody && current.Body is { CanReplay: false }) return null;
        if (string.IsNullOrEmpty(target.Fragment) && !string.IsNullOrEmpty(current.Uri.Fragment))
            target = new UriBuilder(target) { Fragment = current.Uri.Fragment[1..] }.Uri;

        var next = current.With(method, target, keepBody);
        if (HttpOrigin.From(target) != HttpOrigin.From(current.Uri))
        {
            // Credentials meant for one origin never go to another; a Host set by hand named the old one.
            next.Headers.Remove("Host");
            next.Headers.Remove("Authorization");
            next.Headers.Remove("Proxy-Authorization");
            next.Headers.Remove("Cookie");
        }
        return next;
    }
}
