using System.Globalization;

namespace Protocols.Servers.Imap;

internal enum FetchItemKind
{
    Uid,
    Flags,
    InternalDate,
    Size,
    Envelope,
    BodyStructure,

    /// <summary>BODY without a section: the non-extensible BODYSTRUCTURE.</summary>
    Body,

    /// <summary>BODY[section]&lt;partial&gt;, BODY.PEEK[...], RFC822, RFC822.HEADER, RFC822.TEXT.</summary>
    Section,
}

/// <summary>What a section names (RFC 9051 section 6.4.5).</summary>
internal enum SectionKind
{
    /// <summary>The whole message or part (<c>BODY[]</c>, <c>BODY[1.2]</c>).</summary>
    All,
    Header,
    HeaderFields,
    HeaderFieldsNot,
    Text,
    Mime,
}

/// <summary>A body section: part numbers (empty for the top level), what part of it, and the header field names.</summary>
internal sealed record BodySection(int[] Part, SectionKind Kind, string[] Fields)
{
    public static readonly BodySection Whole = new([], SectionKind.All, []);

    /// <summary>The section as it is echoed in the response: <c>1.2.HEADER.FIELDS (FROM TO)</c>.</summary>
    public string Spec
    {
        get
        {
            var part = string.Join('.', Part.Select(p => p.ToString(CultureInfo.InvariantCulture)));
            var kind = Kind switch
            {
                SectionKind.All => "",
                SectionKind.Header => "HEADER",
                SectionKind.HeaderFields => "HEADER.FIELDS (" + string.Join(' ', Fields) + ")",
                SectionKind.HeaderFieldsNot => "HEADER.FIELDS.NOT (" + string.Join(' ', Fields) + ")",
                SectionKind.Text => "TEXT",
                _ => "MIME",
            };
            return part.Length > 0 && kind.Length > 0 ? part + "." + kind : part + kind;
        }
    }
}

