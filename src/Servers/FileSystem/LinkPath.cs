namespace Protocols.Servers.FileSystem;

/// <summary>
/// Canonical paths by name: follows every symbolic link (and Windows junction) component by component, as the
/// kernel does (a link's <c>..</c> is applied after the link), up to 40 hops; names that do not exist yet are kept
/// as they are. Only <see cref="SafeRoot"/> uses it, and only where it cannot ask the kernel what an open handle is
/// (not Linux): there a check by name and the open that follows are two steps.
/// </summary>
internal static class LinkPath
{
    private const int MaxLinkHops = 40; // Linux MAXSYMLINKS

    public static string? Canonicalize(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var pending = new Stack<string>();
        PushSegments(pending, full[root.Length..]);
        var current = root;
        var hops = 0;
        while (pending.Count > 0)
        {
            var segment = pending.Pop();
            if (segment.Length == 0 || segment == ".") continue;
            if (segment == "..")
            {
                current = Path.GetDirectoryName(current) ?? root;
                continue;
            }
            var next = Path.Join(current, segment);
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (IOException)
            {
                target = null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++hops > MaxLinkHops) return null;
            if (Path.IsPathRooted(target))
            {
                var targetRoot = Path.GetPathRoot(target)!;
                current = targetRoot;
                PushSegments(pending, target[targetRoot.Length..]);
            }
            else
            {
                PushSegments(pending, target);
            }
        }
        return current;
    }

    public static bool IsUnder(string path, string root)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
            ? StringComparison.OrdinalIgnoreCase
            : StringComparison.Ordinal;
        if (string.Equals(path, root, comparison)) return true;
        var prefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, comparison);
    }

    private static void PushSegments(Stack<string> pending, string relative)
    {
        var parts = relative.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar]);
        for (var i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }
}
