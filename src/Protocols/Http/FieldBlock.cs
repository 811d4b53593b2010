using System.Buffers;
using System.Text;

namespace Protocols.Http;

/// <summary>Lines up to an empty line (a response head, a trailer section): finding the end within limits, and parsing field lines.</summary>
internal static class FieldBlock
{
    /// <summary>
    /// Finds the position just past the empty line that ends the block. False when more bytes are needed; throws when a
    /// line passes <paramref name="maxLineLength"/> or the block passes <paramref name="maxLength"/> without ending.
    /// </summary>
    public static bool TryFindEnd(in ReadOnlySequence<byte> input, int maxLineLength, int maxLength, out SequencePosition end) =>
        TryFindEnd(input, maxLineLength, maxLength, out end, out _);

    /// <summary>Like the other overload; <paramref name="lines"/> counts the lines before the empty one.</summary>
    public static bool TryFindEnd(in ReadOnlySequence<byte> input, int maxLineLength, int maxLength, out SequencePosition end, out int lines)
    {
        var reader = new SequenceReader<byte>(input);
        end = default;
        lines = 0;
        while (true)
        {
            var lineStart = reader.Consumed;
            if (!reader.TryAdvanceTo((byte)'\n', advancePastDelimiter: true))
            {
                if (input.Length - lineStart >= maxLineLength) throw new HttpProtocolException(HttpError.LineTooLong, $"a line of the head is longer than {maxLineLength} bytes");
                if (input.Length >= maxLength) throw new HttpProtocolException(HttpError.HeadTooLarge, $"the head is longer than {maxLength} bytes");
                return false;
            }
            var lineLength = reader.Consumed - lineStart;
            if (lineLength > maxLineLength) throw new HttpProtocolException(HttpError.LineTooLong, $"a line of the head is longer than {maxLineLength} bytes");
            if (reader.Consumed > maxLength) throw new HttpProtocolException(HttpError.HeadTooLarge, $"the head is longer than {maxLength} bytes");
            if (lineLength == 1 || (lineLength == 2 && IsCrAt(input, lineStart)))
            {
                end = reader.Position;
                return true;
            }
            lines++;
        }
    }

    private static bool IsCrAt(in ReadOnlySequence<byte> input, long offset) => input.Slice(offset, 1).FirstSpan[0] == (byte)'\r';

    /// <summary>The next line without its terminator (the block is known to be complete).</summary>
    public static ReadOnlySequence<byte> NextLine(ref SequenceReader<byte> reader, bool acceptBareLf)
    {
        reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n', advancePastDelimiter: true);
        if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r') return line.Slice(0, line.Length - 1);
        if (!acceptBareLf) throw new HttpProtocolException(HttpError.BareLineFeed, "a line of the head ends in a bare LF");
        return line;
    }

    /// <summary>
    /// Parses field lines up to the empty line into <paramref name="fields"/>; <paramref name="strings"/>, when given,
    /// shares the strings of common names and of values repeated from the connection's previous response.
    /// </summary>
    public static void ParseFields(ref SequenceReader<byte> reader, HttpFields fields, int maxCount, bool acceptBareLf, FieldStrings? strings = null)
    {
        Span<byte> stack = stackalloc byte[512];
        while (true)
        {
            var sequence = NextLine(ref reader, acceptBareLf);
            if (sequence.IsEmpty) return;
            scoped ReadOnlySpan<byte> line;
            if (sequence.IsSingleSegment) line = sequence.FirstSpan;
            else if (sequence.Length <= stack.Length) { sequence.CopyTo(stack); line = stack[..(int)sequence.Length]; }
            else line = sequence.ToArray();

            if (HttpSyntax.IsWhitespace(line[0]))
            {
                // obs-fold: a user agent replaces it with SP (RFC 9112 §5.2).
                if (fields.Count == 0) throw BadField(line);
                var more = line.Trim(" \t"u8);
                CheckValue(more, line);
                fields.AppendToLast(Encoding.Latin1.GetString(more));
                continue;
            }
            var colon = line.IndexOf((byte)':');
            if (colon <= 0) throw BadField(line);
            var name = line[..colon];
            foreach (var c in name)
            {
                if (!HttpSyntax.IsTokenChar(c)) throw BadField(line);
            }
            var value = line[(colon + 1)..].Trim(" \t"u8);
            CheckValue(value, line);
            if (fields.Count >= maxCount) throw new HttpProtocolException(HttpError.TooManyHeaders, $"more than {maxCount} header fields");
            var nameString = FieldStrings.Name(name, out var slot);
            fields.AddUnchecked(nameString, strings is null ? Encoding.Latin1.GetString(value) : strings.Value(slot, value));
        }
    }

    private static void CheckValue(ReadOnlySpan<byte> value, ReadOnlySpan<byte> line)
    {
        foreach (var c in value)
        {
            if (!HttpSyntax.IsFieldChar(c)) throw BadField(line);
        }
    }

    private static HttpProtocolException BadField(ReadOnlySpan<byte> line) =>
        new(HttpError.BadHeader, $"malformed header line: \"{ResponseHeadParser.Printable(line)}\"");
}
