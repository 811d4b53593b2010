using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Protocols.Net;

/// <summary>
/// Reads from a connection, asyncio's <c>StreamReader</c> on a <see cref="PipeReader"/>: a line, until a delimiter,
/// exactly n bytes, what is there, to the end, or a copy into a stream; every read bounded.
/// Byte results are slices of the receive buffer, valid until the next call on this reader: no allocation per line.
/// One reader call at a time.
/// </summary>
public sealed partial class ConnectionReader : IDisposable
{
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();

    private readonly OperationTimer _timer = new();
    private PipeReader _input;
    private ReadOnlySequence<byte> _buffer;
    private bool _holding;
    private bool _completed;
    private int _maxLineLength;

    internal ConnectionReader(PipeReader input, ConnectionOptions options)
    {
        _input = input;
        _maxLineLength = options.MaxLineLength;
        AcceptBareLf = options.AcceptBareLf;
        _timer.Timeout = options.ReadTimeout;
        _bulkThreshold = options.BulkReadThreshold;
    }

    /// <summary>Longest line accepted by <see cref="ReadLineAsync(CancellationToken)"/>, terminator included.</summary>
    public int MaxLineLength
    {
        get => _maxLineLength;
        set => _maxLineLength = value >= 2 ? value : throw new ArgumentOutOfRangeException(nameof(value), "at least 2 (a CRLF)");
    }

    /// <summary>Whether a bare LF ends a line. Off: a bare LF is a <see cref="ProtocolException"/>.</summary>
    public bool AcceptBareLf { get; set; }

    /// <summary>Idle limit on each wait for bytes; <see cref="Timeout.InfiniteTimeSpan"/> for none. Expiry throws <see cref="TimeoutException"/>.</summary>
    public TimeSpan ReadTimeout { get => _timer.Timeout; set => _timer.Timeout = value; }

    /// <summary>Bytes received and not yet read.</summary>
    public long BufferedLength => _buffer.Length;

    /// <summary>True once the peer has finished sending and every byte has been read.</summary>
    public bool IsAtEnd => _completed && _buffer.IsEmpty;

    /// <summary>
    /// Reads one line and returns it without its terminator, or null when the stream ends cleanly between lines.
    /// A line cut by the end of the stream throws <see cref="IncompleteReadException"/>; one longer than
    /// <see cref="MaxLineLength"/> throws <see cref="LineTooLongException"/>.
    /// </summary>
    public ValueTask<ReadOnlySequence<byte>?> ReadLineAsync(CancellationToken cancellationToken = default) =>
        ReadLineAsync(_maxLineLength, cancellationToken);

    /// <summary>
    /// Takes a line if a whole one is already buffered, without waiting: the hot-loop companion of
    /// <see cref="ReadLineAsync(CancellationToken)"/> (drain what is buffered with this, await only when it says false).
    /// Same limits and errors; the line is valid until the next call on the reader.
    /// </summary>
    public bool TryReadLine(out ReadOnlySequence<byte> line) => TryTakeLine(_maxLineLength, out line);

    /// <summary>Reads one line of at most <paramref name="maxLength"/> bytes, terminator included.</summary>
    public ValueTask<ReadOnlySequence<byte>?> ReadLineAsync(int maxLength, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        if (TryTakeLine(maxLength, out var line)) return new ValueTask<ReadOnlySequence<byte>?>(line);
        return ReadLineSlowAsync(maxLength, cancellationToken);
    }

