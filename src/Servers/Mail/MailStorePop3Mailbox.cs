using Protocols.Servers.Pop3;

namespace Protocols.Servers.Mail;

/// <summary>A mailbox of the store as a POP3 maildrop: every login sees the same messages (INBOX, or a recipient
/// view), oldest first; bytes stream from the store; DELE + QUIT deletes them from the store.</summary>
public sealed class MailStorePop3Mailbox(IMailStore store, string mailbox = MailQuery.Inbox) : IPop3Mailbox
{
    private readonly IMailStore _store = store ?? throw new ArgumentNullException(nameof(store));

    public async ValueTask<IReadOnlyList<Pop3MessageInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<Pop3MessageInfo>();
        long after = 0;
        while (true)
        {
            var page = await _store.ListByUidAsync(mailbox, after, MailQuery.MaxLimit, cancellationToken).ConfigureAwait(false);
            list.AddRange(page.Select(m => new Pop3MessageInfo(m.Id, m.Size)));
            if (page.Count < MailQuery.MaxLimit) return list;
            after = page[^1].Uid;
        }
    }

    public ValueTask<Stream?> OpenAsync(string uniqueId, CancellationToken cancellationToken = default) => _store.OpenRawAsync(uniqueId, cancellationToken);

    public async ValueTask DeleteAsync(IReadOnlyCollection<string> uniqueIds, CancellationToken cancellationToken = default) =>
        await _store.DeleteAsync(uniqueIds, cancellationToken).ConfigureAwait(false);
}
