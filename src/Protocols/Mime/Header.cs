using System.Text;

namespace Protocols.Mime;

/// <summary>
/// One header field. <see cref="Value"/> is the unfolded text as on the wire (encoded words still encoded);
/// <see cref="DecodedValue"/> decodes RFC 2047 words. A parsed header keeps its raw bytes and is written back as it
/// came unless changed.
/// </summary>
public sealed class Header
{
    private string value;

    /// <summary>A header with a wire value (no CR or LF; folding happens on write).</summary>
    public Header(string name, string value)
    {
        ValidateName(name);
        ValidateValue(value);
        Name = name;
        this.value = value;
    }

    internal Header(string name, string value, ReadOnlyMemory<byte> raw)
    {
        Name = name;
        this.value = value;
        RawValue = raw;
        HasRawValue = true;
    }

    public string Name { get; }

    /// <summary>The unfolded value as on the wire. Setting it drops the raw bytes.</summary>
    public string Value
    {
        get => value;
        set
        {
            ValidateValue(value);
            this.value = value;
            RawValue = default;
            HasRawValue = false;
        }
    }

    /// <summary>The value with RFC 2047 encoded words decoded (for unstructured headers such as Subject).</summary>
    public string DecodedValue => EncodedWords.Decode(value);

    /// <summary>The bytes after the colon as received (folding kept, final line end not included).</summary>
    public ReadOnlyMemory<byte> RawValue { get; private set; }

    /// <summary>True for a header read by the parser and not changed since.</summary>
    public bool HasRawValue { get; private set; }

    public override string ToString() => Name + ": " + value;

    internal static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (var c in name)
        {
            if (c <= ' ' || c >= 127 || c == ':')
            {
                throw new ArgumentException($"Invalid character in header name '{name}'.", nameof(name));
            }
        }
    }

    internal static void ValidateValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            throw new ArgumentException("A header value must not contain CR, LF or NUL (header injection).", nameof(value));
        }
    }

    /// <summary>True for headers whose syntax is structured (addresses, parameters, ids): never RFC 2047-encoded whole.</summary>
    internal static bool IsStructured(string name) => name.ToLowerInvariant() switch
    {
        "from" or "to" or "cc" or "bcc" or "reply-to" or "sender" or "resent-from" or "resent-to" or "resent-cc"
            or "resent-bcc" or "resent-sender" or "date" or "resent-date" or "message-id" or "resent-message-id"
            or "in-reply-to" or "references" or "mime-version" or "content-type" or "content-disposition"
            or "content-transfer-encoding" or "content-id" or "received" or "return-path" or "dkim-signature" => true,
        _ => false,
    };

    internal static string DecodeBytes(ReadOnlySpan<byte> raw) =>
        Charsets.IsAscii(raw) ? Encoding.ASCII.GetString(raw) : Charsets.DecodeUtf8OrWindows1252(raw);
}
