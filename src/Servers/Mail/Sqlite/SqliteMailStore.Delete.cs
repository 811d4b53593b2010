using System.Data.Common;
using Microsoft.Data.Sqlite;
using Protocols.Servers.Mail.Sql;

namespace Protocols.Servers.Mail.Sqlite;

/// <summary>
/// Deletes without a trigger (schema 7): the writer deletes what hangs on a message (its bytes, recipient views, index
/// rows, its share of the totals) by statement, a range for the oldest. With <c>--keep</c> every commit prunes as many
/// as it adds; the per-row trigger ran four statements for each of them (the totals' update among them), where a
/// range is one statement per table and the totals move once. Raw statements compiled once on the writer, as the
/// inserts are.
/// </summary>
public sealed partial class SqliteMailStore
{
    private SqliteStatement? _totals, _oldest, _pruneMessages, _pruneBodies, _pruneRecipients, _bodyGone, _recipientGone, _indexedUpTo,
        _rowGone, _totalsLess;

    private SqliteStatement[] DeleteStatements => [.. new[] { _totals, _oldest, _pruneMessages, _pruneBodies, _pruneRecipients, _bodyGone,
        _recipientGone, _indexedUpTo, _rowGone, _totalsLess }.OfType<SqliteStatement>()];

    private protected override string PrunedMessagesSql => "SELECT pruned_messages FROM mailboxes WHERE name = 'INBOX'";

    private protected override string PrunedBytesSql => "SELECT pruned_bytes FROM mailboxes WHERE name = 'INBOX'";

    private SqliteStatement Statement(ref SqliteStatement? statement, string sql) => statement ??= new SqliteStatement(_writer, sql);

    private protected override Task<(long Messages, long Bytes)> WriterTotalsAsync(DbConnection connection, DbTransaction transaction,
        CancellationToken cancellationToken)
    {
        var totals = Statement(ref _totals, "SELECT messages, bytes FROM mailboxes WHERE name = 'INBOX'");
        try
        {
            return Task.FromResult(totals.Next() ? (totals.Int64(0), totals.Int64(1)) : (0L, 0L));
        }
        finally
        {
            totals.Reset();
        }
    }

    private protected override Task<List<Gone>> OldestAsync(DbConnection connection, DbTransaction transaction, long bound, string rule, int limit,
        CancellationToken cancellationToken)
    {
        var oldest = Statement(ref _oldest, "SELECT uid, id, size, body_file, received_at, envelope_to FROM messages WHERE uid > ?1 ORDER BY uid LIMIT ?2");
        oldest.Bind(1, bound);
        oldest.Bind(2, limit);
        List<Gone> rows = [];
        try
        {
            while (oldest.Next()) rows.Add(new Gone(oldest.Int64(0), oldest.Text(1)!, oldest.Int64(2), oldest.Text(3), rule, oldest.Int64(4), oldest.Text(5)!));
        }
        finally
        {
            oldest.Reset();
        }
        return Task.FromResult(rows);
    }

    private protected override Task DeletePrunedAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<Gone> pruned,
        CancellationToken cancellationToken)
    {
        var last = pruned[^1].Uid;
        var indexed = IndexedUpTo();
        foreach (var p in pruned)
        {
            if (p.Uid <= indexed) RunWith(ref _rowGone, "DELETE FROM search WHERE rowid = ?1", p.Uid);
        }
        RunWith(ref _pruneBodies, "DELETE FROM bodies WHERE uid <= ?1", last);
        // Each recipient view's rows up to the last (its primary key's range): no index of recipients by UID to keep.
        HashSet<string>? views = null;
        foreach (var p in pruned)
        {
            foreach (var mailbox in Views(p.EnvelopeTo))
            {
                if (!(views ??= new(StringComparer.Ordinal)).Add(mailbox)) continue;
                var range = Statement(ref _pruneRecipients, "DELETE FROM recipients WHERE mailbox = ?1 AND uid <= ?2");
                range.Bind(1, mailbox);
                range.Bind(2, last);
                range.Run();
            }
        }
        RunWith(ref _pruneMessages, "DELETE FROM messages WHERE uid <= ?1", last);
        long bytes = 0;
        foreach (var p in pruned) bytes += p.Size;
        LessTotals(pruned.Count, bytes, pruned: true);
        return Task.CompletedTask;
    }

    /// <summary>The message rows are gone (a user's delete); their bytes, views, index rows and totals follow.</summary>
    private protected override Task DeletedAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<Gone> gone,
        CancellationToken cancellationToken)
    {
        var indexed = IndexedUpTo();
        long bytes = 0;
        foreach (var p in gone)
        {
            RunWith(ref _bodyGone, "DELETE FROM bodies WHERE uid = ?1", p.Uid);
            foreach (var mailbox in Views(p.EnvelopeTo))
            {
                var view = Statement(ref _recipientGone, "DELETE FROM recipients WHERE mailbox = ?1 AND uid = ?2");
                view.Bind(1, mailbox);
                view.Bind(2, p.Uid);
                view.Run();
            }
            if (p.Uid <= indexed) RunWith(ref _rowGone, "DELETE FROM search WHERE rowid = ?1", p.Uid);
            bytes += p.Size;
        }
        LessTotals(gone.Count, bytes, pruned: false);
        return Task.CompletedTask;
    }

    /// <summary>Index rows exist for the messages up to this UID (those above it have none yet: SqliteMailStore.Index.cs).</summary>
    private long IndexedUpTo() => Statement(ref _indexedUpTo, "SELECT value FROM meta WHERE key = 'indexed_up_to'").Run() ?? 0;

    /// <summary>The recipient views a message is in, as the insert named them (SqliteMailStore.Insert.cs).</summary>
    private static IEnumerable<string> Views(string envelopeTo)
    {
        foreach (var to in envelopeTo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var mailbox = MailIds.Mailbox(to);
            if (mailbox != MailQuery.Inbox) yield return mailbox;
        }
    }

    /// <summary>The totals in the INBOX row (schema 6) less what went, and for a prune the pruned counts (schema 7) more: one
    /// row, the page every commit writes anyway.</summary>
    private void LessTotals(long messages, long bytes, bool pruned)
    {
        var less = Statement(ref _totalsLess, "UPDATE mailboxes SET messages = messages - ?1, bytes = bytes - ?2, "
            + "pruned_messages = pruned_messages + ?3 * ?1, pruned_bytes = pruned_bytes + ?3 * ?2 WHERE name = 'INBOX'");
        less.Bind(1, messages);
        less.Bind(2, bytes);
        less.Bind(3, pruned ? 1 : 0);
        less.Run();
    }

    private void RunWith(ref SqliteStatement? statement, string sql, long value)
    {
        var run = Statement(ref statement, sql);
        run.Bind(1, value);
        run.Run();
    }
}