/// <summary>One FETCH data item (RFC 9051 section 6.4.5).</summary>
internal sealed record FetchItem(FetchItemKind Kind, BodySection? Section = null, bool Peek = false, long? PartialStart = null,
    long? PartialLength = null, string? Legacy = null)
{
    /// <summary>The item name in the response (<c>BODY[HEADER]&lt;0&gt;</c>, <c>RFC822.SIZE</c>).</summary>
    public string ResponseName => Kind switch
    {
        FetchItemKind.Uid => "UID",
        FetchItemKind.Flags => "FLAGS",
        FetchItemKind.InternalDate => "INTERNALDATE",
        FetchItemKind.Size => "RFC822.SIZE",
        FetchItemKind.Envelope => "ENVELOPE",
        FetchItemKind.BodyStructure => "BODYSTRUCTURE",
        FetchItemKind.Body => "BODY",
        _ => Legacy ?? "BODY[" + Section!.Spec + "]" + (PartialStart is { } s ? "<" + s.ToString(CultureInfo.InvariantCulture) + ">" : ""),
    };

    /// <summary>Whether fetching this sets \Seen (BODY[...] and RFC822 do; .PEEK and RFC822.HEADER do not).</summary>
    public bool SetsSeen => Kind == FetchItemKind.Section && !Peek;

    /// <summary>Parses the items after the sequence set: a macro, one item, or a list of items.</summary>
    public static bool TryParseList(ImapValue value, out List<FetchItem> items, out string? error)
    {
        items = [];
        error = null;
        if (value.Kind == ImapValueKind.List)
        {
            if (value.Items.Count == 0)
            {
                error = "an empty FETCH list";
                return false;
            }
            foreach (var v in value.Items)
            {
                if (v.Kind != ImapValueKind.Atom || !TryParse(v.Text, out var item, out error)) return Fail(ref error, v, out items);
                items.Add(item);
            }
            return true;
        }
        if (value.Kind != ImapValueKind.Atom) return Fail(ref error, value, out items);
        switch (value.Text.ToUpperInvariant())
        {
            case "ALL":
                items = [new(FetchItemKind.Flags), new(FetchItemKind.InternalDate), new(FetchItemKind.Size), new(FetchItemKind.Envelope)];
                return true;
            case "FAST":
                items = [new(FetchItemKind.Flags), new(FetchItemKind.InternalDate), new(FetchItemKind.Size)];
                return true;
            case "FULL":
                items = [new(FetchItemKind.Flags), new(FetchItemKind.InternalDate), new(FetchItemKind.Size), new(FetchItemKind.Envelope), new(FetchItemKind.Body)];
                return true;
        }
        if (!TryParse(value.Text, out var one, out error)) return Fail(ref error, value, out items);
        items.Add(one);
        return true;
    }

    private static bool Fail(ref string? error, ImapValue value, out List<FetchItem> items)
    {
        error ??= "unknown FETCH item " + value;
        items = [];
        return false;
    }

    public static bool TryParse(string text, out FetchItem item, out string? error)
    {
        item = null!;
        error = null;
        var upper = text.ToUpperInvariant();
        switch (upper)
        {
            case "UID": item = new(FetchItemKind.Uid); return true;
            case "FLAGS": item = new(FetchItemKind.Flags); return true;
            case "INTERNALDATE": item = new(FetchItemKind.InternalDate); return true;
            case "RFC822.SIZE": item = new(FetchItemKind.Size); return true;
            case "ENVELOPE": item = new(FetchItemKind.Envelope); return true;
            case "BODYSTRUCTURE": item = new(FetchItemKind.BodyStructure); return true;
            case "BODY": item = new(FetchItemKind.Body); return true;
            case "RFC822": item = new(FetchItemKind.Section, BodySection.Whole, Legacy: "RFC822"); return true;
            case "RFC822.HEADER": item = new(FetchItemKind.Section, new([], SectionKind.Header, []), Peek: true, Legacy: "RFC822.HEADER"); return true;
            case "RFC822.TEXT": item = new(FetchItemKind.Section, new([], SectionKind.Text, []), Legacy: "RFC822.TEXT"); return true;
        }
        bool peek;
        int open;
        if (upper.StartsWith("BODY.PEEK[", StringComparison.Ordinal))
        {
            peek = true;
            open = 9;
        }
        else if (upper.StartsWith("BODY[", StringComparison.Ordinal))
        {
            peek = false;
            open = 4;
        }
        else
        {
            error = "unknown FETCH item " + text;
            return false;
        }
        var close = upper.IndexOf(']', open);
        if (close < 0 || !TryParseSection(text[(open + 1)..close], out var section, out error))
        {
            error ??= "a section ends with ]";
            return false;
        }
        long? start = null, length = null;
        var rest = text[(close + 1)..];
        if (rest.Length > 0)
        {
            var dot = rest.IndexOf('.');
            if (rest[0] != '<' || rest[^1] != '>' || dot < 0
                || !long.TryParse(rest.AsSpan(1, dot - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var s)
                || !long.TryParse(rest.AsSpan(dot + 1, rest.Length - dot - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n == 0)
            {
                error = "a partial is <start.count> with a count above 0";
                return false;
            }
            (start, length) = (s, n);
        }
        item = new(FetchItemKind.Section, section, peek, start, length);
        return true;
    }

    /// <summary>Parses the text between the brackets: <c>[part.]HEADER|HEADER.FIELDS[.NOT] (list)|TEXT|MIME</c>, or a part alone.</summary>
    public static bool TryParseSection(string spec, out BodySection section, out string? error)
    {
        section = BodySection.Whole;
        error = null;
        var parts = new List<int>();
        var i = 0;
        while (i < spec.Length && char.IsAsciiDigit(spec[i]))
        {
            var j = i;
            while (j < spec.Length && char.IsAsciiDigit(spec[j])) j++;
            if (!int.TryParse(spec.AsSpan(i, j - i), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n == 0 || spec[i] == '0' || parts.Count >= 64)
            {
                error = "a part number is 1 or more";
                return false;
            }
            parts.Add(n);
            i = j;
            if (i == spec.Length) break;
            if (spec[i] != '.')
            {
                error = "part numbers are separated by dots";
                return false;
            }
            i++;
            if (i == spec.Length)
            {
                error = "a section ends with a part number or a name";
                return false;
            }
        }
        var rest = spec[i..].ToUpperInvariant();
        SectionKind kind;
        string[] fields = [];
        if (rest.Length == 0) kind = SectionKind.All;
        else if (rest == "HEADER") kind = SectionKind.Header;
        else if (rest == "TEXT") kind = SectionKind.Text;
        else if (rest == "MIME" && parts.Count > 0) kind = SectionKind.Mime;
        else if (rest.StartsWith("HEADER.FIELDS", StringComparison.Ordinal))
        {
            var not = rest.StartsWith("HEADER.FIELDS.NOT", StringComparison.Ordinal);
            kind = not ? SectionKind.HeaderFieldsNot : SectionKind.HeaderFields;
            var list = rest[(not ? 17 : 13)..];
            if (!TryParseFieldList(list, out fields))
            {
                error = "HEADER.FIELDS takes a list of field names";
                return false;
            }
        }
        else
        {
            error = "unknown section " + spec;
            return false;
        }
        section = new BodySection([.. parts], kind, fields);
        return true;
    }

    private static bool TryParseFieldList(string list, out string[] fields)
    {
        fields = [];
        if (list.Length < 3 || list[0] != ' ' || list[1] != '(' || list[^1] != ')') return false;
        var result = ImapCommandParser.Parse(System.Text.Encoding.ASCII.GetBytes("x X " + list[1..] + "\r\n"));
        if (result.Status != ImapParseStatus.Complete || result.Command!.Arguments.Count != 1) return false;
        var items = result.Command.Arguments[0].Items;
        if (items.Count == 0 || items.Any(v => !v.IsAString || v.Text.Length == 0 || v.Text.Any(c => c <= ' ' || c >= 0x7f || c == ':'))) return false;
        fields = [.. items.Select(v => v.Text.ToUpperInvariant())];
        return true;
    }
}
