using System.Buffers;
using System.Security.Cryptography;

namespace Protocols.Mime;

/// <summary>
/// An Internet message (RFC 5322 + MIME): header fields, address lists and a body tree. Build one and write it with
/// <see cref="WriteToAsync(Stream, CancellationToken)"/> / <see cref="ToBytes"/>, or parse one with <see cref="LoadAsync(Stream, CancellationToken)"/> / <see cref="MimeParser"/>.
/// </summary>
public sealed class MimeMessage
{
    private static readonly string[] AddressHeaders = ["From", "To", "Cc", "Bcc", "Reply-To"];
    private readonly int[] versions = new int[AddressHeaders.Length];
    private readonly bool built;
    private MailboxAddress? sender;
    private bool senderChanged;

    /// <summary>A new message; Date, Message-ID and MIME-Version are added on write when not set.</summary>
    public MimeMessage()
    {
        built = true;
    }

    internal MimeMessage(HeaderList headers, MimeEntity? body, List<Header> parsedOrder)
    {
        Headers = headers;
        ParsedHeaderOrder = parsedOrder;
        Body = body;
        From = AddressList.Parse(headers["From"]);
        To = AddressList.Parse(JoinAll("To"));
        Cc = AddressList.Parse(JoinAll("Cc"));
        Bcc = AddressList.Parse(JoinAll("Bcc"));
        ReplyTo = AddressList.Parse(headers["Reply-To"]);
        sender = MailboxAddress.TryParse(headers["Sender"], out var s) ? s : null;
        RecordVersions();
    }

    /// <summary>All header fields in the order they were parsed (message and body), for writing them back.</summary>
    internal List<Header>? ParsedHeaderOrder { get; }

    /// <summary>The message's own header fields (the body's Content-* fields are on <see cref="Body"/>).</summary>
    public HeaderList Headers { get; } = new();

    /// <summary>The body: a <see cref="MimePart"/>, <see cref="Multipart"/> or <see cref="MessagePart"/>.</summary>
    public MimeEntity? Body { get; set; }

    public AddressList From { get; } = [];

    public AddressList To { get; } = [];

    public AddressList Cc { get; } = [];

    /// <summary>Blind copies: kept on the message, not written to the wire unless asked (<see cref="MimeWriteOptions.IncludeBcc"/>).</summary>
    public AddressList Bcc { get; } = [];

    public AddressList ReplyTo { get; } = [];

    public MailboxAddress? Sender
    {
        get => sender;
        set
        {
            sender = value;
            senderChanged = true;
        }
    }

    /// <summary>The subject, decoded; set it as plain text (RFC 2047-encoded when needed).</summary>
    public string? Subject
    {
        get => Headers.Find("Subject")?.DecodedValue;
        set => Headers["Subject"] = value;
    }

    public DateTimeOffset? Date
    {
        get => MailDate.TryParse(Headers["Date"], out var date) ? date : null;
        set => Headers["Date"] = value is null ? null : MailDate.Format(value.Value);
    }

    /// <summary>The Message-ID without angle brackets.</summary>
    public string? MessageId
    {
        get => Headers["Message-ID"]?.Trim().TrimStart('<').TrimEnd('>');
        set => Headers["Message-ID"] = value is null ? null : "<" + value.Trim().TrimStart('<').TrimEnd('>') + ">";
    }

    public string? InReplyTo
    {
        get => Headers["In-Reply-To"]?.Trim().TrimStart('<').TrimEnd('>');
        set => Headers["In-Reply-To"] = value is null ? null : "<" + value.Trim().TrimStart('<').TrimEnd('>') + ">";
    }

    /// <summary>Every entity of the body, depth first (message/rfc822 contents included).</summary>
    public IEnumerable<MimeEntity> BodyParts => Body?.Descendants() ?? [];

    /// <summary>The first text/plain part that is not an attachment, as text.</summary>
    public string? TextBody => FindText("plain");

    /// <summary>The first text/html part that is not an attachment, as text.</summary>
    public string? HtmlBody => FindText("html");

    /// <summary>Parts marked as attachments, and non-text leaves that carry a file name, outside attached messages.</summary>
    public IEnumerable<MimePart> Attachments => TopLevelParts().Where(p => p.IsAttachment || (!p.IsText && p.FileName is not null && p.ContentDisposition?.Disposition != ContentDisposition.Inline));

    /// <summary>Attached messages (message/rfc822 parts).</summary>
    public IEnumerable<MessagePart> AttachedMessages => TopLevelEntities().OfType<MessagePart>();

    /// <summary>The envelope sender for SMTP MAIL FROM: <see cref="Sender"/>, else the first <see cref="From"/>, else null.</summary>
    public MailboxAddress? GetEnvelopeSender() => Sender ?? From.FirstOrDefault();

    /// <summary>The envelope recipients for SMTP RCPT TO: To, Cc and Bcc, each address once (case-insensitive domain).</summary>
    public IReadOnlyList<MailboxAddress> GetEnvelopeRecipients()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<MailboxAddress>();
        foreach (var mailbox in To.Concat(Cc).Concat(Bcc))
        {
            if (seen.Add(mailbox.LocalPart + "@" + mailbox.Domain.ToLowerInvariant()))
            {
                result.Add(mailbox);
            }
        }

