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
}
