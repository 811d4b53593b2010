using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Protocols.Servers.Smtp;

/// <summary>Spool files: where they go and how they are named, so a store's start-up sweep removes those a crash left.</summary>
internal static class MessageSpool
{
    private static long s_counter;

    /// <summary>A new spool file in <paramref name="directory"/> (made if missing), opened for writing; never over an existing one.</summary>
    public static (string Path, SafeFileHandle Handle) Create(string directory)
    {
        Directory.CreateDirectory(directory);
        var name = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $".spool-{Environment.ProcessId:x}-{Interlocked.Increment(ref s_counter):x}-{Random.Shared.Next():x}.tmp");
        var path = Path.Combine(directory, name);
        return (path, File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete));
    }

    public static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Held open by a reader: the store's start-up sweep (or the temporary directory's owner) removes it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

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
