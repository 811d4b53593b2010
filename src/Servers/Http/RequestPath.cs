namespace Protocols.Servers.Http;

/// <summary>
/// The request path normalised once, before any routing decision and for every method: empty segments collapse
/// (<c>//_proto/x</c> is <c>/_proto/x</c>), <c>.</c> segments go, <c>..</c> removes the segment before it. A
/// trailing slash stays (it means "the directory"). Kestrel has already percent-decoded the path (except
/// <c>%2F</c>, which <see cref="RootedPath.TryValidate"/> refuses) and removed the dot segments it saw.
/// </summary>
internal static class RequestPath
{
    /// <summary>The normalised path, or null when it does not start with '/' or <c>..</c> climbs above the root.</summary>
    public static string? Normalize(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "/";
        if (path[0] != '/') return null;
        if (!path.Contains("//", StringComparison.Ordinal) && !path.Contains("/.", StringComparison.Ordinal)) return path;
        var segments = new List<string>();
        var parts = path.Split('/');
        var directory = false;
        for (var i = 1; i < parts.Length; i++)
        {
            var segment = parts[i];
            var last = i == parts.Length - 1;
            switch (segment)
            {
                case "":
                    if (last) directory = true;
                    continue;
                case ".":
                    if (last) directory = true;
                    continue;
                case "..":
                    if (segments.Count == 0) return null;
                    segments.RemoveAt(segments.Count - 1);
                    if (last) directory = true;
                    continue;
                default:
                    segments.Add(segment);
                    continue;
            }
        }
        if (segments.Count == 0) return "/";
        var normalized = "/" + string.Join('/', segments);
        return directory ? normalized + "/" : normalized;
    }
}
