namespace Protocols.Servers.Testing;

/// <summary>The requests a test server received, in order, and waiters for the next matching one.</summary>
internal sealed class HttpRequestJournal(int capacity)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<HttpRecordedRequest> _requests = new();
    private readonly List<(Func<HttpRecordedRequest, bool> Predicate, TaskCompletionSource<HttpRecordedRequest> Completion)> _waiters = [];
    private long _sequence;

    public long NextSequence() => Interlocked.Increment(ref _sequence);

    public void Add(HttpRecordedRequest request)
    {
        List<TaskCompletionSource<HttpRecordedRequest>>? completed = null;
        lock (_gate)
        {
            _requests.AddLast(request);
            while (_requests.Count > capacity) _requests.RemoveFirst();
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!SafeMatch(_waiters[i].Predicate, request)) continue;
                (completed ??= []).Add(_waiters[i].Completion);
                _waiters.RemoveAt(i);
            }
        }
        if (completed is null) return;
        foreach (var completion in completed) completion.TrySetResult(request);
    }

    public IReadOnlyList<HttpRecordedRequest> Snapshot()
    {
        lock (_gate) return _requests.ToList();
    }

    public void Clear()
    {
        lock (_gate)
        {
            _requests.Clear();
            Interlocked.Exchange(ref _sequence, 0);
        }
    }

    public async Task<HttpRecordedRequest> WaitAsync(Func<HttpRecordedRequest, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<HttpRecordedRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        var entry = (predicate, completion);
        lock (_gate)
        {
            foreach (var request in _requests)
            {
                if (predicate(request)) return request;
            }
            _waiters.Add(entry);
        }
        try
        {
            return await completion.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var seen = Snapshot();
            var summary = seen.Count == 0 ? "no requests" : string.Join("; ", seen.TakeLast(10));
            throw new TimeoutException($"no matching request within {timeout.TotalSeconds:0.###} s; received: {summary}");
        }
        finally
        {
            lock (_gate) _waiters.Remove(entry);
        }
    }

    // A predicate that throws on one request does not match it (and does not break the server).
    private static bool SafeMatch(Func<HttpRecordedRequest, bool> predicate, HttpRecordedRequest request)
    {
        try
        {
            return predicate(request);
        }
        catch (Exception ex) when (ex is NullReferenceException or InvalidOperationException or ArgumentException or FormatException or KeyNotFoundException)
        {
            return false;
        }
    }
}
