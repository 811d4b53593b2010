namespace Protocols.Servers.Testing;

/// <summary>The requests a test server received, in order, numbered, and waiters for the next matching one.</summary>
internal sealed class HttpRequestJournal(int capacity)
{
    private readonly WaitableJournal<HttpRecordedRequest> _requests = new(capacity);
    private long _sequence;

    public long NextSequence() => Interlocked.Increment(ref _sequence);

    public void Add(HttpRecordedRequest request) => _requests.Add(request);

    public IReadOnlyList<HttpRecordedRequest> Snapshot() => _requests.Snapshot();

    public void Clear()
    {
        _requests.Clear();
        Interlocked.Exchange(ref _sequence, 0);
    }

    public Task<HttpRecordedRequest> WaitAsync(Func<HttpRecordedRequest, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken) =>
        _requests.WaitAsync(predicate, timeout, () =>
        {
            var seen = Snapshot();
            var summary = seen.Count == 0 ? "no requests" : string.Join("; ", seen.TakeLast(10));
            return $"no matching request within {timeout.TotalSeconds:0.###} s; received: {summary}";
        }, cancellationToken);
}
