using System.Text;

namespace Protocols.Servers.Smtp;

/// <summary>Parses the arguments of MAIL FROM and RCPT TO: a path in angle brackets and ESMTP parameters.</summary>
internal static class SmtpPath
{
    /// <summary>
    /// Parses "FROM:&lt;path&gt; params" (prefix "FROM:" or "TO:"). Accepts a space after the colon (common in
    /// the wild), strips a source route (RFC 5321 §4.1.1.3 allows ignoring it). Returns null on syntax errors.
    /// </summary>
    public static (string Address, Dictionary<string, string?> Parameters)? Parse(string argument, string prefix)
    {
        if (!argument.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return null;
        var rest = argument.AsSpan(prefix.Length).TrimStart(' ');
        if (rest.IsEmpty || rest[0] != '<') return null;
        var inQuotes = false;
        var close = -1;
        for (var i = 1; i < rest.Length; i++)
        {
            var c = rest[i];
            if (c == '\\' && inQuotes) { i++; continue; }
            if (c == '"') inQuotes = !inQuotes;
            else if (c == '>' && !inQuotes) { close = i; break; }
        }
        if (close < 0) return null;
        var path = rest[1..close];
        if (path.StartsWith("@"))
        {
            var colon = path.IndexOf(':');
            if (colon < 0) return null;
            path = path[(colon + 1)..];
        }
        var parameters = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var tail = rest[(close + 1)..];
        if (!tail.IsEmpty && tail[0] != ' ') return null;
        foreach (var range in tail.Split(' '))
        {
            var item = tail[range];
            if (item.IsEmpty) continue;
            var eq = item.IndexOf('=');
            var key = (eq < 0 ? item : item[..eq]).ToString();
            if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) return null;
            if (!parameters.TryAdd(key.ToUpperInvariant(), eq < 0 ? null : item[(eq + 1)..].ToString())) return null;
        }
        return (path.ToString(), parameters);
    }

    /// <summary>
    /// Checks an address: local@domain of printable characters (non-ASCII only with SMTPUTF8), no controls or
    /// spaces outside a quoted local part. The empty path is checked by the caller.
    /// </summary>
    public static bool IsValidAddress(string address, bool allowUtf8)
    {
        if (address.Length is 0 or > 320) return false;
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1) return false;
        var inQuotes = false;
        foreach (var c in address)
        {
            if (c == '"') inQuotes = !inQuotes;
            if (c < 0x20 || c == 0x7f) return false;
            if (c == ' ' && !inQuotes) return false;
            if (c > 0x7f && !allowUtf8) return false;
        }
        return !inQuotes && Encoding.UTF8.GetByteCount(address) <= 320;
    }
}
