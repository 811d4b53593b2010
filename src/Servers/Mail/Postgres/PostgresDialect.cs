using Protocols.Servers.Mail.Sql;

namespace Protocols.Servers.Mail.Postgres;

/// <summary>PostgreSQL's spelling of a search. <see cref="Trigrams"/> when the store has the pg_trgm indexes of
/// <see cref="PostgresSchema.TrigramIndexes"/>: a substring test over several columns is asked of the one indexed
/// expression that joins them with a line break (so one GIN index finds the matches); the same, since a value without a
/// line break cannot match across one. A value with one keeps the test per column.</summary>
internal sealed class PostgresDialect : MailSqlDialect
{
    public static readonly PostgresDialect Plain = new(false), Trigrams = new(true);

    private readonly bool _trigrams;

    private PostgresDialect(bool trigrams) => _trigrams = trigrams;

    public override string Parameter(int index) => "@p" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override string Like(string column, string parameter) => $"{column} ILIKE {parameter}";

    // The query is a tsquery literal built here from the same words the index holds (see PostgresText), so PostgreSQL
    // does not parse text with its locale on either side. The words live in a table of their own (schema 3), so a
    // search of words only is counted and paged there without reading the summary rows.
    public override string TextMatch(string parameter) => InIndex(TextTable, parameter);

    public override string TextTable => "message_words";

    public override string IndexAnd => " & ";

    public override string InIndex(string table, string parameter) => $"m.uid IN (SELECT w.uid FROM {table} w WHERE w.words @@ CAST({parameter} AS tsquery))";

    public override string IndexCount(string table, string parameter) => $"SELECT count(*) FROM {table} WHERE words @@ CAST({parameter} AS tsquery)";

    /// <summary>Up to this many matches are sorted by UID from the GIN index; more, and the newest are found walking the UIDs backwards.</summary>
    internal const int FewWords = 1000;

    // PostgreSQL cannot tell how many rows a prefix tsquery matches (it guessed 640 of 32,000 for both a word in every
    // message and a word in none), so it walked the UIDs backwards for a word in none: every row, 175 ms at 32,000. So
    // both plans are written out: the first thousand-and-one matches from the GIN index; when that is all of them,
    // the page is those, sorted; otherwise the walk backwards (the test hidden from the index by IS TRUE), which stops
    // after a page because matches are dense.
    public override string IndexNewest(string table, string parameter, string? before, int limit)
    {
        var words = $"words @@ CAST({parameter} AS tsquery)";
        var below = before is null ? "" : " AND uid < " + before;
        return $"WITH few AS MATERIALIZED (SELECT uid FROM {table} WHERE {words}{below} LIMIT {FewWords + 1}) "
            + $"(SELECT uid FROM few WHERE (SELECT count(*) FROM few) <= {FewWords} ORDER BY uid DESC LIMIT {limit}) UNION ALL "
            + $"(SELECT uid FROM {table} WHERE ({words}) IS TRUE{below} AND (SELECT count(*) FROM few) > {FewWords} ORDER BY uid DESC LIMIT {limit})";
    }

    // The words in order, the last a prefix: 'alice' <-> 'example' <-> 'org':*. Words are letters and digits only.
    public override string TextQuery(IReadOnlyList<string> words) => PostgresText.Query(words);

    public override string AnyLike(IReadOnlyList<string> columns, string parameter, string value)
    {
        var exact = base.AnyLike(columns, parameter, value);
        // One column: the test per column is the indexed expression already.
        if (!_trigrams || columns.Count < 2 || value.Contains(PostgresSchema.Separator, StringComparison.Ordinal)) return exact;
        var names = columns.Select(c => c.StartsWith("m.", StringComparison.Ordinal) ? c[2..] : c).ToHashSet(StringComparer.Ordinal);
        var groups = PostgresSchema.TrigramIndexes.Where(g => g.Columns.Length > 1 && g.Columns.All(names.Contains)).ToList();
        if (groups.SelectMany(g => g.Columns).Distinct(StringComparer.Ordinal).Count() != names.Count) return exact;
        return string.Join(" OR ", groups.Select(g => Like("(" + PostgresSchema.Joined(g.Columns, "m.") + ")", parameter)));
    }
}
