using System.Net;
using Protocols.Servers.Mail;
using Protocols.Servers.Smtp;

namespace Protocols.Servers.Testing;

/// <summary>
/// What an <see cref="SmtpTestServer"/> received, read from its <see cref="IMailStore"/>: the SMTP server appends
/// through <see cref="MailStoreSmtpStore"/>, and waits scan the store by UID (a page at a time, each message read back
/// and dropped unless it matches). The newest messages are also kept as received (envelope parameters included) in a
/// list bounded by <see cref="RecentCapacity"/> messages and <see cref="RecentMaxBytes"/> bytes. A message spooled to a
/// file (past the server's spool threshold) is kept by reference to the store's file: its <c>Raw</c> loads on first use.
/// </summary>
internal sealed class SmtpTestMessages : IMessageStore, IDisposable
{
    public const int RecentCapacity = 1000;
    public const long RecentMaxBytes = 64L * 1024 * 1024;
    private const int PageSize = 100;

    private readonly IMailStore _mail;
    private readonly MailStoreSmtpStore _append;
    private readonly object _gate = new();
    private readonly LinkedList<ReceivedMessage> _recent = new();
    private long _recentBytes;
    private long _lastUid;
    private long _resetUid;

    public SmtpTestMessages(IMailStore mail)
    {
        _mail = mail;
        _append = new MailStoreSmtpStore(mail);
        _mail.Changed += OnChanged;
    }

    public IReadOnlyList<ReceivedMessage> Recent { get { lock (_gate) return [.. _recent]; } }

    /// <summary>The mail store's own: a spooled message is moved into place as the store's file.</summary>
    public string? SpoolDirectory => _append.SpoolDirectory;

    public async ValueTask SaveAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        // Kept before the append, so a waiter woken by the store's Added event finds it as received.
        Remember(message);
        try
        {
            await _append.SaveAsync(message, cancellationToken).ConfigureAwait(false);
            // A spooled message the store did not take as its file (PostgreSQL) loses its spool when this returns:
            // read back from the store instead.
            if (message.Content.OwnsFile) Forget(message);
        }
        catch
        {
            Forget(message);
            throw;
        }
    }

    /// <summary>Forgets what arrived so far (the store keeps it: other readers of a shared store still see it).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _recent.Clear();
            _recentBytes = 0;
            _resetUid = _lastUid;
        }
    }

    /// <summary>The first stored message (oldest first, since the last reset) that matches, or the first to arrive.</summary>
    public async Task<ReceivedMessage> WaitAsync(Func<ReceivedMessage, bool> match, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var arrived = new SemaphoreSlim(0);
        void OnAdded(object? sender, MailChange e)
        {
            if (e.Kind == MailChangeKind.Added) arrived.Release();
        }
        using var deadline = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        _mail.Changed += OnAdded; // before looking, so nothing arriving in between is missed
        try
        {
            long after;
            lock (_gate) after = _resetUid;
            while (true)
            {
                while (true)
                {
                    var page = await _mail.ListByUidAsync(MailQuery.Inbox, after, PageSize, linked.Token).ConfigureAwait(false);
                    foreach (var summary in page)
                    {
                        after = summary.Uid;
                        if (await LoadAsync(summary, linked.Token).ConfigureAwait(false) is { } m && match(m)) return m;
                    }
                    if (page.Count < PageSize) break;
                }
                await arrived.WaitAsync(linked.Token).ConfigureAwait(false);
                while (arrived.CurrentCount > 0) await arrived.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no matching message arrived within {timeout}");
        }
        finally
        {
            _mail.Changed -= OnAdded;
        }
    }

    public void Dispose() => _mail.Changed -= OnChanged;

    private void OnChanged(object? sender, MailChange e)
    {
        if (e.Kind != MailChangeKind.Added) return;
        lock (_gate) _lastUid = Math.Max(_lastUid, e.Uid);
    }

    private void Remember(ReceivedMessage message)
    {
        lock (_gate)
        {
            _recent.AddLast(message);
            _recentBytes += message.Size;
            while (_recent.Count > 1 && (_recent.Count > RecentCapacity || _recentBytes > RecentMaxBytes))
            {
                _recentBytes -= _recent.First!.Value.Size;
                _recent.RemoveFirst();
            }
        }
    }

    private void Forget(ReceivedMessage message)
    {
        lock (_gate)
        {
            if (_recent.Remove(message)) _recentBytes -= message.Size;
        }
    }

    /// <summary>The message as received when it is still in the recent list; else read back from the store (the
    /// envelope then has addresses only: the store does not keep MAIL/RCPT parameters). Null when it is gone.</summary>
    private async Task<ReceivedMessage?> LoadAsync(MailSummary summary, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var m in _recent)
            {
                if (m.Id == summary.Id) return m;
            }
        }
        var stored = await _mail.GetAsync(summary.Id, cancellationToken).ConfigureAwait(false);
        var raw = await _mail.OpenRawAsync(summary.Id, cancellationToken).ConfigureAwait(false);
        if (stored is null || raw is null) return null;
        byte[] bytes;
        await using (raw.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream(checked((int)Math.Max(0, summary.Size)));
            await raw.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            bytes = buffer.ToArray();
        }
        var none = new Dictionary<string, string?>();
        var envelope = new SmtpEnvelope(summary.EnvelopeFrom, none, [.. summary.EnvelopeTo.Select(a => new SmtpRecipient(a, none))]);
        var session = stored.Session;
        EndPoint? client = IPEndPoint.TryParse(session.ClientAddress ?? "", out var ep) ? ep : null;
        return new ReceivedMessage(summary.Id, envelope, bytes, summary.ReceivedAt, client, session.HeloName, session.Tls, session.AuthenticatedUser)
        {
            Transcript = session.Transcript,
        };
    }
}
