using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Protocols.Lines;

/// <summary>
/// The byte-level state machine of <see cref="DotStuffedReader"/>: finds the runs of data to keep in each
/// span (cut around stuffed dots) and the CRLF.CRLF end marker, across span boundaries. Synchronous and pure.
/// Inside a line it skips ahead with vector compares (<see cref="SkipLines"/>): ordinary CRLF-ended lines that do not
/// start with a dot cost a few instructions each and never leave the run being kept; the byte-at-a-time states only
/// see what needs them (a dot at a line start, a bare CR or LF, a line end at the span's edge).
/// </summary>
internal sealed class DotScanner
{
    private enum State : byte { LineStart, Dot, DotCr, MidLine, AfterCr }

    /// <summary>A piece of output: a slice of the scanned span, or (when <see cref="HeldCr"/>) one CR held back from an earlier span.</summary>
    public readonly record struct Run(int Start, int Length, bool HeldCr);

    private readonly bool _vectorized;
    private State _state = State.LineStart;
    private long _line;

    /// <param name="vectorized">False: byte by byte only (the reference the tests and the benchmark compare with).</param>
    public DotScanner(bool vectorized = true) => _vectorized = vectorized;

    public long LongestLine { get; private set; }
    public int BareLineFeeds { get; private set; }
    public int BareCarriageReturns { get; private set; }

    /// <summary>Scans <paramref name="span"/>, adding the runs to keep; returns the index just past the end marker, or -1.</summary>
    public int Scan(ReadOnlySpan<byte> span, List<Run> runs)
    {
        var runStart = 0;
        var i = 0;
        while (i < span.Length)
        {
            switch (_state)
            {
                case State.LineStart:
                    if (LongestLine < _line) LongestLine = _line;
                    _line = 0;
                    if (span[i] == (byte)'.')
                    {
                        Add(runs, runStart, i);
                        runStart = ++i;
                        _line++;
                        _state = State.Dot;
                    }
                    else _state = State.MidLine;
                    break;
                case State.Dot:
                    if (span[i] == (byte)'\r')
                    {
                        // Hold the CR back: with an LF next it is part of the end marker.
                        Add(runs, runStart, i);
                        runStart = ++i;
                        _state = State.DotCr;
                    }
                    else _state = State.MidLine;
                    break;
                case State.DotCr:
                    if (span[i] == (byte)'\n')
                    {
                        _state = State.LineStart;
                        return i + 1;
                    }
                    // ".\rX": the dot was stuffing; the held CR is a bare CR of the data.
                    runs.Add(new Run(0, 1, HeldCr: true));
                    _line++;
                    _state = State.AfterCr;
                    break;
                case State.MidLine:
                {
                    i = SkipLines(span, i);
                    var rest = span[i..];
                    var at = rest.IndexOfAny((byte)'\r', (byte)'\n');
                    if (at < 0)
                    {
                        _line += rest.Length;
                        i = span.Length;
                        break;
                    }
                    _line += at + 1;
                    i += at + 1;
                    if (rest[at] == (byte)'\r') _state = State.AfterCr;
                    else BareLineFeeds++;
                    break;
                }
                case State.AfterCr:
                    if (span[i] == (byte)'\n')
                    {
                        _line++;
                        i++;
                        _state = State.LineStart;
                    }
                    else
                    {
                        BareCarriageReturns++;
                        _state = State.MidLine;
                    }
                    break;
            }
        }
        Add(runs, runStart, span.Length);
        return -1;
    }

