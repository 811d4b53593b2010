using System.Text;

namespace Protocols.Mime;

/// <summary>
/// A mailbox: an optional display name and an addr-spec (local-part@domain). Formats with RFC 5322 quoting and
/// RFC 2047 encoded display names; <see cref="IsInternational"/> says the address itself is UTF-8 (RFC 6531), so
/// sending it needs SMTPUTF8.
/// </summary>
public sealed class MailboxAddress : IEquatable<MailboxAddress>
{
    /// <summary>A mailbox from a display name (may be null) and an address "local@domain".</summary>
    public MailboxAddress(string? name, string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
        {
            throw new ArgumentException($"'{address}' is not an address of the form local@domain.", nameof(address));
        }

        var local = address[..at];
        if (local.Length >= 2 && local[0] == '"' && local[^1] == '"')
        {
            local = new HeaderTokenizer(local).ReadQuotedString();
        }

        Init(name, local, address[(at + 1)..]);
    }

    internal MailboxAddress(string? name, string localPart, string domain, bool validated)
    {
        _ = validated;
        Init(name, localPart, domain);
    }

    public string? Name { get; private set; }

    /// <summary>The local part, unquoted.</summary>
    public string LocalPart { get; private set; } = string.Empty;

    public string Domain { get; private set; } = string.Empty;

    /// <summary>The addr-spec as written in SMTP MAIL FROM / RCPT TO (local part quoted when it must be).</summary>
    public string Address => FormatLocalPart(LocalPart) + (Domain.Length > 0 ? "@" + Domain : string.Empty);

    /// <summary>True when the address holds non-ASCII characters (RFC 6531: needs SMTPUTF8).</summary>
    public bool IsInternational => !Charsets.IsAscii(LocalPart) || !Charsets.IsAscii(Domain);

    private void Init(string? name, string localPart, string domain)
    {
        if (localPart.Length == 0 || localPart.Length > 998 || domain.Length > 998 ||
            localPart.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0 || domain.AsSpan().IndexOfAny("\r\n\0 <>\",;") >= 0 ||
            (name is not null && name.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0))
        {
            throw new ArgumentException($"Invalid mailbox '{localPart}@{domain}'.", nameof(localPart));
        }

        Name = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        LocalPart = localPart;
        Domain = domain;
    }

    /// <summary>Parses one mailbox ("Name &lt;a@b&gt;", "a@b", "a@b (Name)"); throws <see cref="MimeFormatException"/>.</summary>
    public static MailboxAddress Parse(string text) =>
        TryParse(text, out var mailbox) ? mailbox : throw new MimeFormatException($"Not a mailbox: '{text}'.");

    public static bool TryParse(string? text, out MailboxAddress mailbox)
    {
        mailbox = null!;
        if (text is null)
        {
            return false;
        }

        var list = AddressParser.Parse(text, out var clean);
        if (!clean || list.Count != 1 || list[0].Domain.Length == 0)
        {
            return false;
        }

        mailbox = list[0];
        return true;
    }

    /// <summary>The header form, display name RFC 2047-encoded when not ASCII.</summary>
    public override string ToString() => ToString(allowUtf8: false);

    /// <summary>The header form; with <paramref name="allowUtf8"/>, a non-ASCII name is written as UTF-8 (RFC 6532).</summary>
    public string ToString(bool allowUtf8)
    {
        if (Name is null)
        {
            return Address;
        }

        var output = new StringBuilder();
        if (!allowUtf8 && EncodedWords.NeedsEncoding(Name))
        {
            output.Append(EncodedWords.EncodePhrase(Name));
        }
        else if (IsPhrase(Name))
        {
            output.Append(Name);
        }
        else
        {
            AppendQuoted(output, Name);
        }

        return output.Append(" <").Append(Address).Append('>').ToString();
    }

    private static bool IsPhrase(string name)
    {
        foreach (var word in name.Split(' '))
        {
            if (word.Length == 0 || !word.All(c => HeaderTokenizer.IsAtomChar(c, allowDot: false)))
            {
                return false;
            }
        }

        return true;
    }

    private static string FormatLocalPart(string local)
    {
        var dotAtom = local.Length > 0 && local[0] != '.' && local[^1] != '.' && !local.Contains("..", StringComparison.Ordinal) &&
            local.All(c => HeaderTokenizer.IsAtomChar(c, allowDot: true));
        if (dotAtom)
        {
            return local;
        }

        var output = new StringBuilder();
        AppendQuoted(output, local);
        return output.ToString();
    }

    private static void AppendQuoted(StringBuilder output, string text)
    {
        output.Append('"');
        foreach (var c in text)
        {
            if (c is '"' or '\\')
            {
                output.Append('\\');
            }

            output.Append(c);
        }

        output.Append('"');
    }

    public bool Equals(MailboxAddress? other) =>
        other is not null && string.Equals(LocalPart, other.LocalPart, StringComparison.Ordinal) &&
        string.Equals(Domain, other.Domain, StringComparison.OrdinalIgnoreCase) && string.Equals(Name, other.Name, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as MailboxAddress);

    public override int GetHashCode() => HashCode.Combine(LocalPart, Domain.ToLowerInvariant(), Name);
}
