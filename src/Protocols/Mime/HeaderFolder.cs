using System.Buffers;
using System.Text;

namespace Protocols.Mime;

/// <summary>Writes header fields: raw bytes when unchanged, else folded at whitespace to 78 (76 with encoded words).</summary>
internal static class HeaderFolder
{
    public const int PreferredLineLength = 78;

    public static void Write(IBufferWriter<byte> output, Header header)
    {
        if (header.HasRawValue && RawFits(header.RawValue.Span, header.Name.Length))
        {
            WriteAscii(output, header.Name);
            WriteBytes(output, ":"u8);
            WriteNormalized(output, header.RawValue.Span);
            WriteBytes(output, "\r\n"u8);
            return;
        }

        WriteBytes(output, Encoding.UTF8.GetBytes(Fold(header.Name, header.Value)));
    }

    /// <summary>"Name: value" folded, with the final CRLF.</summary>
    public static string Fold(string name, string value)
    {
        var limit = value.Contains("=?", StringComparison.Ordinal) ? EncodedWords.MaxLineLength : PreferredLineLength;
        var output = new StringBuilder(name.Length + value.Length + 8);
        output.Append(name).Append(':');
        var lineLength = Encoding.UTF8.GetByteCount(output.ToString());
        var first = true;
        var i = 0;
        while (i < value.Length)
        {
            var spaceStart = i;
            while (i < value.Length && (value[i] == ' ' || value[i] == '\t'))
            {
                i++;
            }

            var wordStart = i;
            while (i < value.Length && value[i] != ' ' && value[i] != '\t')
            {
                i++;
            }

            var space = value.AsSpan(spaceStart, wordStart - spaceStart);
            var word = value.AsSpan(wordStart, i - wordStart);
            var wordBytes = Encoding.UTF8.GetByteCount(word);
            if (first)
            {
                output.Append(' ');
                lineLength++;
                if (space.Length > 0)
                {
                    // Keep leading whitespace beyond the one space after the colon.
                    output.Append(space);
                    lineLength += space.Length;
                }
            }
            else if (lineLength + space.Length + wordBytes > limit)
            {
                output.Append("\r\n");
                lineLength = 0;
                if (space.Length == 0)
                {
                    space = " ";
                }

                output.Append(space);
                lineLength += space.Length;
            }
            else
            {
                output.Append(space);
                lineLength += space.Length;
            }

            first = false;
            AppendWord(output, word, ref lineLength);
        }

        return output.Append("\r\n").ToString();
    }

    // A word that cannot fit in a line of 998 octets is broken (only reachable with structured garbage: text is
    // RFC 2047-encoded before it gets here).
    private static void AppendWord(StringBuilder output, ReadOnlySpan<char> word, ref int lineLength)
    {
        const int Hard = ContentEncodings.MaxLineLength - 8;
        foreach (var c in word)
        {
            var size = c < 0x80 ? 1 : c < 0x800 ? 2 : char.IsSurrogate(c) ? 2 : 3;
            if (lineLength + size > Hard && !char.IsLowSurrogate(c))
            {
                output.Append("\r\n ");
                lineLength = 1;
            }

            output.Append(c);
            lineLength += size;
        }
    }

    private static bool RawFits(ReadOnlySpan<byte> raw, int nameLength)
    {
        var first = true;
        while (true)
        {
            var lf = raw.IndexOf((byte)'\n');
            var line = lf < 0 ? raw : raw[..lf];
            if (lf >= 0 && line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }

            if (line.Length + (first ? nameLength + 1 : 0) > ContentEncodings.MaxLineLength || line.Contains((byte)'\r') || line.Contains((byte)0))
            {
                return false;
            }

            if (lf < 0)
            {
                return true;
            }

            first = false;
            raw = raw[(lf + 1)..];
        }
    }

    /// <summary>Writes bytes with every line end (LF or CRLF) as CRLF.</summary>
    public static void WriteNormalized(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var lf = data.IndexOf((byte)'\n');
            if (lf < 0)
            {
                WriteBytes(output, data);
                return;
            }

            var line = data[..lf];
            if (line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }

            WriteBytes(output, line);
            WriteBytes(output, "\r\n"u8);
            data = data[(lf + 1)..];
        }
    }

    public static void WriteBytes(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var span = output.GetSpan(Math.Min(data.Length, 65536));
            var n = Math.Min(span.Length, data.Length);
            data[..n].CopyTo(span);
            output.Advance(n);
            data = data[n..];
        }
    }

    public static void WriteAscii(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(text.Length);
        var n = Encoding.ASCII.GetBytes(text, span);
        output.Advance(n);
    }
}
