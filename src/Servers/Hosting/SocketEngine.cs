namespace Protocols.Servers.Hosting;

/// <summary>
/// How the process's socket engine runs: by default .NET's epoll thread hands every socket completion to the thread
/// pool, and Kestrel hops again to run the connection's code and again to send. A short SMTP session (seven round trips)
/// then costs about 12 thread-pool work items and 10-30 context switches; on this 2-core machine, where the client shares
/// the cores, that scheduling was most of the server's CPU per message. <see cref="UseEventLoop"/> makes the process run
/// like event loops instead (smtp-sink's model): each epoll thread runs its sockets' completions inline
/// (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>, <c>DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT</c> = half the processors,
/// at least one, read once by the runtime when it creates its first socket). Half, measured quietly on 2 cores with the
/// client on the same machine (2026-12-01 14:58 and 15:04, in-memory store): one loop gave 10 KiB 5,558 msg/s new
/// connection and 16,531 reused, two loops 5,064 and 9,747; but 1 MiB messages 489 against 592 msg/s, since one loop
/// did every session's dot-unstuffing (now a transfer past <see cref="Protocols.Net.ConnectionOptions.BulkReadThreshold"/>
/// leaves the loop for the thread pool: docs/performance.md, "Branch bigdata2"). The other half of the cores is left to the thread pool (the store's commits,
/// MIME digests) and to clients on the same host. <see cref="ProtocolsHost"/> then runs Kestrel's pipes inline on it
/// (<c>UnsafePreferInlineScheduling</c>): 2 work items and 1-3 context switches per session; with proto's thread pool
/// not spinning (the RuntimeHostConfigurationOption in src/Cli/Cli.csproj) server CPU per message 130 / 131 us instead of 155 / 203 us
/// (in-memory store, 100 B / 10 KiB, a loaded machine; docs/performance.md, round three). The price: code that blocks
/// on a socket thread stalls every connection on its loop, so sessions must never block (ours await; the mail store's commits
/// complete on the thread pool). Plaintext line endpoints (<see cref="ProtocolsHostBuilder.AddLineEndpoint(string, System.Net.IPEndPoint, Protocols.Servers.Lines.LineConnectionHandler, Protocols.Servers.Hosting.EndpointTls)"/>) skip
/// Kestrel's dispatch too: their accept loop runs on the same epoll thread and starts each session there, so a
/// one-message SMTP session uses no thread-pool work item at all. On Linux line endpoints leave .NET's sockets
/// altogether (<see cref="Protocols.Net.EpollLoop"/>: as many loops, the same setting decides whether sessions run on
/// the loop's thread or on the pool).
/// </summary>
public static class SocketEngine
{
    internal const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    internal const string ThreadCountVariable = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    /// <summary>
    /// Asks for the event-loop engine. Call it first in <c>Main</c>, before anything opens a socket: the runtime reads the
    /// settings once. A value the user already set in the environment wins (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0</c>
    /// turns the event loop off).
    /// </summary>
    public static void UseEventLoop()
    {
        foreach (var (name, value) in Settings(Environment.GetEnvironmentVariable))
            Environment.SetEnvironmentVariable(name, value);
    }

    /// <summary>True when socket completions run inline on the epoll thread (the environment says so), so that Kestrel's
    /// pipes should too.</summary>
    public static bool IsEventLoop => IsOn(Environment.GetEnvironmentVariable);

    /// <summary>The variables <see cref="UseEventLoop"/> sets, given the environment as it is: none that is already set.</summary>
    internal static IEnumerable<(string Name, string Value)> Settings(Func<string, string?> environment)
    {
        if (environment(InlineCompletionsVariable) is not null) yield break; // the user decided
        yield return (InlineCompletionsVariable, "1");
        if (environment(ThreadCountVariable) is null)
            yield return (ThreadCountVariable, Loops.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>How many event loops: half the processors, at least one.</summary>
    internal static int Loops => Protocols.Net.EpollLoop.Count; // one formula for both engines

    internal static bool IsOn(Func<string, string?> environment) => environment(InlineCompletionsVariable) == "1";
}
