using System.Threading.Tasks.Sources;

namespace Protocols.Net;

/// <summary>
/// One direction's wait on an <see cref="EpollSocketStream"/>: armed by the reader (or the writer) when the socket had
/// nothing for it, completed once by whichever comes first: the loop's next readiness edge, the caller's token, or the
/// stream's close. Reused for every wait (one at a time, as a stream allows), so a wait allocates nothing.
/// </summary>
internal sealed class EpollWait : IValueTaskSource
{
    private static readonly Action<object?, CancellationToken> s_cancel = static (state, token) => ((EpollWait)state!).Complete(new OperationCanceledException(token));

    private ManualResetValueTaskSourceCore<bool> _core;
    private CancellationTokenRegistration _registration;
    private int _armed; // 1 from Arm until the first Complete

    /// <summary>
    /// Waits until <paramref name="edges"/> moves past <paramref name="seen"/> (the loop bumps it at each edge), or the
    /// token is cancelled, or <paramref name="owner"/> closes. Completes at once when one of them already happened.
    /// </summary>
    public ValueTask WaitAsync(EpollSocketStream owner, ref int edges, int seen, CancellationToken cancellationToken)
    {
        _core.Reset();
        // On the loop's thread unless the process has no event loop or a bulk transfer sent this stream off it; set
        // before the arming, which the completing thread reads with a full fence (Interlocked.Exchange) first.
        _core.RunContinuationsAsynchronously = !owner.CompletesOnLoop;
        // Registered before arming, so that whatever completes the wait finds the registration to drop.
        if (cancellationToken.CanBeCanceled) _registration = cancellationToken.UnsafeRegister(s_cancel, this);
        Volatile.Write(ref _armed, 1);
        // The edge, the close or the cancellation may have come before the arming: then take the wait back.
        if (Volatile.Read(ref edges) != seen || owner.IsClosed || cancellationToken.IsCancellationRequested)
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                _registration.Unregister();
                _registration = default;
                return cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled(cancellationToken) : ValueTask.CompletedTask;
            }
        }
        return new ValueTask(this, _core.Version);
    }

    /// <summary>Ends the pending wait, if any: <paramref name="error"/> null for an edge.</summary>
    public void Complete(Exception? error = null)
    {
        if (Interlocked.Exchange(ref _armed, 0) != 1) return;
        if (error is null) _core.SetResult(true);
        else _core.SetException(error);
    }

    void IValueTaskSource.GetResult(short token)
    {
        _registration.Unregister();
        _registration = default;
        _core.GetResult(token);
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
