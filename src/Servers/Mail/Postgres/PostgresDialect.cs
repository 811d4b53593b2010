using Protocols.Servers.Mail.Sql;

namespace Protocols.Servers.Mail.Postgres;

internal sealed class PostgresDialect : MailSqlDialect
{
    public static readonly PostgresDialect Instance = new();

    public override string Parameter(int index) => "@p" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override string Like(string column, string parameter) => $"{column} ILIKE {parameter}";

    // The query is a tsquery literal built here from the same words the index holds (see PostgresText), so PostgreSQL
    // does not parse text with its locale on either side.
    public override string TextMatch(string parameter) => $"m.words @@ CAST({parameter} AS tsquery)";

    // The words in order, the last a prefix: 'alice' <-> 'example' <-> 'org':*. Words are letters and digits only.
    public override string TextQuery(IReadOnlyList<string> words) => PostgresText.Query(words);
}
