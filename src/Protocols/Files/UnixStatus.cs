using System.Runtime.InteropServices;

namespace Protocols.Files;

/// <summary>What a directory entry is, by the file type bits of its status.</summary>
public enum DirectoryEntryKind
{
    /// <summary>A regular file.</summary>
    File,
    Directory,
    /// <summary>A symbolic link (or junction), not followed.</summary>
    Link,
    /// <summary>A fifo, socket or device: nothing one can list as a file or transfer.</summary>
    Other,
}

/// <summary>
/// One stat(2) result on Linux (glibc 2.33+, which exports <c>stat</c>, <c>fstat</c> and <c>fstatat</c>; the x64
/// and arm64 layouts of <c>struct stat</c>): the file type, permission bits, owner, size and modification time that
/// listings need, from one system call. <see cref="IsAvailable"/> is false elsewhere and callers use .NET's APIs.
/// </summary>
internal readonly struct UnixStatus
{
    private const int SymlinkNoFollow = 0x100; // AT_SYMLINK_NOFOLLOW (Linux)
    public const int BufferSize = 256; // struct stat is 144 bytes on x64, 128 on arm64

    // Offsets in struct stat: x64 has dev, ino, nlink (8 each) before mode; arm64 has dev, ino, then mode, nlink (4 each).
    private static readonly (int Mode, int Uid, int Gid)? s_layout = OperatingSystem.IsLinux()
        ? RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => (24, 28, 32),
            Architecture.Arm64 => (16, 24, 28),
            _ => null,
        }
        : null;

    private const int SizeOffset = 48, ModifiedSecondsOffset = 88, ModifiedNanosecondsOffset = 96; // the same on both

    private static readonly Lazy<bool> s_available = new(Probe);

    /// <summary>True on Linux x64/arm64 with a libc that exports <c>fstatat</c>.</summary>
    public static bool IsAvailable => s_available.Value;

    private UnixStatus(uint mode, uint uid, uint gid, long length, DateTime lastWriteTimeUtc)
    {
        Mode = mode;
        Uid = uid;
        Gid = gid;
        Length = length;
        LastWriteTimeUtc = lastWriteTimeUtc;
    }

    /// <summary>st_mode: the file type and permission bits.</summary>
    public uint Mode { get; }

    public uint Uid { get; }

    public uint Gid { get; }

    /// <summary>st_size.</summary>
    public long Length { get; }

    /// <summary>st_mtim.</summary>
    public DateTime LastWriteTimeUtc { get; }

    public DirectoryEntryKind Kind => (Mode & 0xF000) switch
    {
        0x8000 => DirectoryEntryKind.File,      // S_IFREG
        0x4000 => DirectoryEntryKind.Directory, // S_IFDIR
        0xA000 => DirectoryEntryKind.Link,      // S_IFLNK
        _ => DirectoryEntryKind.Other,
    };

    /// <summary>lstat(2) of <paramref name="name"/> (a NUL-terminated name, as readdir(3) gives it) inside the open directory <paramref name="directoryFd"/>.</summary>
    public static bool TryStatAt(int directoryFd, nint name, byte[] buffer, out UnixStatus status)
    {
        status = default;
        if (NativeMethods.fstatat(directoryFd, name, buffer, SymlinkNoFollow) != 0) return false;
        status = Parse(buffer);
        return true;
    }

    /// <summary>stat(2) of <paramref name="path"/>, links followed.</summary>
    public static bool TryStat(string path, out UnixStatus status)
    {
        status = default;
        var buffer = new byte[BufferSize];
        if (NativeMethods.stat(path, buffer) != 0) return false;
        status = Parse(buffer);
        return true;
    }

    /// <summary>fstat(2) of an open descriptor (an <c>O_PATH</c> one too): the opened entry itself.</summary>
    public static bool TryStat(SafeHandle handle, out UnixStatus status)
    {
        status = default;
        var buffer = new byte[BufferSize];
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (NativeMethods.fstat((int)handle.DangerousGetHandle(), buffer) != 0) return false;
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
        status = Parse(buffer);
        return true;
    }

    private static UnixStatus Parse(byte[] buffer)
    {
        var layout = s_layout!.Value;
        var seconds = BitConverter.ToInt64(buffer, ModifiedSecondsOffset);
        var nanoseconds = BitConverter.ToInt64(buffer, ModifiedNanosecondsOffset);
        return new UnixStatus(
            BitConverter.ToUInt32(buffer, layout.Mode),
            BitConverter.ToUInt32(buffer, layout.Uid),
            BitConverter.ToUInt32(buffer, layout.Gid),
            BitConverter.ToInt64(buffer, SizeOffset),
            DateTime.UnixEpoch.AddTicks(seconds * TimeSpan.TicksPerSecond + nanoseconds / 100));
    }

    private static bool Probe()
    {
        if (s_layout is null) return false;
        try
        {
            return TryStat("/", out var root) && root.Kind == DirectoryEntryKind.Directory;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false; // a libc before 2.33 (only __xstat), or not glibc
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "fstatat64", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int fstatat(int directoryFd, nint name, byte[] buffer, int flags);

        [DllImport("libc", EntryPoint = "stat64", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

        [DllImport("libc", EntryPoint = "fstat64", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int fstat(int fd, byte[] buffer);
    }
}
