using System.Buffers;
using System.Text;

namespace Protocols.Mime;

/// <summary>
/// Parses messages from bytes: headers (unfolded, raw bytes kept), the multipart tree, message/rfc822 parts. Works
/// on the bytes (boundary search with vectorized IndexOf); parts reference the input, nothing is copied until
/// decoded. Accepts CRLF and bare LF line ends. Malformed input gives a best-effort tree; input over a limit in
/// <see cref="MimeParserOptions"/> throws <see cref="MimeFormatException"/>.
/// </summary>
public sealed class MimeParser
{
    private readonly ReadOnlyMemory<byte> input;
    private readonly MimeParserOptions options;
    private int parts;

    private MimeParser(ReadOnlyMemory<byte> input, MimeParserOptions options)
    {
        this.input = input;
        this.options = options;
    }

    /// <summary>Parses a message. The message references <paramref name="input"/>: do not change it afterwards.</summary>
    public static MimeMessage Parse(ReadOnlyMemory<byte> input, MimeParserOptions? options = null) =>
        new MimeParser(input, options ?? MimeParserOptions.Default).ParseMessage(0, input.Length, depth: 0);

    /// <summary>Parses a message from a (possibly multi-segment) sequence.</summary>
    public static MimeMessage Parse(ReadOnlySequence<byte> input, MimeParserOptions? options = null) =>
        Parse(input.IsSingleSegment ? input.First : input.ToArray(), options);

    private MimeMessage ParseMessage(int start, int end, int depth)
    {
        var span = input.Span;

        // An mbox "From " separator line before the headers is not a header.
        if (end - start >= 5 && span.Slice(start, 5).SequenceEqual("From "u8))
        {
            start = NextLine(span, start, end);
        }

        var headers = new HeaderList();
        var bodyStart = ParseHeaders(start, end, headers);
        CountPart();
        var messageHeaders = new HeaderList();
        var entityHeaders = new HeaderList();
        foreach (var header in headers)
        {
            (header.Name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) ? entityHeaders : messageHeaders).Add(header);
        }

