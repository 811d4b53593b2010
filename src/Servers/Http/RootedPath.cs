namespace Protocols.Servers.Http;

/// <summary>
/// Maps a request path to a file under the root, or refuses. The request path is already percent-decoded by
/// Kestrel; every segment is checked (no <c>.</c>, <c>..</c>, backslash, control character or NUL, no encoded
/// slash), and the result's real path (symlinks resolved) must be the root or below it.
/// </summary>
internal sealed class RootedPath
{
    public RootedPath(string root)
    {
        var full = Path.GetFullPath(root);
        Root = RealPath.Resolve(full) ?? throw new DirectoryNotFoundException($"root directory not found: {root}");
        if (!Directory.Exists(Root)) throw new DirectoryNotFoundException($"root is not a directory: {root}");
        RootWithSeparator = Root.EndsWith(Path.DirectorySeparatorChar) ? Root : Root + Path.DirectorySeparatorChar;
    }

    /// <summary>The root's real path.</summary>
    public string Root { get; }

    private string RootWithSeparator { get; }

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

    /// <summary>The real path of an existing file or directory under the root, or null (missing, or outside the root).</summary>
    public string? ResolveExisting(string relative) => ResolveExisting(relative, out _);

    /// <summary>
    /// As <see cref="ResolveExisting(string)"/>; <paramref name="file"/> is the status of the file when the path
    /// names a regular file. Fast path: one lstat per segment below the root, and when none of them is a symlink
    /// the joined path is already the real path. A symlink anywhere below the root sends the whole path through
    /// realpath(3) and the result must still be under the root.
    /// </summary>
    public string? ResolveExisting(string relative, out FileInfo? file)
    {
        file = null;
        if (relative.Length == 0) return Root;
        var path = Root;
        var start = 0;
        while (true)
        {
            var slash = relative.IndexOf('/', start);
            var end = slash < 0 ? relative.Length : slash;
            path = Path.Join(path, relative.AsSpan(start, end - start));
            var info = new FileInfo(path);
            var attributes = info.Attributes; // lstat; -1 when missing
            if ((int)attributes == -1) return null;
            if ((attributes & FileAttributes.ReparsePoint) != 0) return ResolveThroughLinks(relative, out file);
            var isDirectory = (attributes & FileAttributes.Directory) != 0;
            if (slash < 0)
            {
                if (!isDirectory) file = info;
                return path;
            }
            if (!isDirectory) return null;
            start = slash + 1;
        }
    }

    private string? ResolveThroughLinks(string relative, out FileInfo? file)
    {
        file = null;
        var real = RealPath.Resolve(Path.Join(Root, relative));
        if (real is null || !IsUnderRoot(real)) return null;
        var info = new FileInfo(real);
        if (info.Exists) file = info;
        return real;
    }

    /// <summary>
    /// For a write: the real directory the file goes in (made when missing, only below an existing real ancestor
    /// under the root) and the file name. Null when the target cannot be under the root.
    /// </summary>
    public (string Directory, string Name)? ResolveForWrite(string relative)
    {
        if (relative.Length == 0) return null;
        var slash = relative.LastIndexOf('/');
        var name = slash < 0 ? relative : relative[(slash + 1)..];
        var parentRelative = slash < 0 ? "" : relative[..slash];
        // Find the deepest existing ancestor; its real path must be under the root; then create the rest.
        var parts = parentRelative.Length == 0 ? [] : parentRelative.Split('/');
        var existing = parts.Length;
        string? realAncestor;
        while (true)
        {
            var ancestor = existing == 0 ? Root : Path.Join(Root, string.Join('/', parts, 0, existing));
            realAncestor = RealPath.Resolve(ancestor);
            if (realAncestor is not null || existing == 0) break;
            existing--;
        }
        if (realAncestor is null || !IsUnderRoot(realAncestor) || !Directory.Exists(realAncestor)) return null;
        var directory = realAncestor;
        for (var i = existing; i < parts.Length; i++)
        {
            directory = Path.Join(directory, parts[i]);
            Directory.CreateDirectory(directory);
        }
        var realDirectory = RealPath.Resolve(directory);
        if (realDirectory is null || !IsUnderRoot(realDirectory)) return null;
        return (realDirectory, name);
    }

    public bool IsUnderRoot(string realPath) =>
        realPath == Root || realPath.StartsWith(RootWithSeparator, StringComparison.Ordinal);

    /// <summary>The URL path of a real path under the root ("/" for the root itself).</summary>
    public string ToUrlPath(string realPath) =>
        realPath == Root ? "/" : "/" + realPath[RootWithSeparator.Length..].Replace(Path.DirectorySeparatorChar, '/');
}
