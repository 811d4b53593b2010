using Protocols.Servers.Mail.Sql;

namespace Protocols.Servers.Mail.Postgres;

internal sealed class PostgresDialect : MailSqlDialect
{
    public static readonly PostgresDialect Instance = new();

    public override string Parameter(int index) => "@p" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override string Like(string column, string parameter) => $"{column} ILIKE {parameter}";

    public override string TextMatch(string parameter) => $"m.words @@ to_tsquery('simple', {parameter})";

    // The words in order, the last a prefix: alice <-> example <-> org:*. Words are letters and digits only.
    public override string TextQuery(IReadOnlyList<string> words) => string.Join(" <-> ", words) + ":*";
}
