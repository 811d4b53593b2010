using System.Buffers;
using System.Buffers.Text;
using Protocols.Servers.Lines;

namespace Protocols.Tests.Kernel;

/// <summary>
/// A tiny IMAP-style framing, proving the kernel's contract carries literals without a change to the loop: a line
/// that ends in <c>{n}</c> asks once for a continuation and then waits for n bytes and the rest of the command;
/// <c>{n+}</c> (RFC 7888) never asks. The frame is the whole command, literals included.
/// </summary>
internal sealed class LiteralFraming(int maxLength) : ICommandFraming
{
    private long _scanned;        // bytes of the command already scanned (whole lines and literals)
    private long _askedFor = -1;  // the offset of the literal we already sent a continuation for

    public int MaxLength { get; } = maxLength;

    public ReadOnlyMemory<byte> ContinuationRequest { get; } = "+ Ready for literal data\r\n"u8.ToArray();

    public FrameStatus TryReadFrame(in ReadOnlySequence<byte> input, out ReadOnlySequence<byte> frame, out SequencePosition consumed)
    {
        frame = default;
        consumed = default;
        while (true)
        {
            var rest = input.Slice(_scanned);
            var cut = rest.Length > MaxLength - _scanned ? rest.Slice(0, Math.Max(0, MaxLength - _scanned)) : rest;
            if (cut.PositionOf((byte)'\n') is not { } lf) return input.Length >= MaxLength ? FrameStatus.TooLong : FrameStatus.Incomplete;
            var line = rest.Slice(0, lf);
            var lineEnd = _scanned + line.Length + 1;
            if (!TryLiteral(line, out var count, out var synchronizing))
            {
                frame = input.Slice(0, lineEnd - 2);
                consumed = input.GetPosition(lineEnd);
                return FrameStatus.Complete;
            }
            if (lineEnd + count > MaxLength) return FrameStatus.TooLong;
            if (input.Length < lineEnd + count)
            {
                if (!synchronizing || _askedFor == lineEnd) return FrameStatus.Incomplete;
                _askedFor = lineEnd;
                return FrameStatus.Continue;
            }
            _scanned = lineEnd + count; // the literal is here: scan on after it
        }
    }

    private static bool TryLiteral(ReadOnlySequence<byte> line, out long count, out bool synchronizing)
    {
        var span = line.ToArray().AsSpan().TrimEnd((byte)'\r');
        count = 0;
        synchronizing = true;
        if (span.Length < 3 || span[^1] != (byte)'}') return false;
        var open = span.LastIndexOf((byte)'{');
        if (open < 0) return false;
        var digits = span[(open + 1)..^1];
        if (digits.Length > 0 && digits[^1] == (byte)'+')
        {
            synchronizing = false;
            digits = digits[..^1];
        }
        return Utf8Parser.TryParse(digits, out count, out var used) && used == digits.Length;
    }

    public void Reset()
    {
        _scanned = 0;
        _askedFor = -1;
    }
}
