using System.Buffers;
using System.Globalization;
using System.Text;
using Protocols.Servers.Ftp.FileSystem;

namespace Protocols.Servers.Ftp;

/// <summary>Which MLST facts to send (OPTS MLST).</summary>
[Flags]
internal enum MlstFacts
{
    None = 0,
    Type = 1,
    Size = 2,
    Modify = 4,
    Perm = 8,
    All = Type | Size | Modify | Perm,
}

/// <summary>What a listing line shows of an entry besides its name (an <see cref="FtpFileInfo"/>'s facts, or a directory reader's).</summary>
internal readonly record struct ListingFacts(bool IsDirectory, long Length, DateTime ModifiedUtc, bool IsReadOnly)
{
    public static ListingFacts Of(FtpFileInfo item) => new(item.IsDirectory, item.Length, item.Modified.UtcDateTime, item.IsReadOnly);
}

/// <summary>
/// Formats listing lines into bytes: LIST in the Unix <c>ls -l</c> form clients parse, NLST names, MLSD facts.
/// Each line is written straight into the output (ASCII fields formatted in place, the name encoded as UTF-8):
/// nothing is allocated per entry, and a line that does not fit the current buffer starts a large one.
/// </summary>
internal static class FtpListingFormatter
{
    private static readonly byte[][] Months = [.. new[] { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" }.Select(m => Encoding.ASCII.GetBytes(m))];

    // The longest ASCII part of a line, before the name: "drwxr-xr-x    1 ftp      ftp      " (35) + length (up to
    // 19 digits) + " Mmm dd HH:mm " (14); MLSD facts are shorter than this too.
    private const int MaxHead = 96;

    /// <summary>The size of a fresh output buffer for listing lines: one send(2) each.</summary>
    internal const int LargeWrite = 128 * 1024;

    /// <summary>A listing drains once this much is buffered: each send(2) 64 KiB or more, and the next line still fits the large buffer.</summary>
    internal const int DrainBytes = 64 * 1024;

    /// <summary>Names with CR or LF would break the line framing (and could forge entries): such entries are left out.</summary>
    public static bool IsListable(string name) => name.AsSpan().IndexOfAny('\r', '\n') < 0;

    /// <inheritdoc cref="IsListable(string)"/>
    public static bool IsListable(ReadOnlySpan<byte> utf8Name) => utf8Name.IndexOfAny((byte)'\r', (byte)'\n') < 0;

    public static void WriteList(IBufferWriter<byte> output, FtpFileInfo item, bool canWrite, DateTimeOffset now)
    {
        var span = Room(output, item.Name.Length * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
        output.Advance(PutName(span, PutListHead(span, ListingFacts.Of(item), canWrite, now.UtcDateTime), item.Name));
    }

    /// <summary>A LIST line for a name given as UTF-8 bytes (as a directory holds it on disk): nothing decoded or allocated.</summary>
    public static void WriteList(IBufferWriter<byte> output, ReadOnlySpan<byte> utf8Name, in ListingFacts facts, bool canWrite, DateTime nowUtc)
    {
        var span = Room(output, utf8Name.Length);
        output.Advance(PutName(span, PutListHead(span, facts, canWrite, nowUtc), utf8Name));
    }

    /// <summary>The <c>ls -l</c> fields before the name; returns where the name goes.</summary>
    private static int PutListHead(Span<byte> span, in ListingFacts item, bool canWrite, DateTime nowUtc)
    {
        var mode = item.IsDirectory ? (canWrite ? "drwxr-xr-x"u8 : "dr-xr-xr-x"u8) : (canWrite && !item.IsReadOnly ? "-rw-r--r--"u8 : "-r--r--r--"u8);
        var at = Put(span, 0, mode);
        at = Put(span, at, "    1 ftp      ftp      "u8);
        at = PutPadded(span, at, item.Length, 12);
        span[at++] = (byte)' ';
        var t = item.ModifiedUtc;
        t.Deconstruct(out int year, out int month, out int day);
        at = Put(span, at, Months[month - 1]);
        span[at++] = (byte)' ';
        at = PutPadded(span, at, day, 2);
        span[at++] = (byte)' ';
        // ls: the time for the last six months, the year otherwise (and for the future).
        var age = nowUtc - t;
        if (age < TimeSpan.FromDays(180) && age > TimeSpan.FromDays(-1))
        {
            at = PutDigits(span, at, t.Hour, 2);
            span[at++] = (byte)':';
            at = PutDigits(span, at, t.Minute, 2);
        }
        else
        {
            span[at++] = (byte)' ';
            at = PutPadded(span, at, year, 4);
        }
        span[at++] = (byte)' ';
        return at;
    }

    public static void WriteName(IBufferWriter<byte> output, string name) => output.Advance(PutName(Room(output, name.Length * 3), 0, name));

    /// <summary>An NLST line for a name given as UTF-8 bytes.</summary>
    public static void WriteName(IBufferWriter<byte> output, ReadOnlySpan<byte> utf8Name) => output.Advance(PutName(Room(output, utf8Name.Length), 0, utf8Name));

    /// <summary>
    /// Asks the output for a fresh large buffer (<see cref="LargeWrite"/>) when the one it has is smaller: call it
    /// before a run of lines (a listing, and after each drain), so each drain is one send(2).
    /// </summary>
    public static void Reserve(IBufferWriter<byte> output) => output.GetSpan(LargeWrite);

    /// <summary>
    /// Room in the output for one line with a name of at most <paramref name="nameBytes"/> bytes: what is left of the current buffer when the line
    /// fits there, else a fresh large buffer (<see cref="LargeWrite"/>), so a pipe sends a listing in few large writes
    /// (its default buffers are 4 KiB, one send each).
    /// </summary>
    private static Span<byte> Room(IBufferWriter<byte> output, int nameBytes, int extra = 0)
    {
        var need = MaxHead + extra + nameBytes + 2;
        var span = output.GetSpan();
        return span.Length >= need ? span : output.GetSpan(Math.Max(need, LargeWrite));
    }

    /// <summary>The name as UTF-8 and CRLF at <paramref name="at"/>; returns the line's length.</summary>
    private static int PutName(Span<byte> span, int at, string name)
    {
        at += Encoding.UTF8.GetBytes(name, span[at..]);
        return PutEnd(span, at);
    }

    private static int PutName(Span<byte> span, int at, ReadOnlySpan<byte> utf8Name) => PutEnd(span, Put(span, at, utf8Name));

    private static int PutEnd(Span<byte> span, int at)
    {
        span[at++] = (byte)'\r';
        span[at++] = (byte)'\n';
        return at;
    }

    /// <summary>The MLST/MLSD facts of an entry (<c>type=file;size=5;modify=...;perm=r;</c>), as a string (MLST replies).</summary>
    public static string Facts(FtpFileInfo item, bool canWrite, MlstFacts facts, string? typeOverride = null)
    {
        Span<byte> buffer = stackalloc byte[MaxHead + 64];
        var length = WriteFacts(buffer, ListingFacts.Of(item), canWrite, facts, typeOverride);
        return Encoding.ASCII.GetString(buffer[..length]);
    }

    public static void WriteMlsd(IBufferWriter<byte> output, FtpFileInfo item, bool canWrite, MlstFacts facts, string? typeOverride = null)
    {
        var span = Room(output, item.Name.Length * 3, typeOverride?.Length ?? 0);
        var at = WriteFacts(span, ListingFacts.Of(item), canWrite, facts, typeOverride);
        span[at++] = (byte)' ';
        output.Advance(PutName(span, at, item.Name));
    }

    /// <summary>An MLSD line for a name given as UTF-8 bytes: nothing decoded or allocated.</summary>
    public static void WriteMlsd(IBufferWriter<byte> output, ReadOnlySpan<byte> utf8Name, in ListingFacts item, bool canWrite, MlstFacts facts)
    {
        var span = Room(output, utf8Name.Length);
        var at = WriteFacts(span, item, canWrite, facts, null);
        span[at++] = (byte)' ';
        output.Advance(PutName(span, at, utf8Name));
    }

    private static int WriteFacts(Span<byte> span, in ListingFacts item, bool canWrite, MlstFacts facts, string? typeOverride)
    {
        var at = 0;
        if ((facts & MlstFacts.Type) != 0)
        {
            at = Put(span, at, "type="u8);
            if (typeOverride is not null) at += Encoding.ASCII.GetBytes(typeOverride, span[at..]);
            else at = Put(span, at, item.IsDirectory ? "dir"u8 : "file"u8);
            span[at++] = (byte)';';
        }
        if ((facts & MlstFacts.Size) != 0 && !item.IsDirectory)
        {
            at = Put(span, at, "size="u8);
            at = PutPadded(span, at, item.Length, 1);
            span[at++] = (byte)';';
        }
        if ((facts & MlstFacts.Modify) != 0)
        {
            var t = item.ModifiedUtc;
            t.Deconstruct(out int year, out int month, out int day);
            at = Put(span, at, "modify="u8);
            at = PutDigits(span, at, year, 4);
            at = PutDigits(span, at, month, 2);
            at = PutDigits(span, at, day, 2);
            at = PutDigits(span, at, t.Hour, 2);
            at = PutDigits(span, at, t.Minute, 2);
            at = PutDigits(span, at, t.Second, 2);
            span[at++] = (byte)';';
        }
        if ((facts & MlstFacts.Perm) != 0)
        {
            at = Put(span, at, "perm="u8);
            if (item.IsDirectory) at = Put(span, at, canWrite ? "elcmpdf"u8 : "el"u8);
            else at = Put(span, at, canWrite && !item.IsReadOnly ? "radfw"u8 : "r"u8);
            span[at++] = (byte)';';
        }
        return at;
    }

    private static int Put(Span<byte> span, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[at..]);
        return at + bytes.Length;
    }

    /// <summary>A non-negative number right-aligned in <paramref name="width"/> with spaces (wider numbers take the room they need).</summary>
    private static int PutPadded(Span<byte> span, int at, long value, int width)
    {
        Span<byte> digits = stackalloc byte[20];
        value.TryFormat(digits, out var count, default, CultureInfo.InvariantCulture);
        for (var i = count; i < width; i++) span[at++] = (byte)' ';
        return Put(span, at, digits[..count]);
    }

    /// <summary>A non-negative number with leading zeros to <paramref name="width"/> digits.</summary>
    private static int PutDigits(Span<byte> span, int at, int value, int width)
    {
        for (var i = width - 1; i >= 0; i--)
        {
            span[at + i] = (byte)('0' + value % 10);
            value /= 10;
        }
        return at + width;
    }
}
