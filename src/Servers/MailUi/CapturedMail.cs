namespace Protocols.Servers.MailUi;

/// <summary>One captured message: the envelope, when it came, and the raw bytes as received.</summary>
public sealed class CapturedMail
{
    private MailView? _view;

    public CapturedMail(string id, DateTimeOffset receivedAt, string envelopeFrom, IReadOnlyList<string> envelopeTo, ReadOnlyMemory<byte> raw)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(envelopeFrom);
        ArgumentNullException.ThrowIfNull(envelopeTo);
        Id = id;
        ReceivedAt = receivedAt;
        EnvelopeFrom = envelopeFrom;
        EnvelopeTo = envelopeTo;
        Raw = raw;
    }

    /// <summary>A stable id: printable ASCII without spaces or slashes, so it fits a URL segment and a POP3 UIDL.</summary>
    public string Id { get; }

    public DateTimeOffset ReceivedAt { get; }

    /// <summary>MAIL FROM (empty for the null sender).</summary>
    public string EnvelopeFrom { get; }

    /// <summary>RCPT TO addresses.</summary>
    public IReadOnlyList<string> EnvelopeTo { get; }

    /// <summary>The message as received (header, blank line, body).</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    public long Size => Raw.Length;

    /// <summary>The parsed view (headers, text, HTML, attachments, part tree), made with MimeKit on first use and kept.</summary>
    internal MailView View => _view ??= MailView.Parse(Raw);

    /// <summary>Subject, From, To, Cc and Date from the header section only (no MIME parse), made on first use.</summary>
    internal MailView Headline => _view ?? (_headline ??= MailView.HeadersOnly(Raw));

    private MailView? _headline;
}

/// <summary>What changed in a <see cref="ICapturedMailSource"/>.</summary>
public enum CapturedMailChangeKind
{
    Added,
    Deleted,
    Cleared,
}

/// <summary>A change: a message added (with it), one deleted (its id), or all cleared.</summary>
public sealed class CapturedMailChangedEventArgs(CapturedMailChangeKind kind, string? id, CapturedMail? mail) : EventArgs
{
    public CapturedMailChangeKind Kind { get; } = kind;

    public string? Id { get; } = id;

    public CapturedMail? Mail { get; } = mail;
}
