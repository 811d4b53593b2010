using System.Text;

namespace Protocols.Servers.Smtp;

/// <summary>Parses the arguments of MAIL FROM and RCPT TO: a path in angle brackets and ESMTP parameters.</summary>
internal static class SmtpPath
{
    // What a path without parameters gets (most of them): one shared instance, never written to.
    private static readonly Dictionary<string, string?> NoParameters = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Parses "FROM:&lt;path&gt; params" (prefix "FROM:" or "TO:"). Accepts a space after the colon (common in
    /// the wild), strips a source route (RFC 5321 §4.1.1.3 allows ignoring it). Returns null on syntax errors.
    /// </summary>
    public static (string Address, Dictionary<string, string?> Parameters)? Parse(string argument, string prefix, out string? error)
    {
        error = null;
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
        var tail = rest[(close + 1)..];
        if (!tail.IsEmpty && tail[0] != ' ') return null;
        if (tail.Trim(' ').IsEmpty) return (path.ToString(), NoParameters);
        var parameters = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var range in tail.Split(' '))
        {
            var item = tail[range];
            if (item.IsEmpty) continue;
            var eq = item.IndexOf('=');
            var key = (eq < 0 ? item : item[..eq]).ToString();
            if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                error = $"Bad parameter name: {Printable(key)}";
                return null;
            }
            var upper = key.ToUpperInvariant();
            var value = eq < 0 ? null : item[(eq + 1)..].ToString();
            if (!parameters.TryAdd(upper, value))
            {
                // A repeated valueless SMTPUTF8 says the same thing twice (Python's send_message can send it so);
                // Postfix accepts it (it only refuses "multiple AUTH= options"). Any other repeat is refused.
                if (upper == "SMTPUTF8" && value is null && parameters[upper] is null) continue;
                error = $"Duplicate {upper} parameter";
                return null;
            }
        }
        return (path.ToString(), parameters);
    }

    /// <summary>
    /// Checks an address: local@domain of printable characters (non-ASCII only with SMTPUTF8: else
    /// <see cref="SmtpRejectReason.Utf8Required"/>), no controls or spaces outside a quoted local part, and a domain of
    /// dot-separated labels (letters, digits, hyphens, not at a label's ends; RFC 5321 §4.1.2) or an address literal.
    /// Null when valid. The empty path is checked by the caller.
    /// </summary>
    public static SmtpRejectReason? CheckAddress(string address, bool allowUtf8)
    {
        if (address.Length is 0 or > 320) return SmtpRejectReason.BadAddress;
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1) return SmtpRejectReason.BadAddress;
        var inQuotes = false;
        var nonAscii = false;
        foreach (var c in address)
        {
            if (c == '"') inQuotes = !inQuotes;
            if (c < 0x20 || c == 0x7f) return SmtpRejectReason.BadAddress;
            if (c == ' ' && !inQuotes) return SmtpRejectReason.BadAddress;
            if (c > 0x7f) nonAscii = true;
        }
        if (inQuotes || Encoding.UTF8.GetByteCount(address) > 320 || !IsValidDomain(address.AsSpan(at + 1))) return SmtpRejectReason.BadAddress;
        return nonAscii && !allowUtf8 ? SmtpRejectReason.Utf8Required : null;
    }

    private static bool IsValidDomain(ReadOnlySpan<char> domain)
    {
        if (domain.Length > 255) return false;
        if (domain[0] == '[') return domain[^1] == ']' && domain.Length > 2; // address literal
        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (label.IsEmpty || label.Length > 63 || label[0] == '-' || label[^1] == '-') return false;
            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c > 0x7f)) return false;
            }
        }
        return true;
    }

    private static string Printable(string text) => string.Concat(text.Select(c => c is < ' ' or (char)0x7f ? '?' : c));
}
