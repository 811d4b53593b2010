namespace Protocols.Mime;

/// <summary>Content-Transfer-Encoding (RFC 2045 §6).</summary>
public enum ContentEncoding
{
    /// <summary>Chosen on write: 7bit when it fits, quoted-printable for mostly-ASCII text, base64 otherwise.</summary>
    Default,
    SevenBit,
    /// <summary>8-bit text lines; needs 8BITMIME to send. Used only when asked for.</summary>
    EightBit,
    /// <summary>Raw octets; written as base64 unless the content happens to fit 8bit lines.</summary>
    Binary,
    QuotedPrintable,
    Base64,
}

/// <summary>Names, parsing and the automatic choice of a transfer encoding.</summary>
public static class ContentEncodings
{
    /// <summary>The longest line RFC 5322 §2.1.1 allows, line end excluded.</summary>
    public const int MaxLineLength = 998;

    public static string ToHeaderValue(ContentEncoding encoding) => encoding switch
    {
        ContentEncoding.SevenBit => "7bit",
        ContentEncoding.EightBit => "8bit",
        ContentEncoding.Binary => "binary",
        ContentEncoding.QuotedPrintable => "quoted-printable",
        ContentEncoding.Base64 => "base64",
        _ => "7bit",
    };

    /// <summary>Parses a header value; unknown values are <see cref="ContentEncoding.Default"/> (taken as 7bit).</summary>
    public static ContentEncoding Parse(string? value) => value?.Trim().Trim('"').ToLowerInvariant() switch
    {
        "7bit" => ContentEncoding.SevenBit,
        "8bit" or "8-bit" => ContentEncoding.EightBit,
        "binary" => ContentEncoding.Binary,
        "quoted-printable" => ContentEncoding.QuotedPrintable,
        "base64" => ContentEncoding.Base64,
        _ => ContentEncoding.Default,
    };

    /// <summary>
    /// The encoding to write content with. Text: 7bit when ASCII with lines of at most 998 octets; 8bit when asked
    /// for and the lines fit; quoted-printable when under about one byte in six is non-ASCII; base64 otherwise.
    /// Anything else: base64.
    /// </summary>
    public static ContentEncoding Choose(ReadOnlySpan<byte> content, bool isText, ContentEncoding requested = ContentEncoding.Default)
    {
        if (requested is ContentEncoding.Base64 or ContentEncoding.QuotedPrintable)
        {
            return requested;
        }

        if (!isText && requested == ContentEncoding.Default)
        {
            return ContentEncoding.Base64;
        }

        var stats = Analyze(content);
        var linesFit = stats.MaxLineLength <= MaxLineLength && !stats.HasNul && !stats.HasBareCr;
        if (requested is ContentEncoding.EightBit or ContentEncoding.Binary && linesFit)
        {
            return stats.NonAscii == 0 ? ContentEncoding.SevenBit : ContentEncoding.EightBit;
        }

        if (!isText && requested == ContentEncoding.Default)
        {
            return ContentEncoding.Base64;
        }

        if (stats.NonAscii == 0 && linesFit)
        {
            return ContentEncoding.SevenBit;
        }

        return stats.NonAscii * 6 <= content.Length && !stats.HasNul ? ContentEncoding.QuotedPrintable : ContentEncoding.Base64;
    }

    internal readonly record struct Stats(int NonAscii, int MaxLineLength, bool HasNul, bool HasBareCr);

    internal static Stats Analyze(ReadOnlySpan<byte> content)
    {
        var nonAscii = System.Text.Ascii.IsValid(content) ? 0 : CountNonAscii(content);
        var maxLine = 0;
        var hasBareCr = false;
        var rest = content;
        while (true)
        {
            var lf = rest.IndexOf((byte)'\n');
            var line = lf < 0 ? rest : rest[..lf];
            if (lf >= 0 && line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }

            maxLine = Math.Max(maxLine, line.Length);
            if (!hasBareCr && line.Contains((byte)'\r'))
            {
                hasBareCr = true;
            }

            if (lf < 0)
            {
                break;
            }

            rest = rest[(lf + 1)..];
        }

        return new Stats(nonAscii, maxLine, content.Contains((byte)0), hasBareCr);
    }

    private static int CountNonAscii(ReadOnlySpan<byte> content)
    {
        var count = 0;
        foreach (var b in content)
        {
            if (b >= 0x80)
            {
                count++;
            }
        }

        return count;
    }
}
