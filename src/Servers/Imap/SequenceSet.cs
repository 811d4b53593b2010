using System.Globalization;
using System.Text;

namespace Protocols.Servers.Imap;

/// <summary>
/// A sequence set or UID set (RFC 9051 section 9, <c>sequence-set</c>): numbers and ranges separated by commas, where
/// <c>*</c> stands for the largest number in use. <c>4:2</c> is the same as <c>2:4</c>.
/// </summary>
internal sealed class SequenceSet
{
    /// <summary>Most ranges in one set; a longer set is refused (a client sends a compressed set, as MailKit does).</summary>
    public const int MaxRanges = 10_000;

    private readonly (uint First, uint Last)[] _ranges;

    private SequenceSet((uint, uint)[] ranges) => _ranges = ranges;

    /// <summary>The ranges as written, with 0 for <c>*</c>.</summary>
    public IReadOnlyList<(uint First, uint Last)> Ranges => _ranges;

    public static bool TryParse(string text, out SequenceSet set)
    {
        set = null!;
        if (string.IsNullOrEmpty(text)) return false;
        var ranges = new List<(uint, uint)>();
        foreach (var part in text.Split(','))
        {
            if (ranges.Count >= MaxRanges) return false;
            var colon = part.IndexOf(':');
            if (colon < 0)
            {
                if (!TryNumber(part, out var n)) return false;
                ranges.Add((n, n));
            }
            else
            {
                if (!TryNumber(part[..colon], out var a) || !TryNumber(part[(colon + 1)..], out var b)) return false;
                ranges.Add((a, b));
            }
        }
        set = new SequenceSet([.. ranges]);
        return true;
    }

    private static bool TryNumber(string s, out uint n)
    {
        n = 0;
        if (s == "*") return true;
        return s.Length is > 0 and <= 10 && s[0] != '0' && s.All(char.IsAsciiDigit)
            && uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n > 0;
    }

    /// <summary>True when <paramref name="n"/> is in the set, with <c>*</c> meaning <paramref name="max"/>.</summary>
    public bool Contains(uint n, uint max)
    {
        foreach (var (first, last) in _ranges)
        {
            var a = first == 0 ? max : first;
            var b = last == 0 ? max : last;
            if (a > b) (a, b) = (b, a);
            if (n >= a && n <= b) return true;
        }
        return false;
    }

    /// <summary>The largest number the set names (with <c>*</c> as <paramref name="max"/>).</summary>
    public uint Highest(uint max)
    {
        uint h = 0;
        foreach (var (first, last) in _ranges) h = Math.Max(h, Math.Max(first == 0 ? max : first, last == 0 ? max : last));
        return h;
    }

    /// <summary>Writes sorted numbers compactly: <c>1:3,7,9:10</c> (for ESEARCH ALL, COPYUID, APPENDUID).</summary>
    public static string Format(IEnumerable<uint> sorted)
    {
        var sb = new StringBuilder();
        uint start = 0, prev = 0;
        foreach (var n in sorted)
        {
            if (start == 0)
            {
                start = prev = n;
                continue;
            }
            if (n == prev + 1)
            {
                prev = n;
                continue;
            }
            Append(sb, start, prev);
            start = prev = n;
        }
        if (start != 0) Append(sb, start, prev);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, uint a, uint b)
    {
        if (sb.Length > 0) sb.Append(',');
        sb.Append(a.ToString(CultureInfo.InvariantCulture));
        if (b != a) sb.Append(':').Append(b.ToString(CultureInfo.InvariantCulture));
    }

    public override string ToString() =>
        string.Join(',', _ranges.Select(r => r.First == r.Last ? N(r.First) : N(r.First) + ":" + N(r.Last)));

    private static string N(uint n) => n == 0 ? "*" : n.ToString(CultureInfo.InvariantCulture);
}
