using System.Buffers;

namespace Protocols.Mime;

/// <summary>Quoted-printable (RFC 2045 §6.7): encoded lines of at most 76 characters, lenient decoding.</summary>
public static class QuotedPrintableCodec
{
    /// <summary>The longest encoded line, the soft-break '=' included (RFC 2045 §6.7 rule 5).</summary>
    public const int LineLength = 76;

    private static ReadOnlySpan<byte> Hex => "0123456789ABCDEF"u8;

    /// <summary>
    /// Encodes text: CRLF (or a bare LF) in the input is a line break and is written as CRLF; whitespace before a
    /// break is encoded; long lines get soft breaks. The output ends with CRLF only when the input ends with a line end.
    /// </summary>
    public static byte[] Encode(ReadOnlySpan<byte> data)
    {
        var output = new ArrayBufferWriter<byte>(data.Length + (data.Length / 8) + 8);
        Encode(data, output);
        return output.WrittenSpan.ToArray();
    }

    /// <inheritdoc cref="Encode(ReadOnlySpan{byte})"/>
    public static void Encode(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Span<byte> line = stackalloc byte[LineLength + 2];
        var length = 0;
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            if (b == '\n' || (b == '\r' && i + 1 < data.Length && data[i + 1] == '\n'))
            {
                if (b == '\r')
                {
                    i++;
                }

                Write(output, line[..length], softBreak: false);
                length = 0;
                continue;
            }

            var atLineEnd = i + 1 == data.Length || data[i + 1] == '\n' || (data[i + 1] == '\r' && i + 2 < data.Length && data[i + 2] == '\n');
            var literal = (b >= 33 && b <= 126 && b != '=') || ((b == ' ' || b == '\t') && !atLineEnd);
            var size = literal ? 1 : 3;

            // Room for the character, plus a soft-break '=' unless this is the last character of the line.
            var limit = atLineEnd ? LineLength : LineLength - 1;
            if (length + size > limit)
            {
                Write(output, line[..length], softBreak: true);
                length = 0;
            }

            if (literal)
            {
                line[length++] = b;
            }
            else
            {
                line[length++] = (byte)'=';
                line[length++] = Hex[b >> 4];
                line[length++] = Hex[b & 15];
            }
        }

        if (length > 0)
        {
            Write(output, line[..length], softBreak: false, lineEnd: false);
        }
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> line, bool softBreak, bool lineEnd = true)
    {
        var span = output.GetSpan(line.Length + 3);
        line.CopyTo(span);
        var n = line.Length;
        if (softBreak)
        {
            span[n++] = (byte)'=';
        }

        if (lineEnd)
        {
            span[n++] = (byte)'\r';
            span[n++] = (byte)'\n';
        }

        output.Advance(n);
    }

    /// <summary>
    /// Decodes quoted-printable: "=XX" (either case), soft breaks "=CRLF" and "=LF" (also with whitespace between),
    /// trailing whitespace on a line removed; an invalid "=" sequence is kept literally. Never throws.
    /// </summary>
    public static byte[] Decode(ReadOnlySpan<byte> encoded)
    {
        var output = new byte[encoded.Length];
        var written = 0;
        var i = 0;
        while (i < encoded.Length)
        {
            var b = encoded[i];
            if (b == '=')
            {
                if (i + 2 < encoded.Length && TryHex(encoded[i + 1], encoded[i + 2], out var value))
                {
                    output[written++] = value;
                    i += 3;
                    continue;
                }

                // Soft break: '=' then optional whitespace then a line end (or the end of the data).
                var j = i + 1;
                while (j < encoded.Length && (encoded[j] == ' ' || encoded[j] == '\t'))
                {
                    j++;
                }

                if (j == encoded.Length)
                {
                    i = j;
                    continue;
                }

                if (encoded[j] == '\n')
                {
                    i = j + 1;
                    continue;
                }

                if (encoded[j] == '\r' && j + 1 < encoded.Length && encoded[j + 1] == '\n')
                {
                    i = j + 2;
                    continue;
                }

                output[written++] = b;
                i++;
                continue;
            }

            if (b == ' ' || b == '\t')
            {
                // Trailing whitespace before a line end (or the end) is transport padding: drop it.
                var j = i;
                while (j < encoded.Length && (encoded[j] == ' ' || encoded[j] == '\t'))
                {
                    j++;
                }

                if (j == encoded.Length || encoded[j] == '\n' || (encoded[j] == '\r' && j + 1 < encoded.Length && encoded[j + 1] == '\n'))
                {
                    i = j;
                    continue;
                }

                encoded[i..j].CopyTo(output.AsSpan(written));
                written += j - i;
                i = j;
                continue;
            }

            output[written++] = b;
            i++;
        }

        return output.AsSpan(0, written).ToArray();
    }

    private static bool TryHex(byte high, byte low, out byte value)
    {
        var h = HexValue(high);
        var l = HexValue(low);
        value = (byte)((h << 4) | l);
        return h >= 0 && l >= 0;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        _ => -1,
    };
}
