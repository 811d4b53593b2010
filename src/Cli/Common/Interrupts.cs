using System.Runtime.InteropServices;

namespace Protocols.Cli.Common;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM for the whole process, listened for from before the verb starts: the first signal
/// cancels <see cref="Token"/> (the verb then says <c>proto: cancelled</c>, cleans up and returns 130 itself);
/// <see cref="Grace"/> later, or at a second signal, <see cref="Forced"/> completes with 128 + the signal's number,
/// for a verb that does not stop.
/// </summary>
/// <remarks>
/// Not System.CommandLine's own handler (<c>ProcessTerminationTimeout</c>): it forces the exit code at once when the
/// signal comes while the verb's action has not yet returned its task, i.e. before the action's first real wait. A
/// verb that connects at once (a loopback connect completes inside the call) then ended with 130 and nothing said,
/// its clean-up skipped (CancelTests caught it under load).
/// </remarks>
internal static class Interrupts
{
    /// <summary>How long a cancelled verb has to stop before the process ends anyway: a loaded machine, a large upload's ABOR.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private static readonly CancellationTokenSource Source = new();
    private static readonly TaskCompletionSource<int> ForcedSource = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static int _signals;

    // Kept for the life of the process (a collected registration would be unregistered).
    private static readonly PosixSignalRegistration[] Registrations =
        [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];

    /// <summary>Cancelled at the first signal.</summary>
    public static CancellationToken Token
    {
        get
        {
            GC.KeepAlive(Registrations);
            return Source.Token;
        }
    }

    /// <summary>The exit code when the verb did not stop within <see cref="Grace"/> of the signal, or at a second one.</summary>
    public static Task<int> Forced => ForcedSource.Task;

    /// <summary>The verb's own exit code, or <see cref="Forced"/>'s when that comes first.</summary>
    public static Task<int> Run(Task<int> verb)
    {
        GC.KeepAlive(Registrations);
        return Task.WhenAny(verb, Forced).Unwrap();
    }

    private static void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        var code = 128 + (context.Signal == PosixSignal.SIGTERM ? 15 : 2);
        if (Interlocked.Increment(ref _signals) > 1)
        {
            ForcedSource.TrySetResult(code);
            return;
        }
        _ = Task.Delay(Grace).ContinueWith(_ => ForcedSource.TrySetResult(code), TaskScheduler.Default);
        Source.Cancel();
    }
}
