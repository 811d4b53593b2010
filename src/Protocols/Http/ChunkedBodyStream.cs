using System.Buffers;
using Protocols.Net;

namespace Protocols.Http;

/// <summary>A chunked body (RFC 9112 §7.1): size lines in hex, data, CRLF, a last chunk of 0, then trailer fields.</summary>
internal sealed class ChunkedBodyStream(PooledConnection lease, HttpClientOptions options, HttpFields trailers)
    : BodyStream(lease)
{
    private long _chunkRemaining;
    private bool _afterData;

    protected override async ValueTask<long> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_chunkRemaining > 0)
            {
                while (Reader.BufferedLength == 0) await FillOrThrowAsync(cancellationToken).ConfigureAwait(false);
                return Math.Min(_chunkRemaining, Reader.BufferedLength);
            }
            if (_afterData)
            {
                var end = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
                if (end.Length != 0) throw new HttpProtocolException(HttpError.BadChunk, "chunk data is not followed by CRLF");
                _afterData = false;
            }
            var sizeLine = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            var size = ParseSize(sizeLine);
            if (size == 0)
            {
                await ReadTrailersAsync(cancellationToken).ConfigureAwait(false);
                End(reusable: true);
                return 0;
            }
            _chunkRemaining = size;
            _afterData = true;
        }
    }

    protected override string WhereCut => "in the middle of a chunk";

    protected override void Advance(long count) => _chunkRemaining -= count;

    private async ValueTask<ReadOnlySequence<byte>> ReadLineAsync(CancellationToken cancellationToken)
    {
        ReadOnlySequence<byte>? line;
        try
        {
            line = await Reader.ReadLineAsync(options.MaxLineLength, cancellationToken).ConfigureAwait(false);
        }
        catch (LineTooLongException e)
        {
            throw new HttpProtocolException(HttpError.BadChunk, $"a chunk size line is longer than {options.MaxLineLength} bytes", e);
        }
        return line ?? throw new HttpProtocolException(HttpError.Truncated, "the connection closed between chunks");
    }

    /// <summary>chunk-size [ chunk-ext ]: 1 to 15 hex digits (so the size fits a long), then optional BWS and ';' extensions.</summary>
    internal static long ParseSize(ReadOnlySequence<byte> line)
    {
        Span<byte> copy = stackalloc byte[64];
        var span = line.IsSingleSegment ? line.FirstSpan : line.Length <= 64 ? CopyTo(line, copy) : line.ToArray();
        long size = 0;
        var digits = 0;
        foreach (var c in span)
        {
            int value = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
                _ => -1,
            };
            if (value < 0) break;
            if (++digits > 15) throw new HttpProtocolException(HttpError.BadChunk, "a chunk size is too large");
            size = size * 16 + value;
        }
        if (digits == 0) throw Bad(span);
        var rest = span[digits..].TrimStart(" \t"u8);
        if (!rest.IsEmpty && rest[0] != (byte)';') throw Bad(span);
        return size;
    }

    private static ReadOnlySpan<byte> CopyTo(ReadOnlySequence<byte> line, Span<byte> into)
    {
        line.CopyTo(into);
        return into[..(int)line.Length];
    }

    private static HttpProtocolException Bad(ReadOnlySpan<byte> line) =>
        new(HttpError.BadChunk, $"malformed chunk size line: \"{ResponseHeadParser.Printable(line)}\"");

    private async ValueTask ReadTrailersAsync(CancellationToken cancellationToken)
    {
        var parser = new TrailerParser(options.MaxLineLength, options.MaxHeadLength, options.MaxHeaderCount, options.AcceptBareLf);
        HttpFields fields;
        try
        {
            fields = await Reader.ReadAsync<TrailerParser, HttpFields>(parser, options.MaxHeadLength + 1L, cancellationToken).ConfigureAwait(false);
        }
        catch (IncompleteReadException e)
        {
            throw new HttpProtocolException(HttpError.Truncated, "the connection closed in the trailer section", e);
        }
        foreach (var (name, value) in fields) trailers.AddUnchecked(name, value);
    }
}

/// <summary>The trailer section after the last chunk: field lines up to an empty line.</summary>
internal readonly struct TrailerParser(int maxLineLength, int maxLength, int maxCount, bool acceptBareLf) : IMessageReader<HttpFields>
{
    public bool TryParseMessage(in ReadOnlySequence<byte> input, ref SequencePosition consumed, ref SequencePosition examined, out HttpFields message)
    {
        message = null!;
        examined = input.End;
        if (!FieldBlock.TryFindEnd(input, maxLineLength, maxLength, out var end)) return false;
        var reader = new SequenceReader<byte>(input.Slice(0, end));
        message = new HttpFields();
        FieldBlock.ParseFields(ref reader, message, maxCount, acceptBareLf);
        consumed = end;
        return true;
    }
}
