using System.Runtime.InteropServices;

namespace Protocols.Servers.FileSystem;

/// <summary>fsync of a directory, so a file created or renamed in it survives a crash (Linux and macOS; elsewhere a no-op).</summary>
internal static class DirectorySync
{
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        var fd = NativeMethods.open(directory, 0); // O_RDONLY
        if (fd < 0) throw new IOException($"cannot open directory {directory} to flush it");
        try
        {
            if (NativeMethods.fsync(fd) != 0) throw new IOException($"cannot flush directory {directory}");
        }
        finally
        {
            _ = NativeMethods.close(fd);
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int fsync(int fd);

        [DllImport("libc")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int close(int fd);
    }
}
