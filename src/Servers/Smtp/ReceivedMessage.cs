using System.Net;
using MimeKit;

namespace Protocols.Servers.Smtp;

/// <summary>
/// A message the server accepted (or is about to: hooks see it before the 250). Its bytes are <see cref="Content"/>:
/// in memory up to <see cref="SmtpServerLimits.SpoolThreshold"/>, else in a spool file. <see cref="OpenRead"/> reads
/// either with bounded memory; <see cref="Raw"/>, <see cref="RawText"/> and <see cref="Message"/> load a spooled message
/// into memory on first use (what a test wants; a store should stream). A spool file lives until the store returns
/// (see <see cref="MessageContent"/>); the test servers and the in-memory store read what they keep before that.
/// </summary>
public sealed class ReceivedMessage
{
    public ReceivedMessage(
        string id,
        SmtpEnvelope envelope,
        ReadOnlyMemory<byte> raw,
        DateTimeOffset receivedAt,
        EndPoint? clientEndPoint = null,
        string? heloName = null,
        bool isTls = false,
        string? authenticatedUser = null)
        : this(id, envelope, MessageContent.FromMemory(raw), receivedAt, clientEndPoint, heloName, isTls, authenticatedUser)
    {
    }

    public ReceivedMessage(
        string id,
        SmtpEnvelope envelope,
        MessageContent content,
        DateTimeOffset receivedAt,
        EndPoint? clientEndPoint = null,
        string? heloName = null,
        bool isTls = false,
        string? authenticatedUser = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        Id = id;
        Envelope = envelope;
        Content = content;
        ReceivedAt = receivedAt;
        ClientEndPoint = clientEndPoint;
        HeloName = heloName;
        IsTls = isTls;
        AuthenticatedUser = authenticatedUser;
    }

    /// <summary>Server-made id (also the queue id in the 250 reply and the .eml file name).</summary>
    public string Id { get; }

    /// <summary>MAIL FROM and RCPT TO with their parameters.</summary>
    public SmtpEnvelope Envelope { get; }

    /// <summary>The message exactly as sent, dot-stuffing removed, without the end marker. Lines end in CRLF
    /// as the client sent them. For a spooled message this loads the file on first use (see <see cref="Content"/>).</summary>
    public ReadOnlyMemory<byte> Raw => Content.Memory;

    /// <summary>The bytes, in memory or in a spool file.</summary>
    public MessageContent Content { get; }

    /// <summary>Size in octets.</summary>
    public long Size => Content.Length;

    /// <summary>A read-only stream over the bytes; nothing is loaded for a spooled message.</summary>
    public Stream OpenRead() => Content.OpenRead();

    /// <summary>When the end of data arrived.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The client's address.</summary>
    public EndPoint? ClientEndPoint { get; }

    /// <summary>The EHLO/HELO name the client gave.</summary>
    public string? HeloName { get; }

    /// <summary>Whether the message came over TLS.</summary>
    public bool IsTls { get; }

    /// <summary>The user the client authenticated as, or null.</summary>
    public string? AuthenticatedUser { get; }

    /// <summary>The session's commands and replies up to this message (AUTH secrets redacted, the message itself not
    /// included), or null when the server does not record transcripts (<see cref="SmtpServerOptions.RecordTranscript"/>).</summary>
    public string? Transcript { get; init; }

    /// <summary>Sender (reverse-path); empty for the null sender &lt;&gt;.</summary>
    public string From => Envelope.From;

    /// <summary>Accepted recipient addresses.</summary>
    public IEnumerable<string> To => Envelope.Recipients.Select(r => r.Address);

    /// <summary>The raw bytes as a string (UTF-8; for tests and logs).</summary>
    public string RawText => System.Text.Encoding.UTF8.GetString(Raw.Span);

    /// <summary>The message as MimeKit sees it (headers, multipart tree, decoded text/HTML/attachments), parsed on
    /// first use and kept; the parts point into <see cref="Raw"/>. Throws <see cref="MessageTooLargeToParseException"/>
    /// past <see cref="MailParser.MaxParsedSize"/>, and MimeKit's <see cref="FormatException"/> for a message it cannot read.</summary>
    public MimeMessage Message => _message ??= MailParser.Load(Raw);

    private MimeMessage? _message;

    /// <summary>The top-level header fields (MimeKit's header parser, up to the blank line only: much cheaper than
    /// <see cref="Message"/>), read on first use and kept.</summary>
    public HeaderList Headers => _headers ??= LoadHeaders();

    private HeaderList LoadHeaders()
    {
        if (!Content.IsSpooled) return MailParser.LoadHeaders(Raw);
        using var stream = OpenRead();
        return MailParser.LoadHeaders(stream);
    }

    private HeaderList? _headers;

    /// <summary>Value of the first top-level header with this name (unfolded, encoded-words decoded), or null;
    /// reads only the header section.</summary>
    public string? GetHeader(string name) => Headers[name];
}
