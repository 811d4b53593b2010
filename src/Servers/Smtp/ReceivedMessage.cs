using System.Net;

namespace Protocols.Servers.Smtp;

/// <summary>A message the server accepted (or is about to: hooks see it before the 250).</summary>
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
    {
        Id = id;
        Envelope = envelope;
        Raw = raw;
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
    /// as the client sent them.</summary>
    public ReadOnlyMemory<byte> Raw { get; }

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

    /// <summary>Sender (reverse-path); empty for the null sender &lt;&gt;.</summary>
    public string From => Envelope.From;

    /// <summary>Accepted recipient addresses.</summary>
    public IEnumerable<string> To => Envelope.Recipients.Select(r => r.Address);

    /// <summary>The raw bytes as a string (UTF-8; for tests and logs).</summary>
    public string RawText => System.Text.Encoding.UTF8.GetString(Raw.Span);

    /// <summary>The parsed view (headers, multipart tree, decoded text/HTML/attachments), made on first use.</summary>
    public Protocols.Mime.MimeMessage Parsed => _parsed ??= Protocols.Mime.MimeParser.Parse(Raw);

    private Protocols.Mime.MimeMessage? _parsed;

    /// <summary>Value of the first header with this name (unfolded, undecoded), or null; reads only the header
    /// section (cheaper than <see cref="Parsed"/>).</summary>
    public string? GetHeader(string name) => RawHeaders.Get(Raw.Span, name);
}
