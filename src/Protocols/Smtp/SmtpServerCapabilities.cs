using System.Globalization;

namespace Protocols.Smtp;

/// <summary>Extensions a server announced in its EHLO reply.</summary>
[Flags]
public enum SmtpCapabilityFlags
{
    None = 0,
    Pipelining = 1 << 0,
    Size = 1 << 1,
    EightBitMime = 1 << 2,
    SmtpUtf8 = 1 << 3,
    EnhancedStatusCodes = 1 << 4,
    StartTls = 1 << 5,
    Authentication = 1 << 6,
    Chunking = 1 << 7,
    Dsn = 1 << 8,
    BinaryMime = 1 << 9,
}

/// <summary>What the server offers: flags, the SIZE limit, AUTH mechanisms, and the raw EHLO lines.</summary>
public sealed class SmtpServerCapabilities
{
    public static readonly SmtpServerCapabilities Empty = new(SmtpCapabilityFlags.None, 0, [], []);

    private SmtpServerCapabilities(SmtpCapabilityFlags flags, long maxSize, IReadOnlyList<string> auth, IReadOnlyList<string> lines)
    {
        Flags = flags;
        MaxSize = maxSize;
        AuthenticationMechanisms = auth;
        Lines = lines;
    }

    public SmtpCapabilityFlags Flags { get; }

    /// <summary>SIZE limit in octets; 0 when none was given.</summary>
    public long MaxSize { get; }

    /// <summary>AUTH mechanisms, upper case, in the server's order.</summary>
    public IReadOnlyList<string> AuthenticationMechanisms { get; }

    /// <summary>The EHLO reply lines after the greeting line.</summary>
    public IReadOnlyList<string> Lines { get; }

    public bool Has(SmtpCapabilityFlags flag) => (Flags & flag) == flag;

    /// <summary>Parses EHLO reply lines (the first is the server's greeting and is skipped).</summary>
    public static SmtpServerCapabilities Parse(IReadOnlyList<string> ehloLines)
    {
        ArgumentNullException.ThrowIfNull(ehloLines);
        var flags = SmtpCapabilityFlags.None;
        long size = 0;
        var auth = new List<string>();
        var lines = ehloLines.Skip(1).ToList();
        foreach (var line in lines)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) continue;
            switch (parts[0].ToUpperInvariant())
            {
                case "PIPELINING": flags |= SmtpCapabilityFlags.Pipelining; break;
                case "SIZE":
                    flags |= SmtpCapabilityFlags.Size;
                    if (parts.Length > 1 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n)) size = n;
                    break;
                case "8BITMIME": flags |= SmtpCapabilityFlags.EightBitMime; break;
                case "SMTPUTF8": flags |= SmtpCapabilityFlags.SmtpUtf8; break;
                case "ENHANCEDSTATUSCODES": flags |= SmtpCapabilityFlags.EnhancedStatusCodes; break;
                case "STARTTLS": flags |= SmtpCapabilityFlags.StartTls; break;
                case "CHUNKING": flags |= SmtpCapabilityFlags.Chunking; break;
                case "BINARYMIME": flags |= SmtpCapabilityFlags.BinaryMime; break;
                case "DSN": flags |= SmtpCapabilityFlags.Dsn; break;
                case "AUTH":
                    flags |= SmtpCapabilityFlags.Authentication;
                    foreach (var m in parts.Skip(1))
                    {
                        var upper = m.ToUpperInvariant();
                        if (!auth.Contains(upper)) auth.Add(upper);
                    }
                    break;
                default:
                    if (parts[0].StartsWith("AUTH=", StringComparison.OrdinalIgnoreCase))
                    {
                        // Old-style "AUTH=LOGIN PLAIN" (pre-RFC 4954 Outlook-era servers).
                        flags |= SmtpCapabilityFlags.Authentication;
                        foreach (var m in new[] { parts[0][5..] }.Concat(parts.Skip(1)))
                        {
                            var upper = m.ToUpperInvariant();
                            if (upper.Length > 0 && !auth.Contains(upper)) auth.Add(upper);
                        }
                    }
                    break;
            }
        }
        return new SmtpServerCapabilities(flags, size, auth, lines);
    }
}
