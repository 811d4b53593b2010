using Protocols.Files;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Protocols.Servers.FileSystem;

/// <summary>
/// A file or directory that is open, with the real path of what was opened. On Linux it holds an <c>O_PATH</c>
/// descriptor and <see cref="Path"/> is <c>/proc/self/fd/N</c>, which names the opened entry itself (not whatever
/// the name points to now): reading, listing or creating through it cannot be redirected by a rename or a symlink
/// swap after the check. Elsewhere <see cref="Path"/> is the real path found by name. Dispose to close.
/// </summary>
public sealed class OpenedEntry : IDisposable
{
    private const int PathOnlyCloseOnExec = 0x200000 | 0x80000; // O_PATH | O_CLOEXEC (Linux, x64 and arm64)

    private static readonly bool s_procFds = OperatingSystem.IsLinux() && Directory.Exists("/proc/self/fd");

    private readonly SafeFileHandle? _handle;
    private SafeFileHandle? _read;

    private OpenedEntry(SafeFileHandle? handle, string path, string realPath)
    {
        _handle = handle;
        Path = path;
        RealPath = realPath;
        // fstat(2) of the descriptor: the opened entry's own type, size and time (a FileInfo of /proc/self/fd/N
        // would describe the magic link).
        var attributes = handle is null ? File.GetAttributes(path) : File.GetAttributes(handle);
        Attributes = attributes;
        IsDirectory = (attributes & FileAttributes.Directory) != 0;
        IsRegularFile = !IsDirectory && Ftp.FileSystem.SpecialFiles.IsRegular(path);
    }

    /// <summary>A name for the opened entry itself (<c>/proc/self/fd/N</c> on Linux), valid until disposed.</summary>
    public string Path { get; }

    /// <summary>Where the opened entry is, every link resolved.</summary>
    public string RealPath { get; }

    public bool IsDirectory { get; }

    /// <summary>A regular file (not a directory, fifo, socket or device).</summary>
    public bool IsRegularFile { get; }

    /// <summary>True when opening cannot be redirected after the check (Linux with /proc).</summary>
    public static bool IsRaceFree => s_procFds;

    /// <summary>The size in bytes (0 for anything but a regular file), from the open entry.</summary>
    public long Length
    {
        get
        {
            if (!IsRegularFile) return 0;
            if (_handle is null) return new FileInfo(Path).Length;
            // An O_PATH descriptor cannot seek, and .NET's length wants one that can: a read descriptor of the same file.
            try
            {
                _read ??= File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (UnauthorizedAccessException)
            {
                return new FileInfo(RealPath).Length; // not readable: the size by name (it cannot be served anyway)
            }
            return RandomAccess.GetLength(_read);
        }
    }

    /// <summary>The last write time, from the open entry.</summary>
    public DateTime LastWriteTimeUtc => _handle is null ? File.GetLastWriteTimeUtc(Path) : File.GetLastWriteTimeUtc(_handle);

    /// <summary>
    /// Sets the last write time: a file's through a descriptor of the file itself; a directory's by its real path
    /// (.NET opens no directory handles; a time is all a swapped name could redirect).
    /// </summary>
    public void SetLastWriteTimeUtc(DateTime time)
    {
        if (IsDirectory)
        {
            Directory.SetLastWriteTimeUtc(RealPath, time);
            return;
        }
        using var handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        File.SetLastWriteTimeUtc(handle, time);
    }

    /// <summary>The entry's attributes (<see cref="FileAttributes.ReadOnly"/> when this process may not write it).</summary>
    public FileAttributes Attributes { get; }

    /// <summary>
    /// The entries of this directory, each described by its own status (links not followed), read through the open
    /// directory itself: one system call per entry on Linux.
    /// </summary>
    public IEnumerable<DirectoryEntry> ReadEntries() => DirectoryEntries.Read(Path);

    /// <summary>
    /// This directory read entry by entry, names as bytes and nothing allocated per entry (what
    /// <see cref="ReadEntries"/> reads on Linux); null where that reader is not available (use <see cref="ReadEntries"/>).
    /// </summary>
    internal UnixDirectory? OpenReader() => UnixStatus.IsAvailable ? new UnixDirectory(Path) : null;

    /// <summary>Opens the file itself for reading (a new descriptor of the same file).</summary>
    public FileStream OpenRead(int bufferSize = 4096, FileOptions options = FileOptions.None) =>
        new(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize, options);

    /// <summary>Opens the file itself for writing (append or overwrite from an offset).</summary>
    public FileStream OpenWrite(FileMode mode, int bufferSize = 4096, FileOptions options = FileOptions.None) =>
        new(Path, mode, FileAccess.Write, FileShare.Read, bufferSize, options);

    /// <summary>A name for the file a stream has open (<c>/proc/self/fd/N</c> on Linux), valid while the stream is: for sendfile(2).</summary>
    public static string PathOf(FileStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return s_procFds ? ProcPath(stream.SafeFileHandle) : stream.Name;
    }

    /// <summary>Opens <paramref name="path"/> (links followed) and learns what was opened; null when missing or not allowed.</summary>
    internal static OpenedEntry? Open(string path)
    {
        if (!s_procFds)
        {
            var real = LinkPath.Canonicalize(path);
            return real is not null && System.IO.Path.Exists(real) ? new OpenedEntry(null, real, real) : null;
        }
        var fd = NativeMethods.open(path, PathOnlyCloseOnExec);
        if (fd < 0) return null;
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var procPath = ProcPath(handle);
            var realPath = new FileInfo(procPath).LinkTarget; // readlink(2) of /proc/self/fd/N: where the opened entry is
            if (realPath is null || realPath.Length == 0 || realPath[0] != '/')
            {
                handle.Dispose(); // "pipe:[..]", "anon_inode:..", or gone
                return null;
            }
            return new OpenedEntry(handle, procPath, realPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            handle.Dispose();
            return null;
        }
    }

    private static string ProcPath(SafeHandle handle) =>
        "/proc/self/fd/" + handle.DangerousGetHandle().ToInt64().ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _read?.Dispose();
        _handle?.Dispose();
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern nint open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    }
}
