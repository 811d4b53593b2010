using System.Text;

namespace Protocols.Servers.Ftp.FileSystem;

/// <summary>Why a path argument was refused.</summary>
public enum FtpPathError
{
    None,
    /// <summary>NUL, CR, LF or another control character.</summary>
    ControlCharacter,
    /// <summary>A backslash (a Windows separator that a naive join would honour), or a drive/stream colon on Windows.</summary>
    ForeignSeparator,
    /// <summary><c>..</c> past the root.</summary>
    AboveRoot,
    /// <summary>Longer than <see cref="FtpPathResolver.MaxPathLength"/> or a segment longer than <see cref="FtpPathResolver.MaxSegmentLength"/>.</summary>
    TooLong,
    Empty,
}

/// <summary>
/// The one resolver of client path arguments into virtual paths. A virtual path is absolute, uses <c>/</c>, has no
/// empty, <c>.</c> or <c>..</c> segments, and names a place under the user's root (<c>/</c> is the root itself).
/// Absolute arguments start at the user's root (as under vsftpd's chroot); <c>..</c> goes up inside the tree and is
/// refused past the root. FTP arguments are not URL-encoded: <c>%2e%2e</c> is a literal name and stays one.
/// Symbolic links are checked by the file system against the physical root (<see cref="DiskFileSystem"/>).
/// </summary>
public static class FtpPathResolver
{
    /// <summary>Longest path argument accepted (Linux PATH_MAX).</summary>
    public const int MaxPathLength = 4096;

    /// <summary>Longest single name (Linux NAME_MAX is 255 bytes; counted here in UTF-16 units).</summary>
    public const int MaxSegmentLength = 255;

    public static bool TryResolve(string currentDirectory, string argument, out string path, out FtpPathError error)
    {
        path = "/";
        error = FtpPathError.None;
        if (argument.Length == 0) { error = FtpPathError.Empty; return false; }
        if (argument.Length > MaxPathLength) { error = FtpPathError.TooLong; return false; }
        foreach (var c in argument)
        {
            if (c < 0x20 || c == 0x7f) { error = FtpPathError.ControlCharacter; return false; }
            if (c == '\\' || (c == ':' && OperatingSystem.IsWindows())) { error = FtpPathError.ForeignSeparator; return false; }
        }
        var segments = new List<string>();
        if (argument[0] != '/')
            segments.AddRange(currentDirectory.Split('/', StringSplitOptions.RemoveEmptyEntries));
        foreach (var segment in argument.Split('/'))
        {
            if (segment.Length == 0 || segment == ".") continue;
            if (segment == "..")
            {
                if (segments.Count == 0) { error = FtpPathError.AboveRoot; return false; }
                segments.RemoveAt(segments.Count - 1);
                continue;
            }
            if (segment.Length > MaxSegmentLength) { error = FtpPathError.TooLong; return false; }
            if (OperatingSystem.IsWindows() && (segment.EndsWith('.') || segment.EndsWith(' ')))
            {
                error = FtpPathError.ForeignSeparator; // Windows strips these: "a." and "a" would alias.
                return false;
            }
            segments.Add(segment);
        }
        path = "/" + string.Join('/', segments);
        return true;
    }

    /// <summary>The parent of a virtual path (<c>/</c> for top-level names and for the root).</summary>
    public static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    /// <summary>The last segment of a virtual path (empty for the root).</summary>
    public static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    public static string Combine(string directory, string name) => directory == "/" ? "/" + name : directory + "/" + name;

    /// <summary>Decodes a command argument: UTF-8 (RFC 2640); invalid UTF-8 (overlong forms like C0 AE) is refused.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
}
