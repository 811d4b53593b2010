using System.Globalization;

namespace Protocols.Servers.Imap;

/// <summary>What a search key needs from a message beyond its flags, size, dates and numbers.</summary>
[Flags]
internal enum SearchNeeds
{
    None = 0,

    /// <summary>The summary's addresses, subject and Date (held in the summary cache).</summary>
    Summary = 1,

    /// <summary>The whole message (HEADER, BODY, TEXT).</summary>
    Content = 2,
}

internal enum SearchOp
{
    All, And, Or, Not, Sequence, Uid, Flag, NoFlag, Larger, Smaller,
    Before, On, Since, SentBefore, SentOn, SentSince,
    From, To, Cc, Bcc, Subject, Header, Body, Text,
}

/// <summary>One SEARCH key (RFC 9051 section 6.4.4) as a tree: AND of a list, OR, NOT, and the leaf tests.</summary>
internal sealed record SearchKey(SearchOp Op, IReadOnlyList<SearchKey>? Children = null, string? Text = null, string? Field = null,
    long Number = 0, DateOnly Date = default, SequenceSet? Set = null)
{
    public SearchNeeds Needs => Op switch
    {
        SearchOp.And or SearchOp.Or or SearchOp.Not => Children!.Aggregate(SearchNeeds.None, (n, c) => n | c.Needs),
        SearchOp.From or SearchOp.To or SearchOp.Cc or SearchOp.Bcc or SearchOp.Subject or SearchOp.SentBefore or SearchOp.SentOn or SearchOp.SentSince => SearchNeeds.Summary,
        SearchOp.Header or SearchOp.Body or SearchOp.Text => SearchNeeds.Content,
        _ => SearchNeeds.None,
    };
}

/// <summary>The parsed SEARCH command: the ESEARCH RETURN options (RFC 4731), the charset, and the keys (ANDed).</summary>
internal sealed record SearchRequest(SearchKey Key, IReadOnlySet<string>? Return, string? Charset)
{
    /// <summary>Whether the answer is <c>* ESEARCH</c> (RETURN given) rather than <c>* SEARCH</c>.</summary>
    public bool Extended => Return is not null;
}

/// <summary>Parses SEARCH arguments.</summary>
internal static class SearchParser
{
    private static readonly string[] Months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

    public static bool TryParse(IReadOnlyList<ImapValue> args, out SearchRequest request, out string? error)
    {
        request = null!;
        error = null;
        var i = 0;
        HashSet<string>? ret = null;
        string? charset = null;
        if (i < args.Count && args[i].Kind == ImapValueKind.Atom && args[i].Text.Equals("RETURN", StringComparison.OrdinalIgnoreCase))
        {
            if (i + 1 >= args.Count || args[i + 1].Kind != ImapValueKind.List) return Fail("RETURN takes a list", out error);
            ret = new HashSet<string>(StringComparer.Ordinal);
            foreach (var option in args[i + 1].Items)
            {
                var name = option.Text.ToUpperInvariant();
                if (option.Kind != ImapValueKind.Atom || name is not ("MIN" or "MAX" or "ALL" or "COUNT" or "SAVE")) return Fail("unknown RETURN option " + option, out error);
                ret.Add(name);
            }
            if (ret.Count == 0) ret.Add("ALL");
            i += 2;
        }
        if (i < args.Count && args[i].Kind == ImapValueKind.Atom && args[i].Text.Equals("CHARSET", StringComparison.OrdinalIgnoreCase))
        {
            if (i + 1 >= args.Count || !args[i + 1].IsAString) return Fail("CHARSET takes a name", out error);
            charset = args[i + 1].Text;
            i += 2;
        }
        var keys = new List<SearchKey>();
        while (i < args.Count)
        {
            if (!TryParseKey(args, ref i, 0, out var key, out error)) return false;
            keys.Add(key);
        }
        if (keys.Count == 0) return Fail("SEARCH needs a key", out error);
        request = new SearchRequest(keys.Count == 1 ? keys[0] : new SearchKey(SearchOp.And, keys), ret, charset);
        return true;
    }

    private static bool Fail(string message, out string? error)
    {
        error = message;
        return false;
    }

