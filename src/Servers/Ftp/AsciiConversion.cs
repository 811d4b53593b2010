namespace Protocols.Servers.Ftp;

/// <summary>TYPE A line-end conversion: LF to CRLF going out, CRLF to LF coming in; state carried across chunks.</summary>
internal sealed class AsciiConversion
{
    private bool _lastWasCr;

    /// <summary>Outgoing: every LF not already preceded by CR gets one. <paramref name="output"/> needs 2x the input.</summary>
    public int ToNetwork(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var o = 0;
        foreach (var b in input)
        {
            if (b == (byte)'\n' && !_lastWasCr) output[o++] = (byte)'\r';
            output[o++] = b;
            _lastWasCr = b == (byte)'\r';
        }
        return o;
    }

    /// <summary>Incoming: a CR directly followed by LF is dropped (a CR at the end of a chunk waits for the next).</summary>
    public int FromNetwork(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var o = 0;
        foreach (var b in input)
        {
            if (_lastWasCr && b != (byte)'\n') output[o++] = (byte)'\r';
            _lastWasCr = b == (byte)'\r';
            if (!_lastWasCr) output[o++] = b;
        }
        return o;
    }

    /// <summary>After the last chunk: a trailing CR that no LF followed.</summary>
    public int Flush(Span<byte> output)
    {
        if (!_lastWasCr) return 0;
        _lastWasCr = false;
        output[0] = (byte)'\r';
        return 1;
    }
}
