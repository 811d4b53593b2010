using System.Globalization;

namespace Protocols.Servers.Pop3;

/// <summary>A maildrop held in memory, for tests and small dev servers. Thread-safe.</summary>
public sealed class InMemoryPop3Mailbox : IPop3Mailbox
{
    private readonly Lock _lock = new();
    private readonly List<(string Id, byte[] Bytes)> _messages = [];
    private long _nextId = 1;

    /// <summary>Adds a message and returns its unique id.</summary>
    public string Add(ReadOnlySpan<byte> message)
    {
        lock (_lock)
        {
            var id = "m" + _nextId++.ToString(CultureInfo.InvariantCulture);
            _messages.Add((id, message.ToArray()));
            return id;
        }
    }

    /// <summary>Adds a message given as text (UTF-8).</summary>
    public string Add(string message) => Add(System.Text.Encoding.UTF8.GetBytes(message));

    /// <summary>How many messages are held.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _messages.Count;
        }
    }

    public ValueTask<IReadOnlyList<Pop3MessageInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<Pop3MessageInfo> list = [.. _messages.Select(m => new Pop3MessageInfo(m.Id, m.Bytes.Length))];
            return ValueTask.FromResult(list);
        }
    }

    public ValueTask<Stream?> OpenAsync(string uniqueId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var (id, bytes) in _messages)
            {
                if (id == uniqueId) return ValueTask.FromResult<Stream?>(new MemoryStream(bytes, writable: false));
            }
            return ValueTask.FromResult<Stream?>(null);
        }
    }

    public ValueTask DeleteAsync(IReadOnlyCollection<string> uniqueIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uniqueIds);
        var set = uniqueIds.ToHashSet(StringComparer.Ordinal);
        lock (_lock) _messages.RemoveAll(m => set.Contains(m.Id));
        return ValueTask.CompletedTask;
    }
}
