namespace Protocols.Servers.Mail;

/// <summary>Waiting for a message that matches a search, on any <see cref="IMailStore"/>.</summary>
public static class MailStoreWaiter
{
    /// <summary>
    /// The newest message already stored that matches <paramref name="search"/> in <paramref name="mailbox"/>, or the
    /// first matching one to arrive within <paramref name="timeout"/>; null when none did. A search that does not parse
    /// throws <see cref="MailSearchException"/> at once; the caller's cancellation throws.
    /// </summary>
    public static Task<MailSummary?> WaitForAsync(this IMailStore store, string? search, TimeSpan timeout,
        string mailbox = MailQuery.Inbox, CancellationToken cancellationToken = default) =>
        store.WaitForAsync(search, timeout, mailbox, since: null, cancellationToken);

    /// <summary>
    /// As <see cref="WaitForAsync(IMailStore, string?, TimeSpan, string, CancellationToken)"/>, counting only messages
    /// that <paramref name="since"/> admits (arrived after a given message or instant); null admits all.
    /// </summary>
    public static async Task<MailSummary?> WaitForAsync(this IMailStore store, string? search, TimeSpan timeout,
        string mailbox, MailSince? since, CancellationToken cancellationToken = default)
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
                // The newest match has the greatest UID: if it is not after the bound, no match is.
                if (page.Messages.Count > 0 && (since is null || since.Admits(page.Messages[0]))) return page.Messages[0];
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
