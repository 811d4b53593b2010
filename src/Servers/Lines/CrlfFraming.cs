using System.Buffers;
using Protocols.Net;

namespace Protocols.Servers.Lines;

/// <summary>
/// One command per line, ended by CRLF (and by a bare LF when <see cref="AcceptBareLf"/>): SMTP, POP3, FTP.
/// The search is cut to <see cref="MaxLength"/> before it starts, so a line without an end within the limit is
/// <see cref="FrameStatus.TooLong"/>, never "wait for more". Works on the bytes; allocates nothing.
/// </summary>
public sealed class CrlfFraming : ICommandFraming
{
    private int _maxLength;

    /// <param name="maxLength">Longest line, CRLF included (the same meaning in every protocol).</param>
    public CrlfFraming(int maxLength, bool acceptBareLf = false)
    {
        MaxLength = maxLength;
        AcceptBareLf = acceptBareLf;
    }

    /// <inheritdoc/>
    public int MaxLength
    {
        get => _maxLength;
        set => _maxLength = value >= 2 ? value : throw new ArgumentOutOfRangeException(nameof(value), "at least 2 (a CRLF)");
    }

    /// <summary>Whether a bare LF ends a line. Off: a bare LF is a <see cref="ProtocolException"/> (the session ends).</summary>
    public bool AcceptBareLf { get; set; }

    /// <inheritdoc/>
    public ReadOnlyMemory<byte> ContinuationRequest => ReadOnlyMemory<byte>.Empty;

    /// <inheritdoc/>
    public FrameStatus TryReadFrame(in ReadOnlySequence<byte> input, out ReadOnlySequence<byte> frame, out SequencePosition consumed)
    {
        var max = _maxLength;
        if (input.IsSingleSegment)
        {
            var span = input.FirstSpan;
            var window = span.Length > max ? span[..max] : span;
            var lf = window.IndexOf((byte)'\n');
            if (lf < 0) return NoEnd(span.Length >= max, out frame, out consumed);
            frame = input.Slice(0, EndOfLine(span, lf));
            consumed = input.GetPosition(lf + 1);
            return FrameStatus.Complete;
        }
        var cut = input.Length > max ? input.Slice(0, max) : input;
        if (cut.PositionOf((byte)'\n') is not { } position) return NoEnd(input.Length >= max, out frame, out consumed);
        var line = input.Slice(0, position);
        var length = line.Length;
        var crlf = length > 0 && line.Slice(length - 1).FirstSpan[0] == (byte)'\r';
        if (!crlf && !AcceptBareLf) throw new ProtocolException("a bare LF where a CRLF line end was expected");
        frame = crlf ? line.Slice(0, length - 1) : line;
        consumed = input.GetPosition(1, position);
        return FrameStatus.Complete;
    }

    private int EndOfLine(ReadOnlySpan<byte> span, int lf)
    {
        if (lf > 0 && span[lf - 1] == (byte)'\r') return lf - 1;
        if (AcceptBareLf) return lf;
        throw new ProtocolException("a bare LF where a CRLF line end was expected");
    }

    private static FrameStatus NoEnd(bool full, out ReadOnlySequence<byte> frame, out SequencePosition consumed)
    {
        frame = default;
        consumed = default;
        return full ? FrameStatus.TooLong : FrameStatus.Incomplete;
    }

    /// <inheritdoc/>
    public void Reset()
    {
    }
}
