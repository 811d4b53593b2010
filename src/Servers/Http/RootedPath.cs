using Protocols.Servers.FileSystem;

namespace Protocols.Servers.Http;

/// <summary>
/// Maps a request path to a file under the root, or refuses. The request path is already percent-decoded by
/// Kestrel and normalised (<see cref="RequestPath"/>); every segment is checked (no <c>.</c>, <c>..</c>, backslash,
/// control character or NUL, no encoded slash), and what is opened must be the root or below it (<see cref="SafeRoot"/>).
/// </summary>
internal sealed class RootedPath
{
    private readonly SafeRoot _safe;

    public RootedPath(string root) => _safe = new SafeRoot(root);

    /// <summary>The root's real path.</summary>
    public string Root => _safe.Root;

    /// <summary>True when the request path has only acceptable segments; <paramref name="relative"/> joins them with '/'.</summary>
    public static bool TryValidate(string requestPath, out string relative)
    {
        relative = "";
        if (requestPath.Length == 0 || requestPath[0] != '/') return false;
        if (requestPath.Contains("%2f", StringComparison.OrdinalIgnoreCase)) return false;
        foreach (var ch in requestPath)
        {
            if (ch < 0x20 || ch == 0x7f || ch == '\\') return false;
        }
        var start = 1;
        for (var i = 1; i <= requestPath.Length; i++)
        {
            if (i < requestPath.Length && requestPath[i] != '/') continue;
            var segment = requestPath.AsSpan(start, i - start);
            if (segment is "." or "..") return false;
            if (segment.Length == 0 && i < requestPath.Length && i != 1) return false; // "//" in the middle
            start = i + 1;
        }
        relative = requestPath.Trim('/');
        return true;
    }

    /// <summary>Opens an existing file or directory under the root (null: missing, or outside the root). Dispose it.</summary>
    public OpenedEntry? Open(string relative) => _safe.OpenRelative(relative);

    /// <summary>Opens <paramref name="name"/> inside an open directory (null: missing, or outside the root).</summary>
    public OpenedEntry? OpenIn(OpenedEntry directory, string name) => _safe.Open(Path.Join(directory.Path, name));

    /// <summary>
    /// For a write: the open directory the file goes in (made when missing, each level inside the one before) and
    /// the file name. Null when the target cannot be under the root. Dispose the directory.
    /// </summary>
    public (OpenedEntry Directory, string Name)? OpenForWrite(string relative)
    {
        if (relative.Length == 0) return null;
        var slash = relative.LastIndexOf('/');
        var name = slash < 0 ? relative : relative[(slash + 1)..];
        var directory = _safe.OpenOrCreateDirectory(slash < 0 ? "" : relative[..slash]);
        return directory is null ? null : (directory, name);
    }

    public bool IsUnderRoot(string realPath) => _safe.Contains(realPath);

    /// <summary>The URL path of a real path under the root ("/" for the root itself).</summary>
    public string ToUrlPath(string realPath) => "/" + (_safe.RelativeOf(realPath) ?? "");
}
