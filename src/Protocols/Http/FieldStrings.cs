using System.Text;

namespace Protocols.Http;

/// <summary>
/// Strings for header field names and values without a new string per response: common names (as spelled in
/// RFC 9110 and in lower case) are shared constants, and each connection remembers the last value of each common
/// name, so a value repeated from the previous response (Server, Content-Type, Connection, an unchanged Date) is the
/// same string again. Bytes that differ always make a new string: the result is exactly the bytes received.
/// </summary>
internal sealed class FieldStrings
{
    private static readonly string[] Names =
    [
        "Accept-Ranges", "Age", "Cache-Control", "Connection", "Content-Disposition", "Content-Encoding", "Content-Language",
        "Content-Length", "Content-Location", "Content-Range", "Content-Type", "Date", "ETag", "Expires", "Keep-Alive",
        "Last-Modified", "Location", "Retry-After", "Server", "Set-Cookie", "Strict-Transport-Security", "Trailer",
        "Transfer-Encoding", "Upgrade", "Vary", "Via", "WWW-Authenticate", "X-Content-Type-Options", "X-Frame-Options",
    ];

    /// <summary>Per name length, the known names of that length: canonical spelling first, then lower case.</summary>
    private static readonly (byte[] Bytes, string Name, int Slot)[][] ByLength = Build();

    private readonly string?[] _lastValues = new string?[Names.Length];

    private static (byte[], string, int)[][] Build()
    {
        var max = Names.Max(n => n.Length);
        var lists = new List<(byte[], string, int)>[max + 1];
        for (var i = 0; i < Names.Length; i++)
        {
            foreach (var spelling in new[] { Names[i], Names[i].ToLowerInvariant() })
            {
                (lists[spelling.Length] ??= []).Add((Encoding.ASCII.GetBytes(spelling), spelling, i));
            }
        }
        return [.. lists.Select(l => l?.ToArray() ?? [])];
    }

    /// <summary>The name as a string, and the slot of a known name (-1 for another).</summary>
    public static string Name(ReadOnlySpan<byte> name, out int slot)
    {
        if (name.Length < ByLength.Length)
        {
            foreach (var (bytes, known, index) in ByLength[name.Length])
            {
                if (name.SequenceEqual(bytes))
                {
                    slot = index;
                    return known;
                }
            }
        }
        slot = -1;
        return Encoding.ASCII.GetString(name);
    }

    /// <summary>The value as a Latin-1 string, the previous one of the same known name when the bytes are the same.</summary>
    public string Value(int slot, ReadOnlySpan<byte> value)
    {
        if (slot < 0) return Latin1(value);
        var last = _lastValues[slot];
        if (last is not null && SameLatin1(last, value)) return last;
        return _lastValues[slot] = Latin1(value);
    }

    private static string Latin1(ReadOnlySpan<byte> value) => value.IsEmpty ? string.Empty : Encoding.Latin1.GetString(value);

    private static bool SameLatin1(string text, ReadOnlySpan<byte> bytes)
    {
        if (text.Length != bytes.Length) return false;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (text[i] != bytes[i]) return false;
        }
        return true;
    }
}
