using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Protocols.Servers.Ftp.FileSystem;

/// <summary>
/// Tells regular files from fifos, sockets and character devices, which .NET reports as plain files of length 0.
/// stat(2) tells by the file type bits of st_mode (glibc 2.33+ exports <c>stat</c>; x64 and arm64 layouts). Elsewhere
/// the check opens with <c>O_NONBLOCK</c> (a fifo would block a plain open until a writer comes) and asks whether the
/// handle can seek: fifos, sockets and character devices cannot; block devices can and pass (only root makes them).
/// </summary>
internal static partial class SpecialFiles
{
    private const int ReadOnlyNonBlockingCloseOnExec = 0x0 | 0x800 | 0x80000; // O_RDONLY | O_NONBLOCK | O_CLOEXEC (Linux)

    public static bool IsRegular(string path)
    {
        if (!OperatingSystem.IsLinux()) return true;
        if (ModeOffset() is { } offset)
        {
            // stat(2) (following links, as the open would): S_IFMT of st_mode must be S_IFREG.
            var buffer = new byte[256];
            if (Stat(path, buffer) != 0) return false;
            var mode = BitConverter.ToUInt32(buffer, offset);
            return (mode & 0xF000) == 0x8000;
        }
        var fd = Open(path, ReadOnlyNonBlockingCloseOnExec);
        if (fd < 0) return false;
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            using var stream = new FileStream(handle, FileAccess.Read, 1);
            return stream.CanSeek;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false; // a directory
        }
    }

    /// <summary>Where st_mode sits in glibc's struct stat: after dev, ino, nlink (x64) or dev, ino (arm64).</summary>
    private static int? ModeOffset() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 24,
        Architecture.Arm64 => 16,
        _ => null,
    };

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}
