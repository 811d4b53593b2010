using System.Text;
using Protocols.Servers.Mail.Sql;

namespace Protocols.Servers.Mail.Sqlite;

internal sealed class SqliteDialect : MailSqlDialect
{
    public static readonly SqliteDialect Instance = new();

    /// <summary>The trigram table of schema 4: the substring fields, case-folded, three characters a token.</summary>
    public const string SubstringTable = "substrings";

    /// <summary>Between the values of one column of <see cref="SubstringTable"/> (MAIL FROM and From, ...): a term holding it is
    /// compared with LIKE, so no match spans two values.</summary>
    public const char Separator = '\n';

    public override string Parameter(int index) => "@p" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // SQLite's LIKE is case-insensitive for ASCII.
    public override string Like(string column, string parameter) => $"{column} LIKE {parameter} ESCAPE '\\'";

    public override string TextMatch(string parameter) => InIndex("search", parameter);

    // One FTS5 phrase of the words, the last a prefix: "alice example org"*.
    public override string TextQuery(IReadOnlyList<string> words) => "\"" + string.Join(' ', words) + "\"*";

    public override string TextTable => "search";

    public override string InIndex(string table, string parameter) => $"m.uid IN (SELECT rowid FROM {table} WHERE {table} MATCH {parameter})";

    public override string IndexCount(string table, string parameter) => $"SELECT count(*) FROM {table} WHERE {table} MATCH {parameter}";

    // FTS5 walks its doclists in descending rowid order and stops at the limit.
    public override string IndexNewest(string table, string parameter, string? before, int limit) =>
        $"SELECT rowid FROM {table} WHERE {table} MATCH {parameter}{(before is null ? "" : " AND rowid < " + before)} ORDER BY rowid DESC LIMIT {limit}";

    /// <summary>Three characters or more: a phrase of the value's trigrams in the columns of the field (FTS5's trigram
    /// tokenizer folds case, so this matches what LIKE does, and beyond ASCII too). Shorter values have no trigram.</summary>
    public override (string Table, string Query)? Substring(MailSearchField field, string value)
    {
        if (value.Contains(Separator, StringComparison.Ordinal) || value.EnumerateRunes().Count() < 3) return null;
        var columns = field switch
        {
            MailSearchField.Subject => "subject",
            MailSearchField.From => "sender",
            MailSearchField.To => "recipients",
            MailSearchField.Addressed => "{sender recipients}",
            _ => null,
        };
        return columns is null ? null : (SubstringTable, columns + " : \"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"");
    }

    /// <summary>The <see cref="SubstringTable"/> values of a message: its subject, senders and recipients.</summary>
    public static (string Subject, string Sender, string Recipients) Substrings(string envelopeFrom, IReadOnlyList<string> envelopeTo, string? from,
        string? to, string? cc, string? subject)
    {
        var recipients = new StringBuilder(string.Join(Separator, envelopeTo)).Append(Separator).Append(to).Append(Separator).Append(cc);
        return (subject ?? "", envelopeFrom + Separator + from, recipients.ToString());
    }
}
