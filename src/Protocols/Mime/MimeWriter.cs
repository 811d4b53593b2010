using System.Buffers;
using System.Text;

namespace Protocols.Mime;

/// <summary>
/// Serializes a message tree. <see cref="Write"/> yields after each chunk so an async caller can flush between them;
/// all lines end in CRLF and none is longer than 998 octets.
/// </summary>
internal sealed class MimeWriter(IBufferWriter<byte> output, MimeWriteOptions options)
{
    private const int ChunkSize = 57 * 1024;

    // Set when the entity just written already ends with a line end that can serve as the delimiter's.
    private bool endedWithLineEnd;

    public IEnumerable<int> Write(MimeMessage message)
    {
        // A parsed message keeps its header order: the body's Content-* fields were among the message's.
        var written = new HashSet<Header>(ReferenceEqualityComparer.Instance);
        var bodyHeaders = message.Body?.Headers;
        foreach (var header in message.ParsedHeaderOrder ?? [])
        {
            if (message.Headers.ContainsInstance(header) || bodyHeaders?.ContainsInstance(header) == true)
            {
                WriteMessageHeader(header);
                written.Add(header);
            }
        }

        foreach (var header in message.Headers)
        {
            if (!written.Contains(header))
            {
                WriteMessageHeader(header);
            }
        }

        if (message.Body is null)
        {
            HeaderFolder.WriteBytes(output, "\r\n"u8);
            yield break;
        }

        foreach (var step in WriteEntity(message.Body, topLevel: true, written))
        {
            yield return step;
        }
    }

    private void WriteMessageHeader(Header header)
    {
        if (options.IncludeBcc || !string.Equals(header.Name, "Bcc", StringComparison.OrdinalIgnoreCase))
        {
            HeaderFolder.Write(output, header);
        }
    }

    private IEnumerable<int> WriteEntity(MimeEntity entity, bool topLevel, HashSet<Header>? alreadyWritten = null)
    {
        endedWithLineEnd = false;
        foreach (var header in entity.Headers)
        {
            if (alreadyWritten?.Contains(header) != true)
            {
                HeaderFolder.Write(output, header);
            }
        }

        HeaderFolder.WriteBytes(output, "\r\n"u8);
        IEnumerable<int> body = entity switch
        {
            Multipart multipart => WriteMultipart(multipart),
            MessagePart part => WriteMessagePart(part),
            MimePart part => WritePart(part, topLevel),
            _ => [],
        };
        foreach (var step in body)
        {
            yield return step;
        }
    }

    private IEnumerable<int> WriteMultipart(Multipart multipart)
    {
        var boundary = Encoding.ASCII.GetBytes(multipart.Boundary);
        if (multipart.Preamble is not null)
        {
            WriteText(multipart.Preamble);
            HeaderFolder.WriteBytes(output, "\r\n"u8);
        }

        foreach (var child in multipart)
        {
            HeaderFolder.WriteBytes(output, "--"u8);
            HeaderFolder.WriteBytes(output, boundary);
            HeaderFolder.WriteBytes(output, "\r\n"u8);
            foreach (var step in WriteEntity(child, topLevel: false))
            {
                yield return step;
            }

            // The line end before a boundary belongs to the boundary (RFC 2046 §5.1.1); base64 does not need another.
            if (!endedWithLineEnd)
            {
                HeaderFolder.WriteBytes(output, "\r\n"u8);
            }

            endedWithLineEnd = false;
        }

        HeaderFolder.WriteBytes(output, "--"u8);
        HeaderFolder.WriteBytes(output, boundary);
        HeaderFolder.WriteBytes(output, "--\r\n"u8);
        if (!string.IsNullOrEmpty(multipart.Epilogue))
        {
            WriteText(multipart.Epilogue);
            if (!multipart.Epilogue.EndsWith('\n') && !multipart.Epilogue.EndsWith('\r'))
            {
                HeaderFolder.WriteBytes(output, "\r\n"u8);
            }
        }

        yield return 0;
    }

    private IEnumerable<int> WriteMessagePart(MessagePart part)
    {
        foreach (var step in Write(part.Message))
        {
            yield return step;
        }

        yield return 0;
    }

