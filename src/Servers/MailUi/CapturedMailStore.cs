using System.Globalization;

namespace Protocols.Servers.MailUi;

/// <summary>
/// Captured mail held in memory, newest kept when over <see cref="Capacity"/>. Thread-safe. The SMTP server feeds it
/// (through its message-store hook); the web page and POP3 read it.
/// </summary>
public sealed class CapturedMailStore : ICapturedMailSource
{
    private readonly Lock _lock = new();
    private readonly LinkedList<CapturedMail> _messages = new();
    private readonly Dictionary<string, LinkedListNode<CapturedMail>> _byId = new(StringComparer.Ordinal);
    private long _nextId;

    /// <param name="capacity">Messages kept; the oldest go first. Default 10,000 (Mailpit keeps 500 by default; a dev box has room for more).</param>
    public CapturedMailStore(int capacity = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (_lock) return _messages.Count;
        }
    }

    public event EventHandler<CapturedMailChangedEventArgs>? Changed;

    /// <summary>Makes a fresh id (for callers that have none of their own).</summary>
    public string NewId() =>
        DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "-"
        + Interlocked.Increment(ref _nextId).ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Adds a message; an id already held is replaced.</summary>
    public void Add(CapturedMail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (!IsValidId(mail.Id)) throw new ArgumentException("an id is 1-70 printable ASCII characters without '/', '\\' or spaces", nameof(mail));
        List<CapturedMail> dropped = [];
        lock (_lock)
        {
            if (_byId.Remove(mail.Id, out var old)) _messages.Remove(old);
            _byId[mail.Id] = _messages.AddLast(mail);
            while (_messages.Count > Capacity)
            {
                var first = _messages.First!;
                _messages.RemoveFirst();
                _byId.Remove(first.Value.Id);
                dropped.Add(first.Value);
            }
        }
        foreach (var gone in dropped) Changed?.Invoke(this, new CapturedMailChangedEventArgs(CapturedMailChangeKind.Deleted, gone.Id, gone));
        Changed?.Invoke(this, new CapturedMailChangedEventArgs(CapturedMailChangeKind.Added, mail.Id, mail));
    }

    /// <summary>Adds raw bytes with an envelope, making the id; returns the message.</summary>
    public CapturedMail Add(ReadOnlyMemory<byte> raw, string envelopeFrom = "", IReadOnlyList<string>? envelopeTo = null)
    {
        var mail = new CapturedMail(NewId(), DateTimeOffset.UtcNow, envelopeFrom, envelopeTo ?? [], raw);
        Add(mail);
        return mail;
    }

    public ValueTask<IReadOnlyList<CapturedMail>> ListAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock) return ValueTask.FromResult<IReadOnlyList<CapturedMail>>([.. _messages]);
    }

    public ValueTask<CapturedMail?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_lock) return ValueTask.FromResult(_byId.TryGetValue(id, out var node) ? node.Value : null);
    }

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        CapturedMail? removed = null;
        lock (_lock)
        {
            if (_byId.Remove(id, out var node))
            {
                _messages.Remove(node);
                removed = node.Value;
            }
        }
        if (removed is null) return ValueTask.FromResult(false);
        Changed?.Invoke(this, new CapturedMailChangedEventArgs(CapturedMailChangeKind.Deleted, id, removed));
        return ValueTask.FromResult(true);
    }

    public ValueTask ClearAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _messages.Clear();
            _byId.Clear();
        }
        Changed?.Invoke(this, new CapturedMailChangedEventArgs(CapturedMailChangeKind.Cleared, null, null));
        return ValueTask.CompletedTask;
    }

    internal static bool IsValidId(string id) =>
        id.Length is > 0 and <= 70 && id.All(c => c is > ' ' and < '\u007f' and not '/' and not '\\');
}
