using System.Buffers;
using System.Text;
using Protocols.Net;

namespace Protocols.Http;

/// <summary>
/// Parses a response head (status line, header fields, empty line) from buffered bytes: a pure function driven by
/// <see cref="ConnectionReader.ReadAsync{TParser, TMessage}"/>. It first finds the end of the head, bounded by the
/// limits, and only then parses, so a partial head never throws and never allocates.
/// </summary>
public readonly struct ResponseHeadParser(int maxLineLength, int maxHeadLength, int maxHeaderCount, bool acceptBareLf) : IMessageReader<ResponseHead>
{
    /// <summary>A parser with <see cref="HttpClientOptions"/>' limits.</summary>
    public ResponseHeadParser(HttpClientOptions options)
        : this(options.MaxLineLength, options.MaxHeadLength, options.MaxHeaderCount, options.AcceptBareLf) { }

    /// <summary>Shares strings with the connection's previous responses (see <see cref="FieldStrings"/>); null for none.</summary>
    internal FieldStrings? Strings { get; init; }

    public bool TryParseMessage(in ReadOnlySequence<byte> input, ref SequencePosition consumed, ref SequencePosition examined, out ResponseHead message)
    {
        message = null!;
        examined = input.End;
        if (!FieldBlock.TryFindEnd(input, maxLineLength, maxHeadLength, out var end, out var lines)) return false;

        var reader = new SequenceReader<byte>(input.Slice(0, end));
        var statusLine = FieldBlock.NextLine(ref reader, acceptBareLf);
        var (version, status, reason) = ParseStatusLine(statusLine);
        var headers = new HttpFields(Math.Min(lines - 1, maxHeaderCount));
        FieldBlock.ParseFields(ref reader, headers, maxHeaderCount, acceptBareLf, Strings);
        consumed = end;
        message = new ResponseHead(version, status, reason, headers, input.Slice(0, end).Length);
        return true;
    }

    private static (Version, int, string) ParseStatusLine(ReadOnlySequence<byte> line)
    {
        Span<byte> stack = stackalloc byte[256];
        var span = line.IsSingleSegment ? line.FirstSpan : line.Length <= 256 ? Copy(line, stack) : line.ToArray();
        // HTTP-version SP status-code SP [ reason-phrase ]  (RFC 9112 §4); the SP before an empty reason is optional here.
        if (span.Length < 12 || !span.StartsWith("HTTP/"u8) || span[6] != (byte)'.' || !IsDigit(span[5]) || !IsDigit(span[7]) || span[8] != (byte)' ')
            throw Bad(HttpError.BadStatusLine, span);
        if (span[5] != (byte)'1') throw new HttpProtocolException(HttpError.UnsupportedVersion, $"the server answered with {Printable(span[..8])}, not HTTP/1.x");
        var version = span[7] == (byte)'0' ? System.Net.HttpVersion.Version10 : System.Net.HttpVersion.Version11;
        if (!IsDigit(span[9]) || !IsDigit(span[10]) || !IsDigit(span[11])) throw Bad(HttpError.BadStatusLine, span);
        var status = (span[9] - '0') * 100 + (span[10] - '0') * 10 + (span[11] - '0');
        if (status is < 100 or > 599) throw Bad(HttpError.BadStatusLine, span);
        var reason = string.Empty;
        if (span.Length > 12)
        {
            if (span[12] != (byte)' ') throw Bad(HttpError.BadStatusLine, span);
            var rest = span[13..];
            foreach (var c in rest)
            {
                if (!HttpSyntax.IsFieldChar(c)) throw Bad(HttpError.BadStatusLine, span);
            }
            reason = rest.SequenceEqual("OK"u8) ? "OK" : Encoding.Latin1.GetString(rest);
        }
        return (version, status, reason);
    }

    private static ReadOnlySpan<byte> Copy(ReadOnlySequence<byte> line, Span<byte> into)
    {
        line.CopyTo(into);
        return into[..(int)line.Length];
    }

    private static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';

    private static HttpProtocolException Bad(HttpError error, ReadOnlySpan<byte> line) =>
        new(error, $"malformed status line: \"{Printable(line)}\"");

    internal static string Printable(ReadOnlySpan<byte> bytes)
    {
        var cut = bytes.Length > 80 ? bytes[..80] : bytes;
        var text = new StringBuilder(cut.Length);
        foreach (var b in cut) text.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        if (bytes.Length > 80) text.Append("...");
        return text.ToString();
    }
}
