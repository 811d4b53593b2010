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
        var output = new ArrayBufferWriter<byte>(Math.Max(1, GetEncodedLength(data.Length)));
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
        const int LinesPerBlock = 512;
        while (!data.IsEmpty)
        {
            var lines = Math.Min(LinesPerBlock, (data.Length + BytesPerLine - 1) / BytesPerLine);
            var span = output.GetSpan(lines * (LineLength + 2));
            var used = 0;
            for (var i = 0; i < lines; i++)
            {
                var take = Math.Min(BytesPerLine, data.Length);
                Base64.EncodeToUtf8(data[..take], span[used..], out _, out var written);
                used += written;
                span[used++] = (byte)'\r';
                span[used++] = (byte)'\n';
                data = data[take..];
            }

            output.Advance(used);
        }
    }

    /// <summary>
    /// Decodes base64, ignoring line breaks, whitespace and characters outside the alphabet, and accepting missing
    /// padding. Never throws.
    /// </summary>
    public static byte[] Decode(ReadOnlySpan<byte> encoded)
    {
        var decoded = DecodeToMemory(encoded);
        return decoded.Length == 0 ? [] : decoded.ToArray();
    }

    /// <summary>Decodes like <see cref="Decode"/>, returning a slice of one array (no final copy).</summary>
    internal static ReadOnlyMemory<byte> DecodeToMemory(ReadOnlySpan<byte> encoded)
    {
        // Fast path: drop line breaks into a pooled buffer, then decode with the vectorized decoder.
        var compact = ArrayPool<byte>.Shared.Rent(Math.Max(1, encoded.Length));
        try
        {
            var length = 0;
            var rest = encoded;
            while (!rest.IsEmpty)
            {
                var stop = rest.IndexOfAny((byte)'\r', (byte)'\n');
                var piece = stop < 0 ? rest : rest[..stop];
                piece.CopyTo(compact.AsSpan(length));
                length += piece.Length;
                rest = stop < 0 ? default : rest[(stop + 1)..];
            }

            var output = new byte[(encoded.Length / 4 * 3) + 3];
            var status = Base64.DecodeFromUtf8(compact.AsSpan(0, length), output, out var consumed, out var written);
            if (status == OperationStatus.Done && consumed == length)
            {
                return output.AsMemory(0, written);
            }

            written = DecodeLenient(encoded, output);
            return output.AsMemory(0, written);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compact);
        }
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
