using System.Text;

namespace Protocols.Servers.Smtp;

/// <summary>Reads one header's value out of a raw message's header section (unfolds continuation lines).</summary>
internal static class RawHeaders
{
    public static string? Get(ReadOnlySpan<byte> message, string name)
    {
        var rest = message;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            line = TrimCr(line);
            if (line.IsEmpty) return null; // end of the header section
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || !Ascii.EqualsIgnoreCase(line[..colon], name)) continue;
            var value = new StringBuilder(Encoding.UTF8.GetString(line[(colon + 1)..]).Trim());
            while (!rest.IsEmpty && (rest[0] == (byte)' ' || rest[0] == (byte)'\t'))
            {
                end = rest.IndexOf((byte)'\n');
                var cont = TrimCr(end < 0 ? rest : rest[..end]);
                rest = end < 0 ? default : rest[(end + 1)..];
                value.Append(' ').Append(Encoding.UTF8.GetString(cont).Trim());
            }
            return value.ToString();
        }
        return null;
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) =>
        !line.IsEmpty && line[^1] == (byte)'\r' ? line[..^1] : line;
}
