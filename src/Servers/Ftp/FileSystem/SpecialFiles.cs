using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Protocols.Servers.Ftp.FileSystem;

/// <summary>
/// Tells regular files from fifos, sockets and character devices, which .NET reports as plain files of length 0.
/// stat(2) tells by the file type bits of st_mode (<see cref="Protocols.Files.UnixStatus"/>). Elsewhere
/// the check opens with <c>O_NONBLOCK</c> (a fifo would block a plain open until a writer comes) and asks whether the
/// handle can seek: fifos, sockets and character devices cannot; block devices can and pass (only root makes them).
/// </summary>
internal static partial class SpecialFiles
{
    private const int ReadOnlyNonBlockingCloseOnExec = 0x0 | 0x800 | 0x80000; // O_RDONLY | O_NONBLOCK | O_CLOEXEC (Linux)

    public static bool IsRegular(string path)
    {
        if (!OperatingSystem.IsLinux()) return true;
        // stat(2) (following links, as the open would): the file type bits must say regular file.
        if (Protocols.Files.UnixStatus.IsAvailable)
            return Protocols.Files.UnixStatus.TryStat(path, out var status) && status.Kind == Protocols.Files.DirectoryEntryKind.File;
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

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}