        var body = ParseBody(entityHeaders, bodyStart, end, depth);
        return new MimeMessage(messageHeaders, body, [.. headers]);
    }

    private MimeEntity ParseEntity(int start, int end, int depth)
    {
        if (depth > options.MaxNestingDepth)
        {
            throw new MimeFormatException(MimeFormatError.NestingTooDeep, $"MIME parts nest deeper than {options.MaxNestingDepth}.");
        }

        CountPart();
        var headers = new HeaderList();
        var bodyStart = ParseHeaders(start, end, headers);
        return ParseBody(headers, bodyStart, end, depth);
    }

    private MimeEntity ParseBody(HeaderList headers, int start, int end, int depth)
    {
        var type = ContentType.Parse(headers["Content-Type"]);
        MimeEntity entity;
        if (type.IsMultipart && !string.IsNullOrEmpty(type.Boundary) && type.Boundary.Length <= 200)
        {
            var multipart = new Multipart(type);
            ParseMultipart(multipart, start, end, depth);
            entity = multipart;
        }
        else if (type.Is("message", "rfc822") || type.Is("message", "global"))
        {
            if (depth + 1 > options.MaxNestingDepth)
            {
                throw new MimeFormatException(MimeFormatError.NestingTooDeep, $"MIME parts nest deeper than {options.MaxNestingDepth}.");
            }

            var encoding = ContentEncodings.Parse(headers["Content-Transfer-Encoding"]);
            MimeMessage message;
            if (encoding is ContentEncoding.Base64 or ContentEncoding.QuotedPrintable)
            {
                // Not allowed (RFC 2046 §5.2.1), but sent: decode, then parse the decoded message.
                var raw = input.Span[start..end];
                var decoded = encoding == ContentEncoding.Base64 ? Base64Codec.Decode(raw) : QuotedPrintableCodec.Decode(raw);
                var inner = new MimeParser(decoded, options) { parts = parts };
                message = inner.ParseMessage(0, decoded.Length, depth + 1);
                parts = inner.parts;
            }
            else
            {
                message = ParseMessage(start, end, depth + 1);
            }

            entity = new MessagePart(type, message);
        }
        else
        {
            if (type.IsMultipart)
            {
                // A multipart without a usable boundary cannot be split: keep it as one opaque part.
                type = new ContentType("application", "octet-stream");
            }

            var part = new MimePart(type);
            part.SetEncodedContent(input[start..end]);
            entity = part;
        }

        foreach (var header in headers)
        {
            entity.Headers.Add(header);
        }

        entity.LoadHeaders();
        return entity;
    }

    private void ParseMultipart(Multipart multipart, int start, int end, int depth)
    {
        var span = input.Span;
        var delimiter = Encoding.ASCII.GetBytes("--" + multipart.Boundary);
        var partStart = -1;
        var position = start;
        while (true)
        {
            var found = FindDelimiter(span, delimiter, position, end, out var isClose, out var lineEnd);
            if (found < 0)
            {
                break;
            }

            // The line end before the delimiter belongs to it.
            var contentEnd = found;
            if (contentEnd > start && span[contentEnd - 1] == '\n')
            {
                contentEnd--;
                if (contentEnd > start && span[contentEnd - 1] == '\r')
                {
                    contentEnd--;
                }
            }

            if (partStart < 0)
            {
                if (found > start)
                {
                    multipart.Preamble = Header.DecodeBytes(span[start..contentEnd]);
                }
            }
            else
            {
                multipart.Add(ParseEntity(partStart, Math.Max(partStart, contentEnd), depth + 1));
            }

            if (isClose)
            {
                if (lineEnd < end)
                {
                    multipart.Epilogue = Header.DecodeBytes(span[lineEnd..end]);
                }

                return;
            }

            partStart = lineEnd;
            position = lineEnd;
        }

        // No closing delimiter: the last part runs to the end.
        multipart.IsTruncated = true;
        if (partStart >= 0)
        {
            multipart.Add(ParseEntity(partStart, end, depth + 1));
        }
        else if (end > start)
        {
            multipart.Preamble = Header.DecodeBytes(span[start..end]);
        }
    }

    /// <summary>Finds the next delimiter line ("--boundary" or "--boundary--" at a line start, then only whitespace).</summary>
    private static int FindDelimiter(ReadOnlySpan<byte> span, ReadOnlySpan<byte> delimiter, int position, int end, out bool isClose, out int lineEnd)
    {
        isClose = false;
        lineEnd = end;
        while (position < end)
        {
            var index = span[position..end].IndexOf(delimiter);
            if (index < 0)
            {
                return -1;
            }

            var found = position + index;
            position = found + 1;
            if (found > 0 && span[found - 1] != '\n')
            {
                continue;
            }

            var after = found + delimiter.Length;
            var close = after + 1 < end && span[after] == '-' && span[after + 1] == '-';
            var rest = close ? after + 2 : after;
            while (rest < end && (span[rest] == ' ' || span[rest] == '\t'))
            {
                rest++;
            }

            if (rest < end && span[rest] == '\r' && rest + 1 < end && span[rest + 1] == '\n')
            {
                lineEnd = rest + 2;
            }
            else if (rest < end && span[rest] == '\n')
            {
                lineEnd = rest + 1;
            }
            else if (rest == end)
            {
                lineEnd = end;
            }
            else if (close)
            {
                // "--boundary--garbage": still the close delimiter in practice.
                lineEnd = NextLine(span, rest, end);
            }
            else
            {
                continue;
            }

            isClose = close;
            return found;
        }

        return -1;
    }

    /// <summary>Reads header fields from <paramref name="start"/>; returns where the body starts.</summary>
    private int ParseHeaders(int start, int end, HeaderList headers)
    {
        var span = input.Span;
        var position = start;
        var fieldStart = -1;
        var colon = -1;
        var fieldEnd = -1;
        while (position < end)
        {
            var lf = span[position..end].IndexOf((byte)'\n');
            var next = lf < 0 ? end : position + lf + 1;
            var lineEnd = lf < 0 ? end : position + lf;
            if (lineEnd > position && span[lineEnd - 1] == '\r')
            {
                lineEnd--;
            }

            if (lineEnd - position > options.MaxHeaderLineLength)
            {
                throw new MimeFormatException(MimeFormatError.HeaderLineTooLong, $"A header line is longer than {options.MaxHeaderLineLength} octets.");
            }

            if (lineEnd == position)
            {
                AddHeader(headers, fieldStart, colon, fieldEnd);
                return next;
            }

            var first = span[position];
            if ((first == ' ' || first == '\t') && fieldStart >= 0)
            {
                fieldEnd = lineEnd;
                position = next;
                continue;
            }

            var lineColon = FindFieldColon(span[position..lineEnd]);
            if (lineColon < 0)
            {
                // Not a header field: the body starts here.
                AddHeader(headers, fieldStart, colon, fieldEnd);
                return position;
            }

            AddHeader(headers, fieldStart, colon, fieldEnd);
            fieldStart = position;
            colon = position + lineColon;
            fieldEnd = lineEnd;
            position = next;
        }

        AddHeader(headers, fieldStart, colon, fieldEnd);
        return end;
    }

    // A field name is printable ASCII up to the colon (whitespace before the colon tolerated: obs-syntax).
    private static int FindFieldColon(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            return -1;
        }

        var name = line[..colon].TrimEnd(" \t"u8);
        if (name.IsEmpty)
        {
            return -1;
        }

        foreach (var b in name)
        {
            if (b <= ' ' || b >= 127)
            {
                return -1;
            }
        }

        return colon;
    }

    private void AddHeader(HeaderList headers, int fieldStart, int colon, int fieldEnd)
    {
        if (fieldStart < 0 || colon < 0 || colon < fieldStart)
        {
            return;
        }

        if (headers.Count >= options.MaxHeaderCount)
        {
            throw new MimeFormatException(MimeFormatError.TooManyHeaders, $"More than {options.MaxHeaderCount} header fields.");
        }

        var span = input.Span;
        var name = Encoding.ASCII.GetString(span[fieldStart..colon].TrimEnd(" \t"u8));
        var raw = input[(colon + 1)..fieldEnd];
        headers.Add(new Header(name, Unfold(raw.Span), raw));
    }

    private static string Unfold(ReadOnlySpan<byte> raw)
    {
        var text = Header.DecodeBytes(raw);
        if (text.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            // Folds go; a stray CR or NUL (never valid in a header) becomes a space so it cannot reach the wire.
            text = text.Replace("\r\n", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal)
                .Replace('\r', ' ').Replace('\0', ' ');
        }

        return text.Trim(' ', '\t', '\r');
    }

    private static int NextLine(ReadOnlySpan<byte> span, int position, int end)
    {
        var lf = span[position..end].IndexOf((byte)'\n');
        return lf < 0 ? end : position + lf + 1;
    }

    private void CountPart()
    {
        if (++parts > options.MaxParts)
        {
            throw new MimeFormatException(MimeFormatError.TooManyParts, $"More than {options.MaxParts} MIME parts.");
        }
    }
}
