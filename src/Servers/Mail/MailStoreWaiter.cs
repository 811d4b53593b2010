namespace Protocols.Servers.Mail;

/// <summary>Waiting for a message that matches a search, on any <see cref="IMailStore"/>.</summary>
public static class MailStoreWaiter
{
    /// <summary>
    /// The newest message already stored that matches <paramref name="search"/> in <paramref name="mailbox"/>, or the
    /// first matching one to arrive within <paramref name="timeout"/>; null when none did. A search that does not parse
    /// throws <see cref="MailSearchException"/> at once; the caller's cancellation throws.
    /// </summary>
    public static async Task<MailSummary?> WaitForAsync(this IMailStore store, string? search, TimeSpan timeout,
        string mailbox = MailQuery.Inbox, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        MailSearch.Parse(search);
        var query = new MailQuery(search, mailbox, Limit: 1);
        var arrived = new SemaphoreSlim(0);
        void OnChanged(object? sender, MailChange e)
        {
            if (e.Kind == MailChangeKind.Added) arrived.Release();
        }
        using var deadline = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        // Subscribe before looking, so nothing arriving in between is missed.
        store.Changed += OnChanged;
        try
        {
            while (true)
            {
                var page = await store.ListAsync(query, linked.Token).ConfigureAwait(false);
                if (page.Messages.Count > 0) return page.Messages[0];
                try
                {
                    await arrived.WaitAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    return null;
                }
                while (arrived.CurrentCount > 0) await arrived.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        finally
        {
            store.Changed -= OnChanged;
            arrived.Dispose();
        }
    }
}