        return result;
    }

    /// <summary>True when some part goes out as 8-bit data: sending needs 8BITMIME (RFC 6152).</summary>
    public bool Requires8BitMime
    {
        get
        {
            SyncHeaders();
            return MimeWriter.Has8BitBody(this);
        }
    }

    /// <summary>True when a header or address holds UTF-8 (RFC 6532): sending needs SMTPUTF8 (RFC 6531).</summary>
    public bool RequiresSmtpUtf8
    {
        get
        {
            SyncHeaders();
            return MimeWriter.HasUtf8Headers(this, new MimeWriteOptions { IncludeBcc = true });
        }
    }

    /// <summary>Writes the message with CRLF line ends; no line goes over 998 octets.</summary>
    public async Task WriteToAsync(Stream stream, CancellationToken cancellationToken = default) =>
        await WriteToAsync(stream, MimeWriteOptions.Default, cancellationToken);

    /// <inheritdoc cref="WriteToAsync(Stream, CancellationToken)"/>
    public async Task WriteToAsync(Stream stream, MimeWriteOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        SyncHeaders();
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        foreach (var _ in new MimeWriter(buffer, options).Write(this))
        {
            if (buffer.WrittenCount >= 64 * 1024)
            {
                await stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
                buffer.ResetWrittenCount();
            }
        }

        if (buffer.WrittenCount > 0)
        {
            await stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
        }

        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>The message as bytes, as <see cref="WriteToAsync(Stream, CancellationToken)"/> writes it.</summary>
    public byte[] ToBytes(MimeWriteOptions? options = null)
    {
        SyncHeaders();
        var buffer = new ArrayBufferWriter<byte>(EstimateSize());
        WriteTo(buffer, options ?? MimeWriteOptions.Default);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the whole message into a buffer writer.</summary>
    public void WriteTo(IBufferWriter<byte> output, MimeWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        SyncHeaders();
        foreach (var _ in new MimeWriter(output, options ?? MimeWriteOptions.Default).Write(this))
        {
        }
    }

    /// <summary>Reads a message from a stream (up to <see cref="MimeParserOptions.MaxMessageSize"/> octets) and parses it.</summary>
    public static async Task<MimeMessage> LoadAsync(Stream stream, MimeParserOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= MimeParserOptions.Default;
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        while (true)
        {
            var n = await stream.ReadAsync(chunk, cancellationToken);
            if (n == 0)
            {
                break;
            }

            if (buffer.Length + n > options.MaxMessageSize)
            {
                throw new MimeFormatException(MimeFormatError.MessageTooLarge, $"The message is larger than {options.MaxMessageSize} octets.");
            }

            buffer.Write(chunk, 0, n);
        }

        return MimeParser.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), options);
    }

    /// <inheritdoc cref="LoadAsync(Stream, MimeParserOptions?, CancellationToken)"/>
    public static Task<MimeMessage> LoadAsync(Stream stream, CancellationToken cancellationToken) => LoadAsync(stream, null, cancellationToken);

    /// <summary>Brings the headers in line with the address lists and body before a write.</summary>
    internal void SyncHeaders()
    {
        AddressList[] lists = [From, To, Cc, Bcc, ReplyTo];
        for (var i = 0; i < lists.Length; i++)
        {
            if (lists[i].Version == versions[i])
            {
                continue;
            }

            Headers[AddressHeaders[i]] = lists[i].Count == 0 ? null : lists[i].ToString();
            versions[i] = lists[i].Version;
        }

        if (senderChanged)
        {
            Headers["Sender"] = sender?.ToString();
            senderChanged = false;
        }

        if (built)
        {
            if (!Headers.Contains("Date"))
            {
                Date = DateTimeOffset.Now;
            }

            if (!Headers.Contains("Message-ID"))
            {
                var domain = From.Count > 0 && From[0].Domain.Length > 0 ? From[0].Domain : "localhost";
                MessageId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "@" + domain;
            }

            if (!Headers.Contains("MIME-Version"))
            {
                Headers.Add("MIME-Version", "1.0");
            }
        }

        foreach (var entity in BodyParts)
        {
            entity.SyncHeaders();
            if (entity is MessagePart part)
            {
                part.Message.SyncHeaders();
            }
        }
    }

    // Room for the headers plus the base64 size of every leaf, so the buffer rarely grows.
    private int EstimateSize()
    {
        long size = 4096;
        foreach (var part in BodyParts.OfType<MimePart>())
        {
            var length = part.HasEncodedContent ? part.EncodedContent.Length : part.Content.Length;
            size += 1024 + (length / 57 * 78) + 78;
        }

        return (int)Math.Min(size, Array.MaxLength);
    }

    private void RecordVersions()
    {
        AddressList[] lists = [From, To, Cc, Bcc, ReplyTo];
        for (var i = 0; i < lists.Length; i++)
        {
            versions[i] = lists[i].Version;
        }
    }

    private string? JoinAll(string name)
    {
        var values = Headers.FindAll(name).Select(h => h.Value).ToList();
        return values.Count == 0 ? null : string.Join(", ", values);
    }

    private string? FindText(string subtype)
    {
        var part = TopLevelParts().FirstOrDefault(p => p.ContentType.Is("text", subtype) && !p.IsAttachment);
        return part?.GetText();
    }

    private IEnumerable<MimeEntity> TopLevelEntities()
    {
        if (Body is null)
        {
            yield break;
        }

        var stack = new Stack<MimeEntity>();
        stack.Push(Body);
        while (stack.Count > 0)
        {
            var entity = stack.Pop();
            yield return entity;
            if (entity is Multipart multipart)
            {
                for (var i = multipart.Count - 1; i >= 0; i--)
                {
                    stack.Push(multipart[i]);
                }
            }
        }
    }

    private IEnumerable<MimePart> TopLevelParts() => TopLevelEntities().OfType<MimePart>();
}
