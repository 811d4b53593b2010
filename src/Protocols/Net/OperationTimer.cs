namespace Protocols.Net;

/// <summary>
/// One reusable cancellation source per direction that fires when an operation takes too long, and that the
/// caller's token also cancels. <see cref="Translate"/> tells which fired: the caller's token means cancelled,
/// the timer means timeout. The source is reset (not reallocated) between operations, and the caller's token is
/// registered once while it stays the same, so a session that reads with its lifetime token and an idle timeout
/// allocates nothing per read. (A linked source would not survive <see cref="CancellationTokenSource.TryReset"/>,
/// which drops the registrations on the reset token.)
/// </summary>
internal sealed class OperationTimer : IDisposable
{
    private CancellationTokenSource? _source;
    private CancellationTokenRegistration _callerRegistration;
    private CancellationToken _registeredFor;
    private CancellationToken _runningFor;

    public TimeSpan Timeout { get; set; } = System.Threading.Timeout.InfiniteTimeSpan;

    /// <summary>Returns the token to pass to the operation.</summary>
    public CancellationToken Start(CancellationToken cancellationToken)
    {
        if (Timeout == System.Threading.Timeout.InfiniteTimeSpan) return cancellationToken;
        cancellationToken.ThrowIfCancellationRequested();
        _runningFor = cancellationToken;
        if (_source is null || !_source.TryReset())
        {
            _source?.Dispose();
            _source = new CancellationTokenSource();
        }
        if (cancellationToken.CanBeCanceled && cancellationToken != _registeredFor)
        {
            _callerRegistration.Dispose();
            _callerRegistration = cancellationToken.UnsafeRegister(static state => ((OperationTimer)state!).CancelCurrent(), this);
            _registeredFor = cancellationToken;
        }
        if (cancellationToken.IsCancellationRequested) _source.Cancel(); // cancelled while the source was being reset
        _source.CancelAfter(Timeout);
        return _source.Token;
    }

    /// <summary>True when the current operation was cancelled: by the timer, or by the caller's token (check that first).</summary>
    public bool HasFired => _source is { IsCancellationRequested: true };

    // The registration outlives the operation it was made for (it is kept while the caller's token stays the same):
    // a token cancelled after its operation ended must not cancel a later operation that runs with another token.
    private void CancelCurrent()
    {
        if (_runningFor == _registeredFor) Volatile.Read(ref _source)?.Cancel();
    }

    /// <summary>Stops the timer after the operation.</summary>
    public void Stop()
    {
        _runningFor = default;
        if (_source is { IsCancellationRequested: false }) _source.CancelAfter(System.Threading.Timeout.InfiniteTimeSpan);
    }

    /// <summary>Maps a cancellation to what it means: the caller's cancellation, or a <see cref="TimeoutException"/>.</summary>
    public Exception Translate(OperationCanceledException exception, CancellationToken cancellationToken, string what)
    {
        if (cancellationToken.IsCancellationRequested) return new OperationCanceledException(exception.Message, exception, cancellationToken);
        if (_source is { IsCancellationRequested: true }) return new TimeoutException($"{what} timed out after {Timeout.TotalSeconds:0.###} s", exception);
        return exception;
    }

    public void Dispose()
    {
        _callerRegistration.Dispose();
        _source?.Dispose();
    }
}
