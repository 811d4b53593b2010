using Protocols.Servers.Smtp;

namespace Protocols.Servers.Mail;

/// <summary>What the SMTP session knew about the client when the message came.</summary>
/// <param name="ClientAddress">The client's address and port (e.g. <c>127.0.0.1:50412</c>), or null.</param>
/// <param name="HeloName">The EHLO/HELO argument, or null.</param>
/// <param name="Tls">Whether the message came over TLS (implicit or STARTTLS).</param>
/// <param name="AuthenticatedUser">The AUTH user, or null when the client did not authenticate.</param>
/// <param name="Transcript">The session's commands and replies up to this message, secrets redacted, or null.</param>
public sealed record MailSessionFacts(string? ClientAddress = null, string? HeloName = null, bool Tls = false,
    string? AuthenticatedUser = null, string? Transcript = null)
{
    public static MailSessionFacts None { get; } = new();
}

/// <summary>A message to store: its raw bytes, envelope and session facts.</summary>
public sealed record MailToAppend
{
    /// <param name="raw">The message as received (header, blank line, body), dot-stuffing removed.</param>
    public MailToAppend(ReadOnlyMemory<byte> raw, string envelopeFrom = "", IReadOnlyList<string>? envelopeTo = null)
        : this(MessageContent.FromMemory(raw), envelopeFrom, envelopeTo)
    {
    }

    /// <param name="content">The message as received, in memory or spooled to a file (a store moves a spool file into
    /// place when it keeps files on the same file system; else it streams it).</param>
    public MailToAppend(MessageContent content, string envelopeFrom = "", IReadOnlyList<string>? envelopeTo = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(envelopeFrom);
        Content = content;
        EnvelopeFrom = envelopeFrom;
        EnvelopeTo = envelopeTo ?? [];
    }

    /// <summary>The bytes, in memory or in a spool file.</summary>
    public MessageContent Content { get; }

    /// <summary>Size in octets.</summary>
    public long Size => Content.Length;

    /// <summary>The id to store it under (the SMTP queue id: letters, digits, '-', up to 70), or null to have the store
    /// make one. An id already stored is refused with <see cref="MailStoreException"/>.</summary>
    public string? Id { get; init; }

    /// <summary>The whole message in memory: loads a spooled one (stores read <see cref="Content"/> instead).</summary>
    public ReadOnlyMemory<byte> Raw => Content.Memory;

    /// <summary>MAIL FROM (empty for the null sender &lt;&gt;).</summary>
    public string EnvelopeFrom { get; }

    /// <summary>The accepted RCPT TO addresses.</summary>
    public IReadOnlyList<string> EnvelopeTo { get; }

    /// <summary>When the end of data arrived. Default: now.</summary>
    public DateTimeOffset ReceivedAt { get; init; } = DateTimeOffset.UtcNow;

    public MailSessionFacts Session { get; init; } = MailSessionFacts.None;

    /// <summary>Initial flags (e.g. an IMAP APPEND with \Seen). Default none.</summary>
    public MailFlags Flags { get; init; }
}
