using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Protocols.Servers.Ftp.FileSystem;

/// <summary>
/// Tells regular files from fifos, sockets and character devices, which .NET reports as plain files of length 0.
/// A fifo would block <c>open(2)</c> until a writer comes, so the check opens with <c>O_NONBLOCK</c> and asks whether
/// the handle can seek (regular files can; fifos, sockets and character devices cannot). Block devices are seekable
/// and pass; only root can make one.
/// </summary>
internal static partial class SpecialFiles
{
    private const int ReadOnlyNonBlockingCloseOnExec = 0x0 | 0x800 | 0x80000; // O_RDONLY | O_NONBLOCK | O_CLOEXEC (Linux)

    public static bool IsRegular(string path)
    {
        if (!OperatingSystem.IsLinux()) return true;
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
