using System.Buffers;
using System.Buffers.Text;

namespace Protocols.Mime;

/// <summary>Base64 for MIME bodies (RFC 2045 §6.8): 76-character lines on encode, lenient on decode.</summary>
public static class Base64Codec
{
    /// <summary>Characters per encoded line (RFC 2045 §6.8).</summary>
    public const int LineLength = 76;

    private const int BytesPerLine = LineLength / 4 * 3;

    /// <summary>Encodes to base64 lines of 76 characters, each ended by CRLF.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> data)
    {
        var output = new ArrayBufferWriter<byte>(GetEncodedLength(data.Length));
        Encode(data, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The encoded size with line breaks.</summary>
    public static int GetEncodedLength(int length)
    {
        var lines = (length + BytesPerLine - 1) / BytesPerLine;
        return checked((length + 2) / 3 * 4 + lines * 2);
    }

    /// <summary>Encodes to base64 lines of 76 characters, each ended by CRLF.</summary>
    public static void Encode(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (!data.IsEmpty)
        {
            var take = Math.Min(BytesPerLine, data.Length);
            var span = output.GetSpan(LineLength + 2);
            Base64.EncodeToUtf8(data[..take], span, out _, out var written);
            span[written] = (byte)'\r';
            span[written + 1] = (byte)'\n';
            output.Advance(written + 2);
            data = data[take..];
        }
    }

    /// <summary>
    /// Decodes base64, ignoring line breaks, whitespace and characters outside the alphabet, and accepting missing
    /// padding. Never throws.
    /// </summary>
    public static byte[] Decode(ReadOnlySpan<byte> encoded)
    {
        var output = new byte[encoded.Length / 4 * 3 + 3];
        var status = Base64.DecodeFromUtf8(encoded, output, out var consumed, out var written);
        if (status == OperationStatus.Done && consumed == encoded.Length)
        {
            return output.AsSpan(0, written).ToArray();
        }

        written = DecodeLenient(encoded, output);
        return output.AsSpan(0, written).ToArray();
    }

    private static int DecodeLenient(ReadOnlySpan<byte> encoded, Span<byte> output)
    {
        var written = 0;
        var accumulator = 0;
        var bits = 0;
        foreach (var c in encoded)
        {
            int value = c switch
            {
                >= (byte)'A' and <= (byte)'Z' => c - 'A',
                >= (byte)'a' and <= (byte)'z' => c - 'a' + 26,
                >= (byte)'0' and <= (byte)'9' => c - '0' + 52,
                (byte)'+' or (byte)'-' => 62,
                (byte)'/' or (byte)'_' => 63,
                (byte)'=' => -2,
                _ => -1,
            };
            if (value == -2)
            {
                // Padding ends a quantum: drop the partial bits and start again (concatenated base64 blocks).
                accumulator = 0;
                bits = 0;
                continue;
            }

            if (value < 0)
            {
                continue;
            }

            accumulator = (accumulator << 6) | value;
            bits += 6;
            if (bits >= 8)
            {
                bits -= 8;
                output[written++] = (byte)(accumulator >> bits);
                accumulator &= (1 << bits) - 1;
            }
        }

        return written;
    }
}
