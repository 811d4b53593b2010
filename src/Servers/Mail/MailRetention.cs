namespace Protocols.Servers.Mail;

/// <summary>
/// What the store may delete on its own: nothing unless asked. Each limit prunes the oldest messages first and logs
/// how many went. Never tied to memory: bytes live on disk.
/// </summary>
/// <param name="Keep">Most messages kept (<c>--keep N</c>), or null.</param>
/// <param name="MaxBytes">Most raw bytes kept (<c>--max-store-bytes SIZE</c>), or null.</param>
/// <param name="MaxAge">Oldest message kept (<c>--max-age DURATION</c>), or null.</param>
public sealed record MailRetention(long? Keep = null, long? MaxBytes = null, TimeSpan? MaxAge = null)
{
    public static MailRetention None { get; } = new();

    public bool IsNone => Keep is null && MaxBytes is null && MaxAge is null;
}
