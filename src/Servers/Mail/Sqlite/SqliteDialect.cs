using Protocols.Servers.Mail.Sql;

namespace Protocols.Servers.Mail.Sqlite;

internal sealed class SqliteDialect : MailSqlDialect
{
    public static readonly SqliteDialect Instance = new();

    public override string Parameter(int index) => "@p" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // SQLite's LIKE is case-insensitive for ASCII.
    public override string Like(string column, string parameter) => $"{column} LIKE {parameter} ESCAPE '\\'";

    public override string TextMatch(string parameter) => $"m.uid IN (SELECT rowid FROM search WHERE search MATCH {parameter})";

    // One FTS5 phrase of the words, the last a prefix: "alice example org"*.
    public override string TextQuery(IReadOnlyList<string> words) => "\"" + string.Join(' ', words) + "\"*";

    public override bool CountsText => true;

    public override string AllText(IReadOnlyList<string> queries) => string.Join(" AND ", queries);

    public override string TextCount(string parameter) => $"SELECT count(*) FROM search WHERE search MATCH {parameter}";

    // FTS5 walks its doclists in descending rowid order and stops at the limit.
    public override string TextNewest(string parameter, string? before, int limit) =>
        $"SELECT rowid FROM search WHERE search MATCH {parameter}{(before is null ? "" : " AND rowid < " + before)} ORDER BY rowid DESC LIMIT {limit}";
}
