using System.Text;

namespace Protocols.Mime;

/// <summary>
/// Maps MIME charset names to decoders. UTF-8, US-ASCII, ISO-8859-1 and Windows-1252 always work; other names go
/// through the runtime and the code-pages provider. Unknown names never throw: the bytes are read as UTF-8 when they
/// are valid UTF-8 and as Windows-1252 otherwise.
/// </summary>
public static class Charsets
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>UTF-8 without a byte order mark.</summary>
    public static Encoding Utf8 { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Windows-1252, the superset that mail labelled ISO-8859-1 is written in in practice (as in WHATWG).</summary>
    public static Encoding Windows1252 { get; } = CodePagesEncodingProvider.Instance.GetEncoding(1252) ?? Encoding.Latin1;

    /// <summary>The encoding for a charset name, or null when the runtime does not know it.</summary>
    public static Encoding? Find(string? charset)
    {
        if (string.IsNullOrWhiteSpace(charset))
        {
            return null;
        }

        var name = charset.Trim().Trim('"').ToLowerInvariant();
        switch (name)
        {
            case "utf-8" or "utf8":
                return Utf8;
            case "us-ascii" or "ascii" or "ansi_x3.4-1968" or "iso646-us":
                return Encoding.ASCII;
            case "iso-8859-1" or "iso8859-1" or "latin1" or "latin-1" or "l1" or "iso_8859-1" or "windows-1252" or "cp1252":
                return Windows1252;
        }

        try
        {
            return CodePagesEncodingProvider.Instance.GetEncoding(name) ?? Encoding.GetEncoding(name);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Decodes bytes labelled with a charset. US-ASCII or unknown labels on 8-bit bytes are read as UTF-8 when valid,
    /// else as Windows-1252. Never throws.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string? charset)
    {
        var encoding = Find(charset);
        if (encoding is null || encoding.CodePage == Encoding.ASCII.CodePage || encoding.CodePage == Encoding.UTF8.CodePage)
        {
            return DecodeUtf8OrWindows1252(bytes);
        }

        return encoding.GetString(bytes);
    }

    /// <summary>Decodes bytes as UTF-8 when they are valid UTF-8, else as Windows-1252.</summary>
    public static string DecodeUtf8OrWindows1252(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return StrictUtf8.GetString(bytes);
        }

        return Windows1252.GetString(bytes);
    }

    internal static bool IsAscii(ReadOnlySpan<char> text) => System.Text.Ascii.IsValid(text);

    internal static bool IsAscii(ReadOnlySpan<byte> bytes) => System.Text.Ascii.IsValid(bytes);
}
