namespace Protocols.Net;

/// <summary>
/// One reusable timer per direction that turns "took too long" into a cancellation, linked with the caller's token.
/// <see cref="Translate"/> tells which fired: the caller's token means cancelled, the timer means timeout.
/// </summary>
internal sealed class OperationTimer : IDisposable
{
    private CancellationTokenSource? _timer;
    private CancellationTokenSource? _linked;

    public TimeSpan Timeout { get; set; } = System.Threading.Timeout.InfiniteTimeSpan;

    /// <summary>Returns the token to pass to the operation. Allocates only when both a timeout and a caller token apply.</summary>
    public CancellationToken Start(CancellationToken cancellationToken)
    {
        if (Timeout == System.Threading.Timeout.InfiniteTimeSpan) return cancellationToken;
        if (_timer is null || !_timer.TryReset())
        {
            _timer?.Dispose();
            _timer = new CancellationTokenSource();
        }
        _timer.CancelAfter(Timeout);
        if (!cancellationToken.CanBeCanceled) return _timer.Token;
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timer.Token);
        return _linked.Token;
    }

    /// <summary>Stops the timer after the operation.</summary>
    public void Stop()
    {
        _timer?.CancelAfter(System.Threading.Timeout.InfiniteTimeSpan);
        _linked?.Dispose();
        _linked = null;
    }

    /// <summary>Maps a cancellation to what it means: the caller's cancellation, or a <see cref="TimeoutException"/>.</summary>
    public Exception Translate(OperationCanceledException exception, CancellationToken cancellationToken, string what) =>
        cancellationToken.IsCancellationRequested || _timer is null || !_timer.IsCancellationRequested
            ? exception
            : new TimeoutException($"{what} timed out after {Timeout.TotalSeconds:0.###} s", exception);

    public void Dispose()
    {
        _timer?.Dispose();
        _linked?.Dispose();
    }
}
