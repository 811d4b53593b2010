using System.Text;

namespace Protocols.Servers.Mail.Sql;

/// <summary>How one SQL engine spells what a search needs; the rest of the translation is shared.</summary>
internal abstract class MailSqlDialect
{
    /// <summary>A named parameter (<c>$p0</c>, <c>@p0</c>).</summary>
    public abstract string Parameter(int index);

    /// <summary>A case-insensitive LIKE with '\' as the escape character.</summary>
    public abstract string Like(string column, string parameter);

    /// <summary>The message's words match the full-text query in <paramref name="parameter"/>.</summary>
    public abstract string TextMatch(string parameter);

    /// <summary>The engine's full-text query for these words in this order, the last a prefix.</summary>
    public abstract string TextQuery(IReadOnlyList<string> words);

    /// <summary>Whether the engine can count and page a search of only full-text terms in its full-text index
    /// (<see cref="TextCount"/>, <see cref="TextNewest"/>).</summary>
    public virtual bool CountsText => false;

    /// <summary>Every one of these <see cref="TextQuery"/> results, as one full-text query.</summary>
    public virtual string AllText(IReadOnlyList<string> queries) => throw new NotSupportedException();

    /// <summary>How many messages match the full-text query in <paramref name="parameter"/>.</summary>
    public virtual string TextCount(string parameter) => throw new NotSupportedException();

    /// <summary>The UIDs of the newest <paramref name="limit"/> messages matching the full-text query in <paramref name="parameter"/>,
    /// below the UID in <paramref name="before"/> when given.</summary>
    public virtual string TextNewest(string parameter, string? before, int limit) => throw new NotSupportedException();
}

/// <summary>A search translated to a WHERE condition on <c>messages m</c> and its parameter values.</summary>
internal sealed class MailSqlFilter
{
    private readonly MailSqlDialect _dialect;
    private readonly StringBuilder _where = new();
    private readonly List<string> _texts = [];
    private int _others;

    private MailSqlFilter(MailSqlDialect dialect) => _dialect = dialect;

    public List<object> Values { get; } = [];

    /// <summary>The condition (<c>1=1</c> for no terms), every term ANDed.</summary>
    public string Where => _where.Length == 0 ? "1=1" : _where.ToString();

    public bool IsEmpty => _where.Length == 0;

    /// <summary>When every term is a positive free-text one and the engine counts those in its index: the terms as one
    /// full-text query; null otherwise.</summary>
    public string? TextOnly => _others == 0 && _texts.Count > 0 && _dialect.CountsText ? _dialect.AllText(_texts) : null;

    public static MailSqlFilter Build(IReadOnlyList<MailSearchTerm> terms, MailSqlDialect dialect)
    {
        var filter = new MailSqlFilter(dialect);
        foreach (var term in terms)
        {
            var condition = filter.Condition(term);
            if (condition is null) continue;
            if (term.Negated || term.Field != MailSearchField.Text) filter._others++;
            if (filter._where.Length > 0) filter._where.Append(" AND ");
            filter._where.Append(term.Negated ? "NOT (" : "(").Append(condition).Append(')');
        }
        return filter;
    }

    /// <summary>Adds a value; returns its parameter name.</summary>
    public string Add(object value)
    {
        Values.Add(value);
        return _dialect.Parameter(Values.Count - 1);
    }

    private string? Condition(MailSearchTerm term)
    {
        switch (term.Field)
        {
            case MailSearchField.Text:
                var words = Words(term.Value);
                if (words.Count == 0) return null;
                var query = _dialect.TextQuery(words);
                _texts.Add(query);
                return _dialect.TextMatch(Add(query));
            case MailSearchField.From:
                return AnyLike(term.Value, "m.envelope_from", "m.header_from");
            case MailSearchField.To:
                return AnyLike(term.Value, "m.envelope_to", "m.header_to", "m.header_cc");
            case MailSearchField.Addressed:
                return AnyLike(term.Value, "m.envelope_from", "m.envelope_to", "m.header_from", "m.header_to", "m.header_cc");
            case MailSearchField.Subject:
                return AnyLike(term.Value, "m.subject");
            case MailSearchField.Tag:
                return _dialect.Like("(' ' || m.keywords || ' ')", Add("% " + EscapeLike(term.Value) + " %"));
            case MailSearchField.HasAttachment:
                return "m.attachments > 0";
            case MailSearchField.Unread:
                return $"(m.flags & {(int)MailFlags.Seen}) = 0";
            case MailSearchField.Flagged:
                return $"(m.flags & {(int)MailFlags.Flagged}) <> 0";
            case MailSearchField.Before:
                return "m.received_at < " + Add(term.Instant!.Value.ToUnixTimeMilliseconds());
            case MailSearchField.After:
                return "m.received_at >= " + Add(term.Instant!.Value.ToUnixTimeMilliseconds());
            default:
                throw new MailSearchException($"{term.Field} is not supported");
        }
    }

    private string AnyLike(string value, params string[] columns)
    {
        var parameter = Add("%" + EscapeLike(value) + "%");
        return string.Join(" OR ", columns.Select(c => _dialect.Like("COALESCE(" + c + ", '')", parameter)));
    }

    private static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    /// <summary>Letters and digits runs, lower-cased: what both full-text indexes hold (addresses are split at '@' and '.').</summary>
    public static IReadOnlyList<string> Words(string text)
    {
        List<string> words = [];
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inWord && start < 0) start = i;
            else if (!inWord && start >= 0)
            {
                words.Add(text[start..i].ToLowerInvariant());
                start = -1;
            }
        }
        return words;
    }
}
