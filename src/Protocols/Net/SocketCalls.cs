using System.Runtime.InteropServices;

namespace Protocols.Net;

/// <summary>The few libc socket calls the transfer threads make (<see cref="BlockingFileSend"/>, <see cref="BlockingFileReceive"/>); Linux.</summary>
internal static class SocketCalls
{
    public const short PollIn = 0x1, PollOut = 0x4;
    public const int Interrupted = 4, WouldBlock = 11; // EINTR, EAGAIN (Linux)

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern nint send(int fd, nint buffer, nuint count, int flags);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern nint recv(int fd, nint buffer, nuint count, int flags);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int poll(ref PollFd fds, nuint count, int timeoutMilliseconds);
}