    private async ValueTask<ReadOnlySequence<byte>?> ReadLineSlowAsync(int maxLength, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_completed)
            {
                if (_buffer.IsEmpty) return null;
                throw new IncompleteReadException(_buffer.ToArray(), null);
            }
            await FillAsync(cancellationToken).ConfigureAwait(false);
            if (TryTakeLine(maxLength, out var line)) return line;
        }
    }

    /// <summary>Reads one line and decodes it (UTF-8 unless told); null at a clean end of stream.</summary>
    public async ValueTask<string?> ReadLineStringAsync(Encoding? encoding = null, CancellationToken cancellationToken = default)
    {
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        return line is { } bytes ? (encoding ?? Encoding.UTF8).GetString(bytes) : null;
    }

    /// <summary>Marks the buffered bytes up to <paramref name="end"/> as read, showing them to the protocol log first.</summary>
    private void Take(SequencePosition end)
    {
        if (Tap is { } tap) tap.Read(_buffer.Slice(0, end));
        _buffer = _buffer.Slice(end);
    }

    private bool TryTakeLine(int maxLength, out ReadOnlySequence<byte> line)
    {
        var buffer = _buffer;
        if (buffer.IsSingleSegment)
        {
            var span = buffer.FirstSpan;
            var window = span.Length > maxLength ? span[..maxLength] : span;
            var lf = window.IndexOf((byte)'\n');
            if (lf < 0)
            {
                if (span.Length >= maxLength) throw new LineTooLongException(maxLength);
                line = default;
                return false;
            }
            int end;
            if (lf > 0 && span[lf - 1] == (byte)'\r') end = lf - 1;
            else if (AcceptBareLf) end = lf;
            else throw new ProtocolException("a bare LF where a CRLF line end was expected");
            line = buffer.Slice(0, end);
            if (Tap is { } tap) tap.Read(buffer.Slice(0, lf + 1));
            _buffer = buffer.Slice(lf + 1);
            return true;
        }
        return TryTakeLineMultiSegment(buffer, maxLength, out line);
    }

    private bool TryTakeLineMultiSegment(ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line)
    {
        var window = buffer.Length > maxLength ? buffer.Slice(0, maxLength) : buffer;
        var found = window.PositionOf((byte)'\n');
        if (found is not { } lfPosition)
        {
            if (buffer.Length >= maxLength) throw new LineTooLongException(maxLength);
            line = default;
            return false;
        }
        var withoutLf = buffer.Slice(0, lfPosition);
        var length = withoutLf.Length;
        if (length > 0 && withoutLf.Slice(length - 1).FirstSpan[0] == (byte)'\r') line = withoutLf.Slice(0, length - 1);
        else if (AcceptBareLf) line = withoutLf;
        else throw new ProtocolException("a bare LF where a CRLF line end was expected");
        Take(buffer.GetPosition(1, lfPosition));
        return true;
    }

    /// <summary>
    /// Skips the rest of the current line, through its LF, without buffering it; use after a
    /// <see cref="LineTooLongException"/>. Returns the bytes skipped; stops quietly at the end of the stream.
    /// </summary>
    public async ValueTask<long> DiscardLineAsync(CancellationToken cancellationToken = default)
    {
        long skipped = 0;
        while (true)
        {
            var found = _buffer.PositionOf((byte)'\n');
            if (found is { } lf)
            {
                var through = _buffer.GetPosition(1, lf);
                skipped += _buffer.Slice(0, through).Length;
                Take(through);
                return skipped;
            }
            skipped += _buffer.Length;
            Take(_buffer.End);
            if (_completed) return skipped;
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads up to and past <paramref name="delimiter"/> and returns what came before it. At most
    /// <paramref name="maxLength"/> bytes, delimiter included, are searched.
    /// </summary>
    public async ValueTask<ReadOnlySequence<byte>> ReadUntilAsync(ReadOnlyMemory<byte> delimiter, int maxLength, CancellationToken cancellationToken = default)
    {
        if (delimiter.IsEmpty) throw new ArgumentException("the delimiter is empty", nameof(delimiter));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, delimiter.Length);
        while (true)
        {
            var window = _buffer.Length > maxLength ? _buffer.Slice(0, maxLength) : _buffer;
            var reader = new SequenceReader<byte>(window);
            if (reader.TryReadTo(out ReadOnlySequence<byte> before, delimiter.Span, advancePastDelimiter: true))
            {
                Take(reader.Position);
                return before;
            }
            if (_buffer.Length >= maxLength) throw new LimitExceededException(maxLength, "the data before the delimiter");
            if (_completed) throw new IncompleteReadException(_buffer.ToArray(), null);
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads exactly <paramref name="count"/> bytes. They are held in the receive buffer, so keep counts modest
    /// (a Kestrel transport pauses at 1 MiB); copy bulk data with <see cref="CopyToAsync(Stream, long?, CancellationToken)"/>.
    /// </summary>
    public async ValueTask<ReadOnlySequence<byte>> ReadExactlyAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        while (_buffer.Length < count)
        {
            if (_completed) throw new IncompleteReadException(_buffer.ToArray(), count);
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
        var result = _buffer.Slice(0, count);
        Take(result.End);
        return result;
    }

    /// <summary>Returns what has arrived, up to <paramref name="maxCount"/> bytes, waiting only if nothing has; empty at the end of the stream.</summary>
    public async ValueTask<ReadOnlySequence<byte>> ReadAvailableAsync(int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        while (_buffer.IsEmpty && !_completed) await FillAsync(cancellationToken).ConfigureAwait(false);
        var result = _buffer.Length > maxCount ? _buffer.Slice(0, maxCount) : _buffer;
        Take(result.End);
        return result;
    }

    /// <summary>Reads until the peer stops sending; more than <paramref name="maxLength"/> bytes throws <see cref="LimitExceededException"/>.</summary>
    public async ValueTask<ReadOnlySequence<byte>> ReadToEndAsync(long maxLength, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        while (!_completed)
        {
            if (_buffer.Length > maxLength) throw new LimitExceededException(maxLength, "the rest of the stream");
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
        if (_buffer.Length > maxLength) throw new LimitExceededException(maxLength, "the rest of the stream");
        var result = _buffer;
        Take(_buffer.End);
        return result;
    }

    /// <summary>Reads one message with a framing parser, bounded by <paramref name="maxLength"/> buffered bytes.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<TMessage> ReadAsync<TParser, TMessage>(TParser parser, long maxLength, CancellationToken cancellationToken = default)
        where TParser : IMessageReader<TMessage>
    {
        while (true)
        {
            var window = _buffer.Length > maxLength ? _buffer.Slice(0, maxLength) : _buffer;
            var consumed = window.Start;
            var examined = window.End;
            if (parser.TryParseMessage(window, ref consumed, ref examined, out var message))
            {
                Take(consumed);
                return message;
            }
            if (_buffer.Length >= maxLength) throw new LimitExceededException(maxLength, "the message");
            if (_completed) throw new IncompleteReadException(_buffer.ToArray(), null);
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
