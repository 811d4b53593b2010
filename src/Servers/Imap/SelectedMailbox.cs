using Protocols.Servers.Mail;

namespace Protocols.Servers.Imap;

/// <summary>
/// A session's view of its selected mailbox: the messages in UID order (index + 1 is the sequence number), and the
/// store's changes waiting to be told to the client. Changes come from the store's event on any thread; the session
/// applies them between commands (RFC 9051 §7: EXISTS any time, EXPUNGE only when the client can take it).
/// </summary>
internal sealed class SelectedMailbox : IDisposable
{
    private readonly IMailStore _store;
    private readonly Lock _lock = new();
    private readonly List<MailChange> _pending = [];
    private readonly string? _recipient;
    private readonly SemaphoreSlim _signal = new(0);

    public SelectedMailbox(IMailStore store, string name, string storeMailbox, bool readOnly, MailboxStatus status)
    {
        _store = store;
        Name = name;
        StoreMailbox = storeMailbox;
        ReadOnly = readOnly;
        UidValidity = status.UidValidity;
        UidNext = status.UidNext;
        _recipient = storeMailbox == MailQuery.Inbox ? null : storeMailbox;
        _store.Changed += OnChanged;
    }

    /// <summary>The name the client selected.</summary>
    public string Name { get; }

    /// <summary>The store's mailbox behind it (<c>INBOX</c> or a recipient view).</summary>
    public string StoreMailbox { get; }

    public bool ReadOnly { get; }

    public long UidValidity { get; }

    public long UidNext { get; private set; }

    public List<MailSummary> Messages { get; } = [];

    /// <summary>Released whenever a change arrives (IDLE waits on it).</summary>
    public SemaphoreSlim Signal => _signal;

    public bool HasPending
    {
        get
        {
            lock (_lock) return _pending.Count > 0;
        }
    }

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        long after = 0;
        while (true)
        {
            var page = await _store.ListByUidAsync(StoreMailbox, after, MailQuery.MaxLimit, cancellationToken).ConfigureAwait(false);
            foreach (var m in page) if (m.Uid > after) Messages.Add(m);
            if (page.Count < MailQuery.MaxLimit) break;
            after = page[^1].Uid;
        }
        if (Messages.Count > 0) UidNext = Math.Max(UidNext, Messages[^1].Uid + 1);
    }

    private void OnChanged(object? sender, MailChange change)
    {
        if (change.Kind == MailChangeKind.Added && _recipient is not null
            && change.Summary?.EnvelopeTo.Any(a => a.Equals(_recipient, StringComparison.OrdinalIgnoreCase)) != true) return;
        lock (_lock) _pending.Add(change);
        _signal.Release();
    }

    /// <summary>Index of the message with <paramref name="uid"/>, or -1.</summary>
    public int IndexOfUid(long uid)
    {
        int lo = 0, hi = Messages.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var m = Messages[mid].Uid;
            if (m == uid) return mid;
            if (m < uid) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
    }

    public long MaxUid => Messages.Count == 0 ? 0 : Messages[^1].Uid;

    /// <summary>
    /// Applies the waiting changes and writes what the client must hear: EXISTS, FETCH FLAGS, and (when
    /// <paramref name="allowExpunge"/>) EXPUNGE. Changes after a held-back expunge stay queued, in order.
    /// </summary>
    public void ApplyPending(ImapResponse w, bool allowExpunge, bool uidInFetch, Action<string> forget)
    {
        List<MailChange> changes;
        lock (_lock)
        {
            if (_pending.Count == 0) return;
            changes = [.. _pending];
            _pending.Clear();
        }
        var before = Messages.Count;
        var i = 0;
        for (; i < changes.Count; i++)
        {
            var change = changes[i];
            switch (change.Kind)
            {
                case MailChangeKind.Added when change.Summary is { } added:
                    if (added.Uid > MaxUid)
                    {
                        Messages.Add(added);
                        UidNext = Math.Max(UidNext, added.Uid + 1);
                    }
                    break;
                case MailChangeKind.FlagsChanged when change.Summary is { } changed:
                    var at = IndexOfUid(changed.Uid);
                    if (at >= 0 && (Messages[at].Flags != changed.Flags || !Messages[at].Keywords.SequenceEqual(changed.Keywords)))
                    {
                        Messages[at] = changed;
                        w.Raw("* ").Number(at + 1).Raw(" FETCH (");
                        if (uidInFetch) w.Raw("UID ").Number(changed.Uid).Space();
                        ImapFormat.Flags(w, changed).Raw(")\r\n"u8);
                    }
                    break;
                case MailChangeKind.Deleted or MailChangeKind.Pruned:
                    var gone = IndexOfUid(change.Uid);
                    if (change.Id is not null) forget(change.Id);
                    if (gone < 0) break;
                    if (!allowExpunge) goto HoldBack;
                    WriteExists(w, before);
                    Messages.RemoveAt(gone);
                    before = Messages.Count;
                    w.Raw("* ").Number(gone + 1).Raw(" EXPUNGE\r\n"u8);
                    break;
                case MailChangeKind.Cleared:
                    if (Messages.Count == 0) break;
                    if (!allowExpunge) goto HoldBack;
                    WriteExists(w, before);
                    for (var n = Messages.Count; n > 0; n--) w.Raw("* ").Number(n).Raw(" EXPUNGE\r\n"u8);
                    Messages.Clear();
                    before = 0;
                    break;
            }
        }
    HoldBack:
        if (i < changes.Count)
        {
            lock (_lock) _pending.InsertRange(0, changes.Skip(i));
        }
        WriteExists(w, before);
    }

    private void WriteExists(ImapResponse w, int before)
    {
        if (Messages.Count != before) w.Raw("* ").Number(Messages.Count).Raw(" EXISTS\r\n"u8);
    }

    public void Dispose()
    {
        _store.Changed -= OnChanged;
        _signal.Dispose();
    }
}
