namespace Protocols.Servers.MailUi;

/// <summary>
/// The captured mail the web page, its JSON API and the POP3 maildrop show: list, get, delete one, clear, and a
/// change event for live updates. <see cref="CapturedMailStore"/> is the in-memory one the SMTP server feeds.
/// </summary>
public interface ICapturedMailSource
{
    /// <summary>Every message, oldest first.</summary>
    ValueTask<IReadOnlyList<CapturedMail>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>One message, or null when there is none with that id.</summary>
    ValueTask<CapturedMail?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Deletes one message; false when it was not there.</summary>
    ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Deletes every message.</summary>
    ValueTask ClearAsync(CancellationToken cancellationToken = default);

    /// <summary>Raised after each change, on the thread that made it: keep handlers short and never block.</summary>
    event EventHandler<CapturedMailChangedEventArgs>? Changed;
}
