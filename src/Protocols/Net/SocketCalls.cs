using System.Runtime.InteropServices;

namespace Protocols.Net;

/// <summary>
/// The libc socket calls this library makes itself (Linux): the transfer threads' (<see cref="BlockingFileSend"/>,
/// <see cref="BlockingFileReceive"/>) and the line listener's event loop (<see cref="EpollLoop"/>, <see cref="EpollSocketStream"/>).
/// Buffers go by reference (<c>ref byte</c>: pinned for the call), so no unsafe code.
/// </summary>
internal static class SocketCalls
{
    public const short PollIn = 0x1, PollOut = 0x4;
    public const int Interrupted = 4, WouldBlock = 11; // EINTR, EAGAIN (Linux)
    public const int NotConnected = 107, ConnectionReset = 104, BrokenPipe = 32, ConnectionAborted = 103; // ENOTCONN, ECONNRESET, EPIPE, ECONNABORTED
    public const int NoSignal = 0x4000; // MSG_NOSIGNAL
    public const int NonBlockingCloseOnExec = 0x800 | 0x80000; // SOCK_NONBLOCK | SOCK_CLOEXEC (accept4), EPOLL_CLOEXEC is the latter
    public const int ShutdownWrite = 1; // SHUT_WR
    public const int SolSocket = 1, SoLinger = 13, SoIncomingCpu = 49, IpProtoTcp = 6, TcpNoDelay = 1;
    public const int SoReceiveLowWater = 18, TcpNotSentLowWater = 25; // SO_RCVLOWAT, TCP_NOTSENT_LOWAT
    public const int EpollCtlAdd = 1, EpollCtlDel = 2;
    public const uint EpollIn = 0x1, EpollOut = 0x4, EpollErr = 0x8, EpollHup = 0x10, EpollRdHup = 0x2000, EpollEt = 0x80000000;

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

    [DllImport("libc", EntryPoint = "send", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern nint Send(int fd, ref byte buffer, nuint count, int flags);

    [DllImport("libc", EntryPoint = "recv", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern nint Receive(int fd, ref byte buffer, nuint count, int flags);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int accept4(int fd, ref byte address, ref int addressLength, int flags);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int getsockname(int fd, ref byte address, ref int addressLength);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int setsockopt(int fd, int level, int name, ref int value, int length);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int setsockopt(int fd, int level, int name, ref long value, int length);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int getsockopt(int fd, int level, int name, ref int value, ref int length);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int shutdown(int fd, int how);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int epoll_ctl(int epfd, int op, int fd, ref byte evt);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int epoll_wait(int epfd, ref byte events, int maxEvents, int timeoutMilliseconds);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int poll(ref PollFd fds, nuint count, int timeoutMilliseconds);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int sched_getcpu();
}
