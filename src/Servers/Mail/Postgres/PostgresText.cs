using System.Text;
using Protocols.Servers.Mail.Sql;

namespace Protocols.Servers.Mail.Postgres;

/// <summary>
/// The full-text index of PostgreSQL as literals made here: a message's words (<see cref="MailSqlFilter.Words"/>:
/// letters and digits, lower-cased) become a <c>tsvector</c> with their positions, a search's words a <c>tsquery</c>.
/// <c>to_tsvector</c> on the server cost more than the rest of the insert (its parser and locale calls over up to
/// 64 KiB of text per message); the lexemes and positions are the ones it gave for these words.
/// </summary>
internal static class PostgresText
{
    /// <summary>PostgreSQL's limits: a position is at most 16383 (larger ones count as 16383), a lexeme keeps at most 256
    /// positions, and a lexeme over 2047 bytes is not indexed (to_tsvector leaves it out too).</summary>
    internal const int MaxPosition = 16383, MaxPositions = 256, MaxLexemeBytes = 2047;

    /// <summary><c>'alice':1,4 'example':2 'org':3</c>.</summary>
    public static string Vector(IReadOnlyList<string> words)
    {
        var positions = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (Encoding.UTF8.GetByteCount(word) > MaxLexemeBytes) continue;
            if (!positions.TryGetValue(word, out var list))
            {
                positions.Add(word, list = []);
                order.Add(word);
            }
            var position = Math.Min(i + 1, MaxPosition);
            if (list.Count < MaxPositions && (list.Count == 0 || list[^1] != position)) list.Add(position);
        }
        var text = new StringBuilder();
        foreach (var word in order)
        {
            if (text.Length > 0) text.Append(' ');
            text.Append('\'').Append(word).Append("':").AppendJoin(',', positions[word]);
        }
        return text.ToString();
    }

    /// <summary>The words in order, the last one a prefix: <c>'alice' &lt;-&gt; 'example' &lt;-&gt; 'org':*</c>.</summary>
    public static string Query(IReadOnlyList<string> words) => string.Join(" <-> ", words.Select(w => "'" + w + "'")) + ":*";
}
