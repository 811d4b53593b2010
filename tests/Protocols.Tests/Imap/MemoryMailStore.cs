using Protocols.Servers.Mail;

namespace Protocols.Tests.Imap;

/// <summary>
/// A small in-memory <see cref="IMailStore"/> for the IMAP session tests, until the store branch's SQLite store is
/// merged (then these tests run on it). Only what IMAP uses is real; the page queries answer the newest messages.
/// </summary>
internal sealed class MemoryMailStore : IMailStore
{
    private readonly Lock _lock = new();
    private readonly List<(MailSummary Summary, byte[] Raw)> _messages = [];
    private readonly Dictionary<string, long> _uidNext = new(StringComparer.OrdinalIgnoreCase) { ["INBOX"] = 1 };
    private long _lastUid;
    private int _ids;

    public long UidValidity { get; } = 1_700_000_000;

    public event EventHandler<MailChange>? Changed;

    public ValueTask<MailSummary> AppendAsync(MailToAppend mail, CancellationToken cancellationToken = default)
    {
        MailSummary summary;
        lock (_lock)
        {
            var uid = ++_lastUid;
            var message = MimeKit.MimeMessage.Load(new MemoryStream(mail.Raw.ToArray()));
            summary = new MailSummary(mail.Id ?? "m" + Interlocked.Increment(ref _ids), uid, mail.ReceivedAt, mail.EnvelopeFrom, mail.EnvelopeTo,
                message.From.ToString(), message.To.ToString(), message.Cc.ToString(), message.Subject, message.Headers["Date"],
                mail.Raw.Length, false, 0, mail.Flags, []);
            _messages.Add((summary, mail.Raw.ToArray()));
            _uidNext["INBOX"] = uid + 1;
            foreach (var to in mail.EnvelopeTo) _uidNext[to.ToLowerInvariant()] = uid + 1;
        }
        Changed?.Invoke(this, new MailChange(MailChangeKind.Added, summary.Id, summary.Uid, summary));
        return ValueTask.FromResult(summary);
    }

    public ValueTask<MailPage> ListAsync(MailQuery query, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var all = InMailbox(query.Mailbox).Reverse().Take(query.Limit).ToList();
            return ValueTask.FromResult(new MailPage(all, all.Count, _messages.Count, null));
        }
    }

    private IEnumerable<MailSummary> InMailbox(string mailbox) =>
        _messages.Select(m => m.Summary).Where(s => mailbox.Equals("INBOX", StringComparison.OrdinalIgnoreCase)
            || s.EnvelopeTo.Any(t => t.Equals(mailbox, StringComparison.OrdinalIgnoreCase)));

    public ValueTask<StoredMail?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var m = _messages.FirstOrDefault(x => x.Summary.Id == id);
            return ValueTask.FromResult(m.Summary is null ? null : new StoredMail(m.Summary, MailSessionFacts.None));
        }
    }

    public ValueTask<Stream?> OpenRawAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var m = _messages.FirstOrDefault(x => x.Summary.Id == id);
            return ValueTask.FromResult<Stream?>(m.Raw is null ? null : new MemoryStream(m.Raw, writable: false));
        }
    }

    public ValueTask<MailSummary?> SetFlagsAsync(string id, MailFlagChange change, CancellationToken cancellationToken = default)
    {
        MailSummary? updated = null;
        var changed = false;
        lock (_lock)
        {
            var i = _messages.FindIndex(x => x.Summary.Id == id);
            if (i >= 0)
            {
                var s = _messages[i].Summary;
                var keywords = s.Keywords.Except(change.RemoveKeywords ?? [], StringComparer.OrdinalIgnoreCase)
                    .Union(change.AddKeywords ?? [], StringComparer.OrdinalIgnoreCase).ToList();
                updated = s with { Flags = (s.Flags & ~change.Remove) | change.Add, Keywords = keywords };
                changed = updated.Flags != s.Flags || !keywords.SequenceEqual(s.Keywords);
                _messages[i] = (updated, _messages[i].Raw);
            }
        }
        if (changed) Changed?.Invoke(this, new MailChange(MailChangeKind.FlagsChanged, id, updated!.Uid, updated));
        return ValueTask.FromResult(updated);
    }

    public ValueTask<int> DeleteAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        List<MailSummary> gone;
        lock (_lock)
        {
            gone = _messages.Where(m => ids.Contains(m.Summary.Id)).Select(m => m.Summary).ToList();
            _messages.RemoveAll(m => ids.Contains(m.Summary.Id));
        }
        foreach (var s in gone) Changed?.Invoke(this, new MailChange(MailChangeKind.Deleted, s.Id, s.Uid, s));
        return ValueTask.FromResult(gone.Count);
    }

    public ValueTask ClearAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock) _messages.Clear();
        Changed?.Invoke(this, new MailChange(MailChangeKind.Cleared));
        return ValueTask.CompletedTask;
    }

    public ValueTask<MailStoreStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock) return ValueTask.FromResult(new MailStoreStats(_messages.Count, _messages.Sum(m => (long)m.Raw.Length), 0, 0));
    }

    public ValueTask<IReadOnlyList<string>> ListMailboxesAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock) return ValueTask.FromResult<IReadOnlyList<string>>([.. _uidNext.Keys.OrderBy(k => k == "INBOX" ? "" : k, StringComparer.Ordinal)]);
    }

    public ValueTask<MailboxStatus?> GetMailboxAsync(string mailbox, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_uidNext.TryGetValue(mailbox, out var next)) return ValueTask.FromResult<MailboxStatus?>(null);
            var list = InMailbox(mailbox).ToList();
            return ValueTask.FromResult<MailboxStatus?>(new MailboxStatus(mailbox, UidValidity, next, list.Count, list.Count(s => (s.Flags & MailFlags.Seen) == 0)));
        }
    }

    public ValueTask<IReadOnlyList<MailSummary>> ListByUidAsync(string mailbox, long afterUid, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock) return ValueTask.FromResult<IReadOnlyList<MailSummary>>([.. InMailbox(mailbox).Where(s => s.Uid > afterUid).Take(limit)]);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
