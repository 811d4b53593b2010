using Microsoft.AspNetCore.Http;

namespace Protocols.Servers.Http;

/// <summary>
/// The path prefix <c>/_proto/</c> never maps to files: other components (the captured-mail page and API) mount
/// their handlers under it. <c>Map("mail", handler)</c> takes <c>/_proto/mail</c> and everything below it; the
/// handler sees <c>PathBase = /_proto/mail</c> and the rest in <c>Path</c>. Unmapped paths under the prefix get 404.
/// Safe to call while serving.
/// </summary>
public sealed class ReservedRoutes
{
    /// <summary>The reserved prefix, with its slashes.</summary>
    public const string Prefix = "/_proto/";

    private volatile Route[] _routes = [];
    private readonly Lock _gate = new();

    /// <summary>Mounts <paramref name="handler"/> at <c>/_proto/{name}</c>. Names are single path segments; mapping a name again replaces it.</summary>
    public void Map(string name, RequestDelegate handler)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(handler);
        name = name.Trim('/');
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal))
            throw new ArgumentException("a reserved route name is one path segment", nameof(name));
        lock (_gate)
        {
            _routes = [.. _routes.Where(r => r.Name != name), new Route(name, "/_proto/" + name, handler)];
        }
    }

    /// <summary>The names mapped now.</summary>
    public IReadOnlyList<string> Names => _routes.Select(r => r.Name).ToList();

    internal static bool IsReserved(string path) =>
        path.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || path.Equals("/_proto", StringComparison.OrdinalIgnoreCase);

    internal Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
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

    private sealed record Route(string Name, string Base, RequestDelegate Handler);
}
