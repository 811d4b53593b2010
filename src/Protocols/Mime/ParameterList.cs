using System.Collections;
using System.Text;

namespace Protocols.Mime;

/// <summary>
/// The parameters of a Content-Type or Content-Disposition value: ordered, names case-insensitive. Values are
/// decoded (RFC 2231 charsets and continuations, and the common RFC 2047 words in quotes); on write, non-ASCII or
/// long values are encoded per RFC 2231.
/// </summary>
public sealed class ParameterList : IEnumerable<KeyValuePair<string, string>>
{
    private const int MaxSectionLength = 50;
    private readonly List<KeyValuePair<string, string>> items = [];

    public int Count => items.Count;

    /// <summary>The value of a parameter, or null. Setting null removes it.</summary>
    public string? this[string name]
    {
        get
        {
            var i = IndexOf(name);
            return i < 0 ? null : items[i].Value;
        }

        set
        {
            var i = IndexOf(name);
            if (value is null)
            {
                if (i >= 0)
                {
                    items.RemoveAt(i);
                }
            }
            else if (i >= 0)
            {
                items[i] = new(items[i].Key, value);
            }
            else
            {
                items.Add(new(name, value));
            }
        }
    }

    public bool Contains(string name) => IndexOf(name) >= 0;

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string name) => items.FindIndex(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses ";name=value" pairs from a header value, starting at <paramref name="index"/>. Never throws.</summary>
    internal static ParameterList Parse(string text, int index)
    {
        var list = new ParameterList();
        var sections = new List<(string Name, int Number, bool Encoded, string Value)>();
        var tokenizer = new HeaderTokenizer(text, index);
        while (tokenizer.SkipTo(';'))
        {
            tokenizer.SkipCfws();
            var name = tokenizer.ReadToken();
            if (name.Length == 0)
            {
                continue;
            }

            tokenizer.SkipCfws();
            if (!tokenizer.TryConsume('='))
            {
                continue;
            }

            tokenizer.SkipCfws();
            var value = tokenizer.PeekIs('"') ? tokenizer.ReadQuotedString() : StripComment(tokenizer.ReadUntil(';'));
            var star = name.IndexOf('*', StringComparison.Ordinal);
            if (star < 0)
            {
                sections.Add((name, -1, false, value));
                continue;
            }

            var baseName = name[..star];
            var rest = name[(star + 1)..];
            var encoded = rest.EndsWith('*') || rest.Length == 0;
            var numberText = rest.TrimEnd('*');
            var number = numberText.Length == 0 ? 0 : int.TryParse(numberText, out var n) && n is >= 0 and < 1000 ? n : -2;
            if (number == -2)
            {
                continue;
            }

            sections.Add((baseName, number, encoded, value));
        }

        foreach (var group in sections.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase))
        {
            var extended = group.Where(s => s.Number >= 0).OrderBy(s => s.Number).ToList();
            string value;
            if (extended.Count > 0)
            {
                value = Decode2231(extended);
            }
            else
            {
                value = EncodedWords.Decode(group.First().Value);
            }

            list.items.Add(new(group.Key, value));
        }

        return list;
    }

    // An unquoted value runs to ';' (spaces tolerated); a trailing "(comment)" is not part of it.
    private static string StripComment(string value)
    {
        value = value.Trim();
        if (value.EndsWith(')'))
        {
            var open = value.IndexOf('(', StringComparison.Ordinal);
            if (open > 0)
            {
                value = value[..open].TrimEnd();
            }
        }

        return value;
    }

    private static string Decode2231(List<(string Name, int Number, bool Encoded, string Value)> sections)
    {
        string? charset = null;
        var bytes = new List<byte>();
        for (var i = 0; i < sections.Count; i++)
        {
            var value = sections[i].Value;
            if (sections[i].Encoded)
            {
                if (i == 0)
                {
                    var first = value.IndexOf('\'', StringComparison.Ordinal);
                    var second = first < 0 ? -1 : value.IndexOf('\'', first + 1);
                    if (second > 0)
                    {
                        charset = value[..first];
                        value = value[(second + 1)..];
                    }
                }

                PercentDecode(value, bytes);
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(value));
            }
        }

        return Charsets.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes), charset);
    }

    private static void PercentDecode(string value, List<byte> bytes)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%' && i + 2 < value.Length && Uri.IsHexDigit(value[i + 1]) && Uri.IsHexDigit(value[i + 2]))
            {
                bytes.Add((byte)(Uri.FromHex(value[i + 1]) * 16 + Uri.FromHex(value[i + 2])));
                i += 2;
            }
            else if (c < 128)
            {
                bytes.Add((byte)c);
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }
    }

    /// <summary>Appends "; name=value" for each parameter, quoting or RFC 2231-encoding values as needed.</summary>
    internal void AppendTo(StringBuilder output)
    {
        foreach (var (name, value) in items)
        {
            if (Charsets.IsAscii(value) && value.Length <= MaxSectionLength && !value.Contains('\r') && !value.Contains('\n'))
            {
                output.Append("; ").Append(name).Append('=');
                AppendValue(output, value);
                continue;
            }

            var encoded = PercentEncode(value);
            if (encoded.Length + 7 <= MaxSectionLength)
            {
                output.Append("; ").Append(name).Append("*=utf-8''").Append(encoded);
                continue;
            }

            // RFC 2231 §3 continuations; never split a %XX escape.
            var section = 0;
            var index = 0;
            while (index < encoded.Length)
            {
                var take = Math.Min(MaxSectionLength, encoded.Length - index);
                if (index + take < encoded.Length)
                {
                    var percent = encoded.LastIndexOf('%', index + take - 1, Math.Min(take, 3));
                    if (percent >= 0 && percent + 3 > index + take)
                    {
                        take = percent - index;
                    }
                }

                output.Append("; ").Append(name).Append('*').Append(section).Append('*').Append('=');
                if (section == 0)
                {
                    output.Append("utf-8''");
                }

                output.Append(encoded, index, take);
                index += take;
                section++;
            }
        }
    }

    internal static void AppendValue(StringBuilder output, string value)
    {
        if (value.Length > 0 && value.All(IsTokenChar))
        {
            output.Append(value);
            return;
        }

        output.Append('"');
        foreach (var c in value)
        {
            if (c == '"' || c == '\\')
            {
                output.Append('\\');
            }

            output.Append(c);
        }

        output.Append('"');
    }

    private static string PercentEncode(string value)
    {
        var output = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b < 128 && IsAttributeChar((char)b))
            {
                output.Append((char)b);
            }
            else
            {
                output.Append('%').Append(b.ToString("X2"));
            }
        }

        return output.ToString();
    }

    // RFC 2045 token: printable ASCII except SPACE and tspecials.
    internal static bool IsTokenChar(char c) => c > ' ' && c < 127 && "()<>@,;:\\\"/[]?=".IndexOf(c, StringComparison.Ordinal) < 0;

    // RFC 2231 attribute-char: a token char except '*', '\'' and '%'.
    private static bool IsAttributeChar(char c) => IsTokenChar(c) && c != '*' && c != '\'' && c != '%';
}
