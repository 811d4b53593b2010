using Protocols.Servers.Pop3;

namespace Protocols.Servers.MailUi;

/// <summary>The captured mail as a POP3 maildrop: every login sees the same messages; DELE + QUIT deletes them from the capture.</summary>
public sealed class CapturedMailPop3Mailbox(ICapturedMailSource source) : IPop3Mailbox
{
    private readonly ICapturedMailSource _source = source ?? throw new ArgumentNullException(nameof(source));

    public async ValueTask<IReadOnlyList<Pop3MessageInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        var messages = await _source.ListAsync(cancellationToken).ConfigureAwait(false);
        return [.. messages.Select(m => new Pop3MessageInfo(m.Id, m.Size))];
    }

    public async ValueTask<Stream?> OpenAsync(string uniqueId, CancellationToken cancellationToken = default)
    {
        var mail = await _source.GetAsync(uniqueId, cancellationToken).ConfigureAwait(false);
        if (mail is null) return null;
        return System.Runtime.InteropServices.MemoryMarshal.TryGetArray(mail.Raw, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(mail.Raw.ToArray(), writable: false);
    }

    public async ValueTask DeleteAsync(IReadOnlyCollection<string> uniqueIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uniqueIds);
        foreach (var id in uniqueIds) await _source.DeleteAsync(id, cancellationToken).ConfigureAwait(false);
    }
}
