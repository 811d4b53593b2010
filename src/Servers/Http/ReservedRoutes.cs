using Microsoft.AspNetCore.Http;

namespace Protocols.Servers.Http;

/// <summary>
/// The path prefix <c>/_proto/</c> never maps to files: other components (the captured-mail page and API) mount
/// their handlers under it. <c>Map("mail", handler)</c> takes <c>/_proto/mail</c> and everything below it; the
/// handler sees <c>PathBase = /_proto/mail</c> and the rest in <c>Path</c>. <c>/_proto/</c> itself is a small index of
/// the mapped names; other unmapped paths under the prefix get 404.
/// Safe to call while serving.
/// </summary>
public sealed class ReservedRoutes
{
    /// <summary>The reserved prefix, with its slashes.</summary>
    public const string Prefix = "/_proto/";

    private volatile Route[] _routes = [];
    private readonly Lock _gate = new();

    /// <summary>Mounts <paramref name="handler"/> at <c>/_proto/{name}</c>. Names are single path segments; mapping a name again replaces it.
    /// The index lists the name, then <paramref name="links"/> (their addresses relative to <c>/_proto/{name}/</c>).</summary>
    public void Map(string name, RequestDelegate handler, params IReadOnlyList<ReservedLink> links)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(handler);
        name = name.Trim('/');
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal))
            throw new ArgumentException("a reserved route name is one path segment", nameof(name));
        lock (_gate)
        {
            _routes = [.. _routes.Where(r => r.Name != name), new Route(name, "/_proto/" + name, handler, links)];
        }
    }

    /// <summary>The names mapped now.</summary>
    public IReadOnlyList<string> Names => _routes.Select(r => r.Name).ToList();

    internal static bool IsReserved(string path) =>
        path.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || path.Equals("/_proto", StringComparison.OrdinalIgnoreCase);

    internal Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (path.Equals("/_proto", StringComparison.OrdinalIgnoreCase) || path.Equals(Prefix, StringComparison.OrdinalIgnoreCase)) return IndexAsync(context, path);
        foreach (var route in _routes)
        {
            if (!path.StartsWith(route.Base, StringComparison.OrdinalIgnoreCase)) continue;
            if (path.Length != route.Base.Length && path[route.Base.Length] != '/') continue;
            context.Request.PathBase = context.Request.PathBase.Add(route.Base);
            context.Request.Path = path.Length == route.Base.Length ? PathString.Empty : new PathString(path[route.Base.Length..]);
            return route.Handler(context);
        }
        return Responses.TextAsync(context, StatusCodes.Status404NotFound, "404 Not Found: nothing is mapped here\n");
    }

    private Task IndexAsync(HttpContext context, string path)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            return Responses.StatusAsync(context, StatusCodes.Status405MethodNotAllowed);
        if (path.Length != Prefix.Length) return Responses.RedirectAsync(context, StatusCodes.Status301MovedPermanently, Prefix);
        var html = new System.Text.StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>/_proto/</title></head><body>\n<h1>/_proto/</h1>\n<ul>\n");
        foreach (var route in _routes.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            var href = Uri.EscapeDataString(route.Name) + "/";
            html.Append("<li><a href=\"").Append(href).Append("\">").Append(System.Net.WebUtility.HtmlEncode(route.Name)).Append("/</a>");
            foreach (var link in route.Links)
            {
                html.Append(" · <a href=\"").Append(System.Net.WebUtility.HtmlEncode(href + link.Href)).Append("\">")
                    .Append(System.Net.WebUtility.HtmlEncode(link.Text)).Append("</a>");
            }
            html.Append("</li>\n");
        }
        html.Append("</ul>\n<p><a href=\"/\">files</a></p>\n</body></html>\n");
        var bytes = System.Text.Encoding.UTF8.GetBytes(html.ToString());
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.ContentLength = bytes.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    private sealed record Route(string Name, string Base, RequestDelegate Handler, IReadOnlyList<ReservedLink> Links);
}

/// <summary>A link the <c>/_proto/</c> index shows beside a mapped name: an address relative to the name's base, and its text.</summary>
public sealed record ReservedLink(string Href, string Text);
