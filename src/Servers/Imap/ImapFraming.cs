using System.Buffers;

namespace Protocols.Servers.Imap;

/// <summary>
/// IMAP's framing on top of CRLF lines (RFC 9051 section 4.3, RFC 7888): a line that ends with <c>{n}</c> (synchronizing:
/// the server answers <c>+</c> before the client sends) or <c>{n+}</c> (LITERAL+: the bytes follow at once) continues
/// with n bytes, then another line. The session reads a line, asks this whether a literal follows, reads the bytes in
/// counted mode, and repeats until a line ends without one; <see cref="ImapCommandParser"/> then parses the whole.
/// </summary>
internal static class ImapFraming
{
    /// <summary>True when <paramref name="line"/> (without its CRLF) ends with a literal announcement.</summary>
    public static bool TryGetLiteral(ReadOnlySpan<byte> line, out long size, out bool nonSynchronizing)
    {
        size = 0;
        nonSynchronizing = false;
        if (line.Length < 3 || line[^1] != (byte)'}') return false;
        var end = line.Length - 1;
        if (line[end - 1] == (byte)'+')
        {
            nonSynchronizing = true;
            end--;
        }
        var start = end;
        while (start > 0 && line[start - 1] is >= (byte)'0' and <= (byte)'9') start--;
        if (start == end || start == 0 || line[start - 1] != (byte)'{' || end - start > 10) return false;
        foreach (var c in line[start..end]) size = size * 10 + (c - '0');
        return true;
    }

    public static bool TryGetLiteral(in ReadOnlySequence<byte> line, out long size, out bool nonSynchronizing)
    {
        if (line.IsSingleSegment) return TryGetLiteral(line.FirstSpan, out size, out nonSynchronizing);
        var tail = line.Length > 16 ? line.Slice(line.Length - 16) : line;
        Span<byte> copy = stackalloc byte[(int)tail.Length];
        tail.CopyTo(copy);
        return TryGetLiteral(copy, out size, out nonSynchronizing);
    }
}