    private IEnumerable<int> WritePart(MimePart part, bool topLevel)
    {
        ReadOnlyMemory<byte> data;
        ContentEncoding encoding;
        if (part.CanWriteEncodedContent())
        {
            data = part.EncodedContent;
            encoding = ContentEncoding.SevenBit;
        }
        else
        {
            data = part.Content;
            encoding = part.GetWriteEncoding();
        }

        var endsWithLineEnd = false;
        endedWithLineEnd = false;
        switch (encoding)
        {
            case ContentEncoding.Base64:
                for (var offset = 0; offset < data.Length; offset += ChunkSize)
                {
                    Base64Codec.Encode(data.Span.Slice(offset, Math.Min(ChunkSize, data.Length - offset)), output);
                    yield return 0;
                }

                endsWithLineEnd = true;
                break;
            case ContentEncoding.QuotedPrintable:
                QuotedPrintableCodec.Encode(data.Span, output);
                break;
            default:
                for (var offset = 0; offset < data.Length;)
                {
                    // Cut chunks after a line feed so a CRLF is never split between two normalizing writes.
                    var end = Math.Min(offset + ChunkSize, data.Length);
                    if (end < data.Length)
                    {
                        var lf = data.Span[offset..end].LastIndexOf((byte)'\n');
                        end = lf >= 0 ? offset + lf + 1 : end;
                    }

                    HeaderFolder.WriteNormalized(output, data.Span[offset..end]);
                    offset = end;
                    yield return 0;
                }

                break;
        }

        // A single-part body ends with a line end (SMTP needs one); a part in a multipart gets its delimiter's
        // line end from the multipart writer.
        if (topLevel && !endsWithLineEnd && data.Length > 0 && data.Span[^1] != '\n')
        {
            HeaderFolder.WriteBytes(output, "\r\n"u8);
        }

        endedWithLineEnd = encoding == ContentEncoding.Base64 && data.Length > 0;
        yield return 0;
    }

    // Preamble and epilogue: CRLF line ends, lines over 998 octets wrapped (readers ignore this text).
    private void WriteText(string text)
    {
        ReadOnlySpan<byte> data = Encoding.UTF8.GetBytes(MimePart.NormalizeLineEnds(text));
        while (!data.IsEmpty)
        {
            var lf = data.IndexOf((byte)'\n');
            var line = lf < 0 ? data : data[..(lf - 1)];
            while (line.Length > ContentEncodings.MaxLineLength)
            {
                HeaderFolder.WriteBytes(output, line[..ContentEncodings.MaxLineLength]);
                HeaderFolder.WriteBytes(output, "\r\n"u8);
                line = line[ContentEncodings.MaxLineLength..];
            }

            HeaderFolder.WriteBytes(output, line);
            if (lf < 0)
            {
                return;
            }

            HeaderFolder.WriteBytes(output, "\r\n"u8);
            data = data[(lf + 1)..];
        }
    }

    /// <summary>True when a part will be written as 8-bit data.</summary>
    public static bool Has8BitBody(MimeMessage message)
    {
        foreach (var entity in message.BodyParts)
        {
            switch (entity)
            {
                case MimePart part when part.CanWriteEncodedContent():
                    if (!Charsets.IsAscii(part.EncodedContent.Span))
                    {
                        return true;
                    }

                    break;
                case MimePart part:
                    if (part.GetWriteEncoding() is ContentEncoding.EightBit or ContentEncoding.Binary)
                    {
                        return true;
                    }

                    break;
                case Multipart multipart:
                    if (!Charsets.IsAscii(multipart.Preamble ?? string.Empty) || !Charsets.IsAscii(multipart.Epilogue ?? string.Empty))
                    {
                        return true;
                    }

                    break;
            }
        }

        return false;
    }

    /// <summary>True when a header that will be written holds non-ASCII text.</summary>
    public static bool HasUtf8Headers(MimeMessage message, MimeWriteOptions options)
    {
        if (message.From.IsInternational || message.To.IsInternational || message.Cc.IsInternational ||
            message.ReplyTo.IsInternational || (options.IncludeBcc && message.Bcc.IsInternational) || message.Sender?.IsInternational == true)
        {
            return true;
        }

        foreach (var header in message.Headers)
        {
            if (!options.IncludeBcc && string.Equals(header.Name, "Bcc", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!Charsets.IsAscii(header.Value))
            {
                return true;
            }
        }

        foreach (var entity in message.BodyParts)
        {
            if (entity.Headers.Any(h => !Charsets.IsAscii(h.Value)))
            {
                return true;
            }

            if (entity is MessagePart part && HasUtf8Headers(part.Message, MimeWriteOptions.Default))
            {
                return true;
            }
        }

        return false;
    }
}
