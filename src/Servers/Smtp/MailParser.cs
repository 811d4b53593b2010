using System.Runtime.InteropServices;
using MimeKit;

namespace Protocols.Servers.Smtp;

/// <summary>
/// The one place the servers hand received bytes to MimeKit. The whole message is parsed only when someone asks
/// (a page, a test predicate); a summary needs only <see cref="LoadHeaders(ReadOnlyMemory{byte})"/>, which stops at the blank line. A size
/// cap stands in front of the full parser so a hostile message cannot cost unbounded time or memory, and the parse is
/// persistent (parts point into the received bytes instead of copying them).
/// </summary>
public static class MailParser
{
    /// <summary>Largest message given to the full MIME parser: 64 MiB, above common submission limits (Postfix
    /// 10 MB, Gmail 25 MB before encoding). A larger message still has its headers and raw bytes.</summary>
    public const long MaxParsedSize = 64L * 1024 * 1024;

    /// <summary>MIME nesting allowed. Default 100: Postfix <c>mime_nesting_limit</c> (MimeKit's own default is 1024).</summary>
    public const int MaxNestingDepth = 100;

    private static readonly ParserOptions Options = CreateOptions();

    /// <summary>One parser per thread, reused: a new one allocates and zeroes its read buffers for every message (about
    /// half the parse of a small message). Parsing is synchronous, so a thread never needs two at once.</summary>
    [ThreadStatic]
    private static MimeParser? _parser;

    private static readonly MemoryStream Empty = new([], writable: false);

    private static ParserOptions CreateOptions()
    {
        // .NET knows only the Unicode code pages and Latin-1 until asked: real mail also uses windows-1252, KOI8-R, ...
        System.Text.Encoding.RegisterProvider(CachedCodePages.Instance);
        var options = ParserOptions.Default.Clone();
        options.MaxMimeDepth = MaxNestingDepth;
        return options;
    }

    /// <summary>Parses with this thread's parser; the parser lets go of <paramref name="stream"/> afterwards, so it
    /// keeps no message alive. A persistent message's parts point into the stream, never into the parser.</summary>
    private static MimeMessage Parse(Stream stream, bool persistent)
    {
        var parser = _parser ??= new MimeParser(Options, Empty);
        parser.SetStream(stream, MimeFormat.Entity, persistent);
        try
        {
            return parser.ParseMessage();
        }
        finally
        {
            parser.SetStream(Empty, MimeFormat.Entity, persistent: false);
        }
    }

    /// <summary>The top-level header fields only (reads up to the first blank line).</summary>
    public static HeaderList LoadHeaders(ReadOnlyMemory<byte> raw) => HeaderList.Load(Options, Open(raw));

    /// <summary>The top-level header fields of a message read from <paramref name="stream"/> (up to the first blank line).</summary>
    public static HeaderList LoadHeaders(Stream stream) => HeaderList.Load(Options, stream);

    /// <summary>The whole message from a seekable stream (a spool or store file), persistent: parts point into
    /// <paramref name="stream"/>, which must stay open while they are read. Same size cap as the other overload.</summary>
    public static MimeMessage Load(Stream stream, long maxSize = MaxParsedSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        if (stream.Length > maxSize) throw new MessageTooLargeToParseException(stream.Length, maxSize);
        return Parse(stream, persistent: true);
    }

    /// <summary>The whole message. Throws <see cref="MessageTooLargeToParseException"/> past <see cref="MaxParsedSize"/>.</summary>
    public static MimeMessage Load(ReadOnlyMemory<byte> raw) => Load(raw, MaxParsedSize);

    /// <summary>The whole message, with a cap of your own (at most <see cref="MaxParsedSize"/> is sensible).</summary>
    public static MimeMessage Load(ReadOnlyMemory<byte> raw, long maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        if (raw.Length > maxSize) throw new MessageTooLargeToParseException(raw.Length, maxSize);
        return Parse(Open(raw), persistent: true);
    }

    private static MemoryStream Open(ReadOnlyMemory<byte> raw) =>
        MemoryMarshal.TryGetArray(raw, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(raw.ToArray(), writable: false);
}

/// <summary>The message is larger than <see cref="MailParser.MaxParsedSize"/>: its raw bytes and headers are there,
/// its MIME tree is not made.</summary>
public sealed class MessageTooLargeToParseException(long size, long limit)
    : InvalidOperationException($"the message is {size} bytes; MIME parsing stops at {limit} (read the raw bytes instead)")
{
    public long Size { get; } = size;

    public long Limit { get; } = limit;
}
