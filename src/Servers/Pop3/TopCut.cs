namespace Protocols.Servers.Pop3;

/// <summary>
/// Finds where TOP n m stops (RFC 1939 §7): after the header, the blank line, and m body lines. Fed the message in
/// chunks of any size; says how much of each chunk to send.
/// </summary>
internal struct TopCut(int bodyLines)
{
    private int _bodyLinesLeft = bodyLines;
    private int _lineLength;
    private bool _inBody;

    /// <summary>True once the cut has been reached: send nothing more.</summary>
    public bool Done { get; private set; }

    /// <summary>How many bytes at the start of <paramref name="chunk"/> belong to the output.</summary>
    public int Take(ReadOnlySpan<byte> chunk)
    {
        if (Done) return 0;
        for (var i = 0; i < chunk.Length; i++)
        {
            var b = chunk[i];
            if (b != (byte)'\n')
            {
                if (b != (byte)'\r') _lineLength++;
                continue;
            }
            var blank = _lineLength == 0;
            _lineLength = 0;
            if (!_inBody)
            {
                if (!blank) continue;
                _inBody = true;
                if (_bodyLinesLeft > 0) continue;
            }
            else if (--_bodyLinesLeft > 0)
            {
                continue;
            }
            Done = true;
            return i + 1;
        }
        return chunk.Length;
    }
}
