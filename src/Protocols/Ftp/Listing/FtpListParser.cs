using System.Buffers;
using System.Text;

namespace Protocols.Ftp.Listing;

/// <summary>Which listing format a line is in.</summary>
public enum FtpListFormat
{
    /// <summary>Try MLSD facts, then Unix <c>ls -l</c>, then Windows/IIS DOS, per line.</summary>
    Auto,
    Mlsd,
    Unix,
    Dos,
}

/// <summary>
/// Splits listing bytes from a data connection into lines and parses them. Lines end with LF (CRLF or bare LF);
/// names are UTF-8 (RFC 2640), with Latin-1 as the fallback for servers that send legacy bytes.
/// </summary>
public static class FtpListParser
{
    /// <summary>The longest listing line accepted (a name can be 255 bytes of 4-byte UTF-8 plus the columns).</summary>
    public const int MaxLineLength = 8192;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Parses one line; false for lines that are not entries (<c>total 12</c>, blank, unknown formats).</summary>
    public static bool TryParseLine(string line, FtpListFormat format, DateTimeOffset now, out FtpListItem item)
    {
        item = null!;
        if (line.Length == 0) return false;
        return format switch
        {
            FtpListFormat.Mlsd => MlsdParser.TryParse(line, out item),
            FtpListFormat.Unix => UnixListParser.TryParse(line, now, out item),
            FtpListFormat.Dos => DosListParser.TryParse(line, out item),
            _ => (LooksLikeFacts(line) && MlsdParser.TryParse(line, out item)) ||
                 UnixListParser.TryParse(line, now, out item) ||
                 DosListParser.TryParse(line, out item),
        };
    }

    /// <summary>
    /// Parses every complete line in <paramref name="buffer"/> into <paramref name="items"/> and returns the position
    /// up to which the buffer was consumed. With <paramref name="isFinal"/> a last line without a line end is parsed too.
    /// Throws <see cref="InvalidDataException"/> for a line longer than <see cref="MaxLineLength"/>.
    /// </summary>
    public static SequencePosition Parse(ReadOnlySequence<byte> buffer, bool isFinal, FtpListFormat format,
        DateTimeOffset now, ICollection<FtpListItem> items)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            if (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                if (line.Length > MaxLineLength) throw new InvalidDataException("listing line too long");
                Add(line, format, now, items);
                continue;
            }
            if (reader.Remaining > MaxLineLength) throw new InvalidDataException("listing line too long");
            if (isFinal && reader.Remaining > 0)
            {
                Add(reader.UnreadSequence, format, now, items);
                reader.AdvanceToEnd();
            }
            return reader.Position;
        }
    }

    /// <summary>Parses a whole listing held in memory.</summary>
    public static List<FtpListItem> Parse(ReadOnlySpan<byte> listing, FtpListFormat format = FtpListFormat.Auto,
        DateTimeOffset? now = null)
    {
        var items = new List<FtpListItem>();
        Parse(new ReadOnlySequence<byte>(listing.ToArray()), true, format, now ?? DateTimeOffset.UtcNow, items);
        return items;
    }

    /// <summary>Decodes a name or line: UTF-8 when valid, else Latin-1.</summary>
    public static string Decode(ReadOnlySequence<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }

    private static void Add(ReadOnlySequence<byte> line, FtpListFormat format, DateTimeOffset now, ICollection<FtpListItem> items)
    {
        var text = Decode(line);
        if (text.EndsWith('\r')) text = text[..^1];
        if (TryParseLine(text, format, now, out var item)) items.Add(item);
    }

    private static bool LooksLikeFacts(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var eq = line.IndexOf('=', StringComparison.Ordinal);
        return eq > 0 && (space < 0 || eq < space);
    }
}