    /// <summary>
    /// In the middle of a line at <paramref name="i"/>: passes every complete line that ends in CRLF and is followed, in
    /// this span, by a line not starting with a dot (updating <see cref="LongestLine"/>), 32 or 16 bytes per compare.
    /// Returns where the state machine must look byte by byte, with <c>_line</c> counting the current line up to there.
    /// </summary>
    private int SkipLines(ReadOnlySpan<byte> span, int i)
    {
        if (!_vectorized || !Vector128.IsHardwareAccelerated) return i;
        ref var start = ref MemoryMarshal.GetReference(span);
        var length = span.Length;
        long lineBase = _line - i; // the current line's length at index q is lineBase + q
        var pos = i;
        if (Vector256.IsHardwareAccelerated)
        {
            var cr = Vector256.Create((byte)'\r');
            var lf = Vector256.Create((byte)'\n');
            var dot = Vector256.Create((byte)'.');
            // 64 bytes at a time. A block is plain when every CR is followed by an LF inside it, every LF follows a CR,
            // and no LF is followed by a dot (the byte after the block included): then only its first line can be the
            // longest (the others are shorter than 64) once a line of 63 or more was seen, so it costs no per-line work.
            while (pos <= length - 65)
            {
                var a = Vector256.LoadUnsafe(ref start, (nuint)pos);
                var b = Vector256.LoadUnsafe(ref start, (nuint)pos + 32);
                var crs = Vector256.Equals(a, cr).ExtractMostSignificantBits() | ((ulong)Vector256.Equals(b, cr).ExtractMostSignificantBits() << 32);
                var lfs = Vector256.Equals(a, lf).ExtractMostSignificantBits() | ((ulong)Vector256.Equals(b, lf).ExtractMostSignificantBits() << 32);
                if ((crs | lfs) == 0)
                {
                    pos += 64;
                    continue;
                }
                var dots = Vector256.Equals(a, dot).ExtractMostSignificantBits() | ((ulong)Vector256.Equals(b, dot).ExtractMostSignificantBits() << 32);
                if (LongestLine >= 63 && (long)crs >= 0 && lfs == crs << 1 && ((lfs << 1) & dots) == 0
                    && ((long)lfs >= 0 || Unsafe.Add(ref start, pos + 64) != (byte)'.'))
                {
                    var first = pos + BitOperations.TrailingZeroCount(lfs);
                    var line = lineBase + first + 1;
                    if (line > LongestLine) LongestLine = line;
                    lineBase = -(pos + 63 - BitOperations.LeadingZeroCount(lfs) + 1);
                    pos += 64;
                    continue;
                }
                var mask = crs | lfs;
                var next = pos + 64;
                while (mask != 0)
                {
                    var q = pos + BitOperations.TrailingZeroCount(mask);
                    if (!IsPlainLineEnd(ref start, length, q)) return Stop(lineBase, q);
                    EndLine(ref lineBase, q);
                    var after = q + 2 - pos;
                    if (after >= 64)
                    {
                        next = q + 2;
                        break;
                    }
                    mask &= ~0UL << after;
                }
                pos = next;
            }
            while (pos <= length - Vector256<byte>.Count)
            {
                var block = Vector256.LoadUnsafe(ref start, (nuint)pos);
                var mask = (Vector256.Equals(block, cr) | Vector256.Equals(block, lf)).ExtractMostSignificantBits();
                var next = pos + Vector256<byte>.Count;
                while (mask != 0)
                {
                    var q = pos + BitOperations.TrailingZeroCount(mask);
                    if (!IsPlainLineEnd(ref start, length, q)) return Stop(lineBase, q);
                    EndLine(ref lineBase, q);
                    var after = q + 2 - pos;
                    if (after >= Vector256<byte>.Count)
                    {
                        next = q + 2;
                        break;
                    }
                    mask &= ~0u << after;
                }
                pos = next;
            }
        }
        else
        {
            var cr = Vector128.Create((byte)'\r');
            var lf = Vector128.Create((byte)'\n');
            while (pos <= length - Vector128<byte>.Count)
            {
                var block = Vector128.LoadUnsafe(ref start, (nuint)pos);
                var mask = (Vector128.Equals(block, cr) | Vector128.Equals(block, lf)).ExtractMostSignificantBits();
                var next = pos + Vector128<byte>.Count;
                while (mask != 0)
                {
                    var q = pos + BitOperations.TrailingZeroCount(mask);
                    if (!IsPlainLineEnd(ref start, length, q)) return Stop(lineBase, q);
                    EndLine(ref lineBase, q);
                    var after = q + 2 - pos;
                    if (after >= Vector128<byte>.Count)
                    {
                        next = q + 2;
                        break;
                    }
                    mask &= ~0u << after;
                }
                pos = next;
            }
        }
        return Stop(lineBase, pos);
    }

    /// <summary>A CR at <paramref name="q"/> with an LF after it and, after that, a byte in the span that is not a dot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsPlainLineEnd(ref byte start, int length, int q) =>
        q + 2 < length && Unsafe.Add(ref start, q) == (byte)'\r' && Unsafe.Add(ref start, q + 1) == (byte)'\n'
        && Unsafe.Add(ref start, q + 2) != (byte)'.';

    /// <summary>The line ending in the CRLF at <paramref name="q"/> is complete; the next starts at q + 2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EndLine(ref long lineBase, int q)
    {
        var line = lineBase + q + 2;
        if (line > LongestLine) LongestLine = line;
        lineBase = -(q + 2);
    }

    private int Stop(long lineBase, int at)
    {
        _line = lineBase + at;
        return at;
    }

    private static void Add(List<Run> runs, int start, int end)
    {
        if (end > start) runs.Add(new Run(start, end - start, HeldCr: false));
    }
}
