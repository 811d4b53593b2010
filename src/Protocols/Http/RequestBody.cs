using System.Text;
using Protocols.Net;

namespace Protocols.Http;

/// <summary>A request body: bytes in memory, or a stream (sent with Content-Length when the length is known, chunked when not).</summary>
public abstract class RequestBody
{
    /// <summary>The length in bytes, or null to send the body chunked.</summary>
    public abstract long? Length { get; }

    /// <summary>The Content-Type to send unless the request sets one; null for none.</summary>
    public string? ContentType { get; init; }

    /// <summary>Whether the body can be sent again (a retry on a stale connection, a 307/308 redirect).</summary>
    public abstract bool CanReplay { get; }

    /// <summary>Bytes in memory.</summary>
    public static RequestBody FromBytes(ReadOnlyMemory<byte> bytes, string? contentType = null) => new BytesBody(bytes) { ContentType = contentType };

    /// <summary>Text as UTF-8.</summary>
    public static RequestBody FromString(string text, string? contentType = "text/plain; charset=utf-8") =>
        new BytesBody(Encoding.UTF8.GetBytes(text)) { ContentType = contentType };

    /// <summary>
    /// A stream read once, from its current position. The length is taken from a seekable stream unless given;
    /// a stream of unknown length is sent chunked. The stream is not disposed.
    /// </summary>
    public static RequestBody FromStream(Stream stream, long? length = null, string? contentType = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        length ??= stream.CanSeek ? stream.Length - stream.Position : null;
        return new StreamBody(stream, length) { ContentType = contentType };
    }

    /// <summary>Writes the body; <paramref name="chunked"/> frames it as chunks and ends with the last chunk and trailers.</summary>
    internal abstract ValueTask WriteAsync(ConnectionWriter writer, bool chunked, HttpFields? trailers, IProgress<long>? progress, CancellationToken cancellationToken);

    internal static void WriteChunkHeader(ConnectionWriter writer, int length)
    {
        Span<byte> hex = stackalloc byte[10];
        length.TryFormat(hex, out var written, "x", System.Globalization.CultureInfo.InvariantCulture);
        writer.WriteLine(hex[..written]);
    }

    internal static void WriteLastChunk(ConnectionWriter writer, HttpFields? trailers)
    {
        writer.WriteLine("0"u8);
        if (trailers is not null)
        {
            foreach (var (name, value) in trailers) writer.WriteLine($"{name}: {value}");
        }
        writer.WriteLine(ReadOnlySpan<byte>.Empty);
    }

    private sealed class BytesBody(ReadOnlyMemory<byte> bytes) : RequestBody
    {
        public override long? Length => bytes.Length;
        public override bool CanReplay => true;

        internal override async ValueTask WriteAsync(ConnectionWriter writer, bool chunked, HttpFields? trailers, IProgress<long>? progress, CancellationToken cancellationToken)
        {
            if (chunked && bytes.Length > 0) WriteChunkHeader(writer, bytes.Length);
            const int Slice = 256 * 1024;
            for (var offset = 0; offset < bytes.Length; offset += Slice)
            {
                var part = bytes.Slice(offset, Math.Min(Slice, bytes.Length - offset));
                writer.Write(part.Span);
                await writer.DrainAsync(cancellationToken).ConfigureAwait(false);
                progress?.Report(offset + part.Length);
            }
            if (chunked)
            {
                if (bytes.Length > 0) writer.WriteLine(ReadOnlySpan<byte>.Empty);
                WriteLastChunk(writer, trailers);
            }
            await writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class StreamBody(Stream stream, long? length) : RequestBody
    {
        private int _sent;

        public override long? Length => length;
        public override bool CanReplay => false;

        internal override async ValueTask WriteAsync(ConnectionWriter writer, bool chunked, HttpFields? trailers, IProgress<long>? progress, CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _sent, 1) != 0) throw new InvalidOperationException("a stream body can be sent only once");
            var buffer = new byte[64 * 1024];
            long total = 0;
            while (length is null || total < length)
            {
                var want = length is { } n ? (int)Math.Min(buffer.Length, n - total) : buffer.Length;
                var read = await stream.ReadAsync(buffer.AsMemory(0, want), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    if (length is { } expected) throw new IOException($"the body stream ended after {total} of {expected} bytes");
                    break;
                }
                if (chunked) WriteChunkHeader(writer, read);
                writer.Write(buffer.AsSpan(0, read));
                if (chunked) writer.WriteLine(ReadOnlySpan<byte>.Empty);
                await writer.DrainAsync(cancellationToken).ConfigureAwait(false);
                total += read;
                progress?.Report(total);
            }
            if (chunked) WriteLastChunk(writer, trailers);
            await writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
