using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Protocols.Net;

/// <summary>
/// Completions on .NET's socket thread (Linux): by default that thread, woken by epoll, queues each completed
/// receive or send to the thread pool, which wakes a second thread (and leaves it spinning for more work). A socket
/// set to complete inline has the socket thread run the completion itself; <see cref="LeaveAsync{T}"/> then moves the
/// rest of the work (ours and the caller's) to the thread pool, so only a wait that really happened pays a hop, and a
/// caller that waits for a quick reply on its own thread (<see cref="Connection.WaitReadable"/>) pays none.
/// </summary>
internal static class SocketThread
{
    private static bool s_unsupported;

    // Socket.PreferInlineCompletions is internal in .NET ("an experimental API", kept reachable by reflection; what
    // DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 sets for every socket). Without it nothing changes.
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_PreferInlineCompletions")]
    private static extern void SetPreferInlineCompletions(Socket socket, bool value);

    /// <summary>Asks for inline completions on <paramref name="socket"/>; false where the runtime does not offer them.</summary>
    public static bool TryCompleteInline(Socket socket)
    {
        if (s_unsupported || !OperatingSystem.IsLinux()) return false;
        try
        {
            SetPreferInlineCompletions(socket, true);
            return true;
        }
        catch (MissingMethodException)
        {
            s_unsupported = true;
            return false;
        }
    }

    /// <summary>Awaits <paramref name="pending"/> (not yet completed), then continues on the thread pool if it completed on another thread, result or exception.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<T> LeaveAsync<T>(ValueTask<T> pending)
    {
        try
        {
            return await pending.ConfigureAwait(false);
        }
        finally
        {
            if (!Thread.CurrentThread.IsThreadPoolThread) await Task.Yield();
        }
    }
}
