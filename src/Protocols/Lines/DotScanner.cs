namespace Protocols.Lines;

/// <summary>
/// The byte-level state machine of <see cref="DotStuffedReader"/>: finds the runs of data to keep in each
/// span (cut around stuffed dots) and the CRLF.CRLF end marker, across span boundaries. Synchronous and pure.
/// </summary>
internal sealed class DotScanner
{
    private enum State : byte { LineStart, Dot, DotCr, MidLine, AfterCr }

    /// <summary>A piece of output: a slice of the scanned span, or (when <see cref="HeldCr"/>) one CR held back from an earlier span.</summary>
    public readonly record struct Run(int Start, int Length, bool HeldCr);

    private State _state = State.LineStart;
    private long _line;

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

    private static void Add(List<Run> runs, int start, int end)
    {
        if (end > start) runs.Add(new Run(start, end - start, HeldCr: false));
    }
}
