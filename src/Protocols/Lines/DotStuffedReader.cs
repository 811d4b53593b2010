using Protocols.Net;

namespace Protocols.Lines;

/// <summary>
/// Reads SMTP DATA (RFC 5321 §4.5.2) as it streams: removes the stuffed dots and ends <b>only</b> on CRLF.CRLF.
/// A bare LF or CR is data, never a line end, so <c>LF.LF</c>, <c>LF.CRLF</c>, <c>CR.CR</c> and the other
/// SMTP-smuggling forms can never end the message early; they are counted so a server can refuse them.
/// Over the size limit the reader stops storing at once but keeps reading to the end marker, so the
/// session stays in sync and can answer 552.
/// </summary>
public static class DotStuffedReader
{
    private static readonly ReadOnlyMemory<byte> Cr = "\r"u8.ToArray();

    /// <summary>
    /// Reads data up to and through the end marker into <paramref name="destination"/> (null: discard), unstuffed,
    /// with the final CRLF of the last line kept and the marker dropped. The end of the stream before the marker
    /// throws <see cref="IncompleteReadException"/>.
    /// </summary>
    public static async ValueTask<DotReadResult> ReadAsync(ConnectionReader reader, Stream? destination, DotReaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new DotReaderOptions();
        var scanner = new DotScanner();
        var runs = new List<DotScanner.Run>(4);
        long size = 0;
        var maxSize = options.MaxSize;
        reader.BeginTransfer(); // past the bulk threshold the rest of the message is read off the event loop, in larger receives
        try
        {
            while (true)
            {
                var buffer = reader.Buffered;
                long offset = 0;
                foreach (var memory in buffer)
                {
                    runs.Clear();
                    var end = scanner.Scan(memory.Span, runs);
                    foreach (var run in runs)
                    {
                        var bytes = run.HeldCr ? Cr : memory.Slice(run.Start, run.Length);
                        if (destination is not null && size < maxSize)
                        {
                            var room = maxSize - size;
                            var part = bytes.Length > room ? bytes[..(int)room] : bytes;
                            await destination.WriteAsync(part, cancellationToken).ConfigureAwait(false);
                        }
                        size += bytes.Length;
                    }
                    if (end >= 0)
                    {
                        reader.Consume(buffer.GetPosition(offset + end));
                        return new DotReadResult(size, size > maxSize, scanner.LongestLine, scanner.BareLineFeeds, scanner.BareCarriageReturns)
                        {
                            LineTooLong = scanner.LongestLine > options.MaxLineLength,
                        };
                    }
                    offset += memory.Length;
                }
                reader.Consume(buffer.End);
                if (reader.IsCompleted) throw new IncompleteReadException($"the stream ended after {size} bytes of data, before the end marker");
                await reader.FillAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            reader.EndTransfer();
        }
    }
}
