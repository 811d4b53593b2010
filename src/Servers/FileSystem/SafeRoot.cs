namespace Protocols.Servers.FileSystem;

/// <summary>
/// The one safe path resolver, shared by the FTP and HTTP servers: open first, then check what was opened. A path
/// is opened by the kernel (every symbolic link followed, in one step), and the opened entry's real path (on Linux
/// read back from <c>/proc/self/fd/N</c>) must be the root or below it; reads, listings and creations then go
/// through the open entry (<see cref="OpenedEntry.Path"/>), so a rename or a symlink swapped in after the check
/// cannot send them elsewhere. Links that stay inside the root work; anything that lands outside is "not found".
/// The model is openat2(2)'s <c>RESOLVE_BENEATH</c>; vsftpd gets the same from chroot.
/// </summary>
public sealed class SafeRoot
{
    private readonly string _rootWithSeparator;
    private readonly StringComparison _comparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <exception cref="DirectoryNotFoundException">The root is missing or not a directory.</exception>
    public SafeRoot(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        using var opened = OpenedEntry.Open(System.IO.Path.GetFullPath(root))
            ?? throw new DirectoryNotFoundException($"root directory not found: {root}");
        if (!opened.IsDirectory) throw new DirectoryNotFoundException($"root is not a directory: {root}");
        Root = opened.RealPath;
        _rootWithSeparator = System.IO.Path.EndsInDirectorySeparator(Root) ? Root : Root + System.IO.Path.DirectorySeparatorChar;
    }

    /// <summary>The root's real path.</summary>
    public string Root { get; }

    /// <summary>True when <paramref name="realPath"/> is the root or below it.</summary>
    public bool Contains(string realPath) =>
        string.Equals(realPath, Root, _comparison) || realPath.StartsWith(_rootWithSeparator, _comparison);

    /// <summary>
    /// Opens <paramref name="path"/> (a physical path: under <see cref="Root"/>, or under an open entry's
    /// <see cref="OpenedEntry.Path"/>) and returns it when what was opened is under the root; null when it is
    /// missing, unreadable or outside. The caller disposes it.
    /// </summary>
    public OpenedEntry? Open(string path)
    {
        var entry = OpenedEntry.Open(path);
        if (entry is null || Contains(entry.RealPath)) return entry;
        entry.Dispose();
        return null;
    }

    /// <summary>As <see cref="Open"/> for a path relative to the root, segments separated by '/' ("" is the root).</summary>
    public OpenedEntry? OpenRelative(string relative) =>
        Open(relative.Length == 0 ? Root : System.IO.Path.Join(Root, relative.Replace('/', System.IO.Path.DirectorySeparatorChar)));

    /// <summary>
    /// The real path of an existing entry under the root, or null. A check only (the entry is not held open):
    /// for names and comparisons, never to open by later; open with <see cref="Open"/> instead.
    /// </summary>
    public string? RealPathOf(string path)
    {
        using var entry = Open(path);
        return entry?.RealPath;
    }

    /// <summary>
    /// Where <paramref name="path"/> would be: the deepest existing ancestor opened and checked (it must be a
    /// directory under the root), then the missing names appended. Null when no such ancestor is under the root.
    /// </summary>
    public string? RealPathForCreate(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var missing = new Stack<string>();
        var current = full;
        while (true)
        {
            using (var entry = OpenedEntry.Open(current))
            {
                if (entry is not null)
                {
                    if (!Contains(entry.RealPath) || (missing.Count > 0 && !entry.IsDirectory)) return null;
                    var result = entry.RealPath;
                    while (missing.Count > 0) result = System.IO.Path.Join(result, missing.Pop());
                    return result;
                }
            }
            if (!Contains(current) || current.Length <= Root.Length) return null; // above the root, or the root itself is gone
            var parent = System.IO.Path.GetDirectoryName(current);
            if (parent is null) return null;
            missing.Push(System.IO.Path.GetFileName(current));
            current = parent;
        }
    }

    /// <summary>
    /// Opens the directory <paramref name="relative"/> (segments separated by '/'), creating missing directories one
    /// at a time inside the last one opened, so each is made where the check said. Null when it cannot be under the root.
    /// </summary>
    public OpenedEntry? OpenOrCreateDirectory(string relative)
    {
        var current = OpenRelative("");
        if (current is null) return null;
        foreach (var segment in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Open(System.IO.Path.Join(current.Path, segment));
            if (next is null)
            {
                Directory.CreateDirectory(System.IO.Path.Join(current.Path, segment));
                next = Open(System.IO.Path.Join(current.Path, segment));
            }
            current.Dispose();
            if (next is null || !next.IsDirectory)
            {
                next?.Dispose();
                return null;
            }
            current = next;
        }
        return current;
    }

    /// <summary>The path of <paramref name="realPath"/> relative to the root with '/' separators ("" for the root); null when outside.</summary>
    public string? RelativeOf(string realPath) =>
        string.Equals(realPath, Root, _comparison) ? ""
        : realPath.StartsWith(_rootWithSeparator, _comparison) ? realPath[_rootWithSeparator.Length..].Replace(System.IO.Path.DirectorySeparatorChar, '/')
        : null;
}