    private static bool TryParseKey(IReadOnlyList<ImapValue> args, ref int i, int depth, out SearchKey key, out string? error)
    {
        key = null!;
        error = null;
        if (depth > ImapCommandParser.MaxDepth) return Fail("search keys nested too deeply", out error);
        var v = args[i++];
        if (v.Kind == ImapValueKind.List)
        {
            var children = new List<SearchKey>();
            var j = 0;
            while (j < v.Items.Count)
            {
                if (!TryParseKey(v.Items, ref j, depth + 1, out var child, out error)) return false;
                children.Add(child);
            }
            if (children.Count == 0) return Fail("an empty search list", out error);
            key = children.Count == 1 ? children[0] : new SearchKey(SearchOp.And, children);
            return true;
        }
        if (v.Kind != ImapValueKind.Atom) return Fail("a search key is an atom, not a string: " + v, out error);
        var name = v.Text.ToUpperInvariant();
        if (name.Length > 0 && (char.IsAsciiDigit(name[0]) || name[0] == '*'))
        {
            if (!SequenceSet.TryParse(name, out var set)) return Fail("a bad sequence set " + v.Text, out error);
            key = new SearchKey(SearchOp.Sequence, Set: set);
            return true;
        }
        switch (name)
        {
            case "ALL": key = new(SearchOp.All); return true;
            case "ANSWERED": key = Flag(@"\Answered"); return true;
            case "DELETED": key = Flag(@"\Deleted"); return true;
            case "DRAFT": key = Flag(@"\Draft"); return true;
            case "FLAGGED": key = Flag(@"\Flagged"); return true;
            case "SEEN": key = Flag(@"\Seen"); return true;
            case "UNANSWERED": key = NoFlag(@"\Answered"); return true;
            case "UNDELETED": key = NoFlag(@"\Deleted"); return true;
            case "UNDRAFT": key = NoFlag(@"\Draft"); return true;
            case "UNFLAGGED": key = NoFlag(@"\Flagged"); return true;
            case "UNSEEN": key = NoFlag(@"\Seen"); return true;
            // \Recent went away in IMAP4rev2: no message is recent, so NEW matches none and OLD all.
            case "RECENT": key = new(SearchOp.Not, [new(SearchOp.All)]); return true;
            case "OLD": key = new(SearchOp.All); return true;
            case "NEW": key = new(SearchOp.Not, [new(SearchOp.All)]); return true;
            case "NOT":
                if (i >= args.Count) return Fail("NOT takes a key", out error);
                if (!TryParseKey(args, ref i, depth + 1, out var inner, out error)) return false;
                key = new(SearchOp.Not, [inner]);
                return true;
            case "OR":
                if (i >= args.Count) return Fail("OR takes two keys", out error);
                if (!TryParseKey(args, ref i, depth + 1, out var left, out error)) return false;
                if (i >= args.Count) return Fail("OR takes two keys", out error);
                if (!TryParseKey(args, ref i, depth + 1, out var right, out error)) return false;
                key = new(SearchOp.Or, [left, right]);
                return true;
            case "UID":
                if (i >= args.Count || args[i].Kind != ImapValueKind.Atom || !SequenceSet.TryParse(args[i].Text, out var uids)) return Fail("UID takes a UID set", out error);
                i++;
                key = new(SearchOp.Uid, Set: uids);
                return true;
            case "KEYWORD":
            case "UNKEYWORD":
                if (i >= args.Count || args[i].Kind != ImapValueKind.Atom) return Fail(name + " takes a keyword", out error);
                var keyword = args[i++].Text;
                key = name == "KEYWORD" ? Flag(keyword) : NoFlag(keyword);
                return true;
            case "LARGER":
            case "SMALLER":
                if (i >= args.Count || !long.TryParse(args[i].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var size)) return Fail(name + " takes a number", out error);
                i++;
                key = new(name == "LARGER" ? SearchOp.Larger : SearchOp.Smaller, Number: size);
                return true;
            case "BEFORE": return DateKey(SearchOp.Before, args, ref i, out key, out error);
            case "ON": return DateKey(SearchOp.On, args, ref i, out key, out error);
            case "SINCE": return DateKey(SearchOp.Since, args, ref i, out key, out error);
            case "SENTBEFORE": return DateKey(SearchOp.SentBefore, args, ref i, out key, out error);
            case "SENTON": return DateKey(SearchOp.SentOn, args, ref i, out key, out error);
            case "SENTSINCE": return DateKey(SearchOp.SentSince, args, ref i, out key, out error);
            case "FROM": return TextKey(SearchOp.From, args, ref i, out key, out error);
            case "TO": return TextKey(SearchOp.To, args, ref i, out key, out error);
            case "CC": return TextKey(SearchOp.Cc, args, ref i, out key, out error);
            case "BCC": return TextKey(SearchOp.Bcc, args, ref i, out key, out error);
            case "SUBJECT": return TextKey(SearchOp.Subject, args, ref i, out key, out error);
            case "BODY": return TextKey(SearchOp.Body, args, ref i, out key, out error);
            case "TEXT": return TextKey(SearchOp.Text, args, ref i, out key, out error);
            case "HEADER":
                if (i + 1 >= args.Count || !args[i].IsAString || !args[i + 1].IsAString) return Fail("HEADER takes a field name and a string", out error);
                var field = args[i++].Text;
                key = new(SearchOp.Header, Field: field, Text: args[i++].Text);
                return true;
            default:
                return Fail("unknown search key " + v.Text, out error);
        }
    }

    private static SearchKey Flag(string flag) => new(SearchOp.Flag, Text: flag);

    private static SearchKey NoFlag(string flag) => new(SearchOp.NoFlag, Text: flag);

    private static bool TextKey(SearchOp op, IReadOnlyList<ImapValue> args, ref int i, out SearchKey key, out string? error)
    {
        key = null!;
        if (i >= args.Count || !args[i].IsAString) return Fail(op.ToString().ToUpperInvariant() + " takes a string", out error);
        key = new SearchKey(op, Text: args[i++].Text);
        error = null;
        return true;
    }

    private static bool DateKey(SearchOp op, IReadOnlyList<ImapValue> args, ref int i, out SearchKey key, out string? error)
    {
        key = null!;
        if (i >= args.Count || !args[i].IsAString || !TryParseDate(args[i].Text, out var date)) return Fail(op.ToString().ToUpperInvariant() + " takes a date such as 1-Feb-2024", out error);
        i++;
        key = new SearchKey(op, Date: date);
        error = null;
        return true;
    }

    /// <summary>date = day "-" month "-" year, e.g. <c>1-Feb-1994</c> (RFC 9051 <c>date-text</c>).</summary>
    public static bool TryParseDate(string text, out DateOnly date)
    {
        date = default;
        var parts = text.Split('-');
        if (parts.Length != 3 || parts[0].Length is < 1 or > 2 || parts[2].Length != 4) return false;
        var month = Array.IndexOf(Months, parts[1].ToUpperInvariant()) + 1;
        if (month == 0) return false;
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var day)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var year)) return false;
        if (year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        date = new DateOnly(year, month, day);
        return true;
    }

    public static string FormatMonth(int month) => Months[month - 1][0] + Months[month - 1][1..].ToLowerInvariant();
}
