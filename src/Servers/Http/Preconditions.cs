using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Protocols.Servers.Http;

/// <summary>RFC 9110 section 13 for one file: If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since, If-Range.</summary>
internal static class Preconditions
{
    public enum Outcome { Proceed, NotModified, Failed }

    public static Outcome Evaluate(IHeaderDictionary headers, FileEntry file, bool isGetOrHead)
    {
        var ifMatch = headers.IfMatch;
        if (!StringValues.IsNullOrEmpty(ifMatch))
        {
            if (!MatchesAny(ifMatch, file, weak: false)) return Outcome.Failed;
        }
        else if (TryDate(headers.IfUnmodifiedSince, out var unmodifiedSince) && file.LastModifiedDate > unmodifiedSince)
        {
            return Outcome.Failed;
        }
        var ifNoneMatch = headers.IfNoneMatch;
        if (!StringValues.IsNullOrEmpty(ifNoneMatch))
        {
            if (MatchesAny(ifNoneMatch, file, weak: true)) return isGetOrHead ? Outcome.NotModified : Outcome.Failed;
        }
        else if (isGetOrHead && TryDate(headers.IfModifiedSince, out var modifiedSince) && file.LastModifiedDate <= modifiedSince)
        {
            return Outcome.NotModified;
        }
        return Outcome.Proceed;
    }

    /// <summary>True when a Range may be honoured: no If-Range, or it names this exact version (strong ETag or the exact date).</summary>
    public static bool IfRangeAllows(IHeaderDictionary headers, FileEntry file)
    {
        var ifRange = headers.IfRange;
        if (StringValues.IsNullOrEmpty(ifRange)) return true;
        var value = ifRange.ToString().Trim();
        if (value.StartsWith('"')) return value == file.ETagText;
        if (value.StartsWith("W/", StringComparison.Ordinal)) return false;
        return TryDate(ifRange, out var date) && date == file.LastModifiedDate;
    }

    private static bool MatchesAny(StringValues header, FileEntry file, bool weak)
    {
        foreach (var value in header)
        {
            if (value is null) continue;
            if (value.Trim() == "*") return true;
            if (!EntityTagHeaderValue.TryParseList([value], out var tags)) continue;
            foreach (var tag in tags)
            {
                if (tag.Tag == "*") return true;
                if (tag.IsWeak && !weak) continue;
                if (tag.Tag.AsSpan().SequenceEqual(file.ETagText)) return true;
            }
        }
        return false;
    }

    private static bool TryDate(StringValues value, out DateTimeOffset date)
    {
        date = default;
        return !StringValues.IsNullOrEmpty(value) && HeaderUtilities.TryParseDate(value.ToString(), out date);
    }
}
