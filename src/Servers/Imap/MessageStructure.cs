using MimeKit;

namespace Protocols.Servers.Imap;

/// <summary>
/// Where each part of a message lies in its raw bytes, from MimeKit's parse: what BODY[section] needs to cut the
/// bytes out without parsing again. <see cref="Begin"/> is where the part's header starts, <see cref="HeadersEnd"/> where
/// its content starts (after the blank line), <see cref="End"/> where the content ends (before the CRLF that belongs
/// to the next boundary).
/// </summary>
internal sealed class PartNode
{
    public long Begin { get; init; }

    public long HeadersEnd { get; init; }

    public long End { get; init; }

    /// <summary>The children of a multipart; empty otherwise.</summary>
    public IReadOnlyList<PartNode> Children { get; init; } = [];

    /// <summary>For a message/rfc822 part: the message inside (its header and body).</summary>
    public MessageNode? Embedded { get; init; }

    public bool IsMultipart { get; init; }
}

/// <summary>A message (the top one, or one inside a message/rfc822 part): its header and its body part.</summary>
internal sealed class MessageNode
{
    public long Begin { get; init; }

    public long HeadersEnd { get; init; }

    public long End { get; init; }

    public required PartNode Body { get; init; }
}

/// <summary>Builds the offset tree with MimeKit's parser events while it parses.</summary>
internal sealed class OffsetRecorder
{
    private readonly Dictionary<MimeEntity, (long Begin, long HeadersEnd, long End)> _entities = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<MimeMessage, (long Begin, long HeadersEnd, long End)> _messages = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<MimeEntity, long> _begins = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<MimeEntity, int> _lines = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<MimeMessage, long> _messageBegins = new(ReferenceEqualityComparer.Instance);

    public OffsetRecorder(MimeParser parser)
    {
        parser.MimeEntityBegin += (_, e) => _begins[e.Entity] = e.BeginOffset;
        parser.MimeEntityEnd += (_, e) =>
        {
            _entities[e.Entity] = (_begins.GetValueOrDefault(e.Entity), e.HeadersEndOffset, e.EndOffset);
            _lines[e.Entity] = e.Lines;
        };
        parser.MimeMessageBegin += (_, e) => _messageBegins[e.Message] = e.BeginOffset;
        parser.MimeMessageEnd += (_, e) => _messages[e.Message] = (_messageBegins.GetValueOrDefault(e.Message), e.HeadersEndOffset, e.EndOffset);
    }

    public int LinesOf(MimeEntity entity) => _lines.GetValueOrDefault(entity);

    public (long Begin, long HeadersEnd, long End) OffsetsOf(MimeEntity entity) => _entities.GetValueOrDefault(entity);

    public MessageNode Build(MimeMessage message, ReadOnlySpan<byte> raw) => BuildMessage(message, raw);

    private MessageNode BuildMessage(MimeMessage message, ReadOnlySpan<byte> raw)
    {
        var (begin, headersEnd, end) = _messages.GetValueOrDefault(message);
        var body = message.Body is null
            ? new PartNode { Begin = begin, HeadersEnd = headersEnd, End = end }
            : BuildPart(message.Body, raw);
        return new MessageNode { Begin = begin, HeadersEnd = headersEnd, End = end, Body = body };
    }

    private PartNode BuildPart(MimeEntity entity, ReadOnlySpan<byte> raw)
    {
        var (begin, headersEnd, end) = _entities.GetValueOrDefault(entity);
        end = TrimBoundaryCrlf(raw, headersEnd, end);
        return entity switch
        {
            Multipart multipart => new PartNode
            {
                Begin = begin, HeadersEnd = headersEnd, End = end, IsMultipart = true,
                Children = BuildChildren(multipart, raw),
            },
            MessagePart { Message: { } inner } => new PartNode { Begin = begin, HeadersEnd = headersEnd, End = end, Embedded = BuildMessage(inner, raw) },
            _ => new PartNode { Begin = begin, HeadersEnd = headersEnd, End = end },
        };
    }

    private PartNode[] BuildChildren(Multipart multipart, ReadOnlySpan<byte> raw)
    {
        var children = new PartNode[multipart.Count];
        for (var i = 0; i < children.Length; i++) children[i] = BuildPart(multipart[i], raw);
        return children;
    }

    /// <summary>The CRLF before a boundary line belongs to the boundary (RFC 2046 §5.1.1), not to the part before it.</summary>
    internal static long TrimBoundaryCrlf(ReadOnlySpan<byte> raw, long start, long end)
    {
        if (end > raw.Length || end - start < 2) return end;
        var after = raw[(int)end..];
        if (after.StartsWith("--"u8) || after.StartsWith("\r\n--"u8))
        {
            if (after.StartsWith("\r\n--"u8)) return end;
            if (raw[(int)end - 2] == (byte)'\r' && raw[(int)end - 1] == (byte)'\n') return end - 2;
            if (raw[(int)end - 1] == (byte)'\n') return end - 1;
        }
        return end;
    }
}
