namespace Protocols.Servers.Http;

/// <summary>One byte range of a file (RFC 9110 section 14). Several ranges are answered with the whole file.</summary>
internal readonly record struct ByteRange(long Start, long Length)
{
    public enum Parse { None, Satisfiable, Unsatisfiable }

    /// <summary>
    /// Parses <c>bytes=a-b</c>, <c>bytes=a-</c> or <c>bytes=-n</c> against a file of <paramref name="fileLength"/>.
    /// A syntax error, another unit or a list of ranges is <see cref="Parse.None"/>: the Range header is ignored.
    /// </summary>
    public static Parse TryParse(string? header, long fileLength, out ByteRange range)
    {
        range = default;
        if (header is null) return Parse.None;
        var value = header.AsSpan().Trim();
        if (!value.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase)) return Parse.None;
        value = value[6..].Trim();
        if (value.Contains(',')) return Parse.None;
        var dash = value.IndexOf('-');
        if (dash < 0) return Parse.None;
        var first = value[..dash].Trim();
        var last = value[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            if (!TryNumber(last, out var suffix)) return Parse.None;
            if (suffix == 0 || fileLength == 0) return Parse.Unsatisfiable;
            var take = Math.Min(suffix, fileLength);
            range = new ByteRange(fileLength - take, take);
            return Parse.Satisfiable;
        }
        if (!TryNumber(first, out var start)) return Parse.None;
        long end;
        if (last.Length == 0) end = fileLength - 1;
        else if (!TryNumber(last, out end) || end < start) return Parse.None;
        if (start >= fileLength) return Parse.Unsatisfiable;
        end = Math.Min(end, fileLength - 1);
        range = new ByteRange(start, end - start + 1);
        return Parse.Satisfiable;
    }

    /// <summary>Digits only; a number past 18 digits saturates to <see cref="long.MaxValue"/> (a "to the end" that
    /// clients send as 9223372036854775807 or longer), so it clamps instead of making the header be ignored.</summary>
    private static bool TryNumber(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        if (text.Length == 0) return false;
        foreach (var ch in text)
        {
            if (ch is < '0' or > '9') return false;
            value = value > (long.MaxValue - 9) / 10 ? long.MaxValue : value * 10 + (ch - '0');
        }
        return true;
    }
}
