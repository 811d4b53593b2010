using System.Data.Common;

namespace Protocols.Servers.Mail.Sql;

public abstract partial class SqlMailStore
{
    private static MailSummary ReadSummary(DbDataReader r) => new(
        r.GetString(1), r.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)), r.GetString(3),
        r.GetString(4) is { Length: > 0 } to ? to.Split('\n') : [],
        Text(r, 5), Text(r, 6), Text(r, 7), Text(r, 8), Text(r, 9),
        r.GetInt64(10), Convert.ToInt64(r.GetValue(11), System.Globalization.CultureInfo.InvariantCulture) != 0, r.GetInt32(12), (MailFlags)r.GetInt32(13),
        MailKeywords.Split(r.GetString(14)));

    private static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static async Task<List<MailSummary>> SummariesAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            List<MailSummary> list = [];
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) list.Add(ReadSummary(reader));
            return list;
        }
    }

    private static async Task<(long Messages, long Bytes)> TotalsAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var command = Command(connection, "SELECT messages, bytes FROM totals", transaction);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return (0, 0);
                return (reader.GetInt64(0), reader.GetInt64(1));
            }
        }
    }

    /// <summary>Runs a read on a pooled connection; engine errors become <see cref="MailStoreException"/>.</summary>
    private async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> read, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        // The engines' reads run synchronously. Called on a socket thread (`proto serve` runs its sockets as an event
        // loop: Hosting/SocketEngine), a long search would stall every connection, so it moves to the thread pool.
        if (!Thread.CurrentThread.IsThreadPoolThread) await Task.Yield();
        try
        {
            var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false)) return await read(connection).ConfigureAwait(false);
        }
        catch (DbException e)
        {
            throw new MailStoreException("the mail store could not read: " + e.Message.Replace('\n', ' '), e);
        }
    }

    public async ValueTask<MailPage> ListAsync(MailQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, MailQuery.MaxLimit);
        var terms = MailSearch.Parse(query.Search);
        if (terms.Any(t => t.Field == MailSearchField.Text)) await BeforeTextSearchAsync(cancellationToken).ConfigureAwait(false);
        var filter = MailSqlFilter.Build(terms, Dialect);
        var before = MailCursor.Parse(query.Cursor);
        var mailbox = MailIds.Mailbox(query.Mailbox);
        var from = "messages m";
        if (mailbox != MailQuery.Inbox) from += " JOIN recipients r ON r.uid = m.uid AND r.mailbox = " + filter.Add(mailbox);
        var matchWhere = filter.Where;
        var matchValues = filter.Values.ToArray();
        var where = before is null ? matchWhere : matchWhere + " AND m.uid < " + filter.Add(before.Value);
        if (mailbox == MailQuery.Inbox && filter.Index is { } index) return await ListIndexedAsync(index.Table, index.Query, before, limit, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(async connection =>
        {
            var total = mailbox == MailQuery.Inbox
                ? (await TotalsAsync(connection, null, cancellationToken).ConfigureAwait(false)).Messages
                : await ScalarAsync(connection, "SELECT count(*) FROM recipients WHERE mailbox = @p0", null, cancellationToken, mailbox).ConfigureAwait(false);
            if (!filter.IsEmpty)
            {
                // One scan for the UIDs of the first few matches: when those are all, they are the count and the page.
                var few = await UidsAsync(connection, $"SELECT m.uid FROM {from} WHERE {matchWhere} LIMIT {FewMatches + 1}", matchValues, cancellationToken)
                    .ConfigureAwait(false);
                if (few.Count <= FewMatches) return await PageOfAsync(connection, few, before, limit, total, cancellationToken).ConfigureAwait(false);
            }
            var matched = filter.IsEmpty
                ? total
                : await ScalarAsync(connection, $"SELECT count(*) FROM {from} WHERE {matchWhere}", null, cancellationToken, matchValues).ConfigureAwait(false);
            // Newest first, walking the table backwards, stops after a page when matches are dense; when they are fewer
            // (under a tenth), that walk reads nearly every row, so find the matching UIDs first (SQLite scans its
            // covering index of the substring columns for that) and read only those rows.
            var sparse = !filter.IsEmpty && matched * 10 < total;
            var sql = sparse
                ? $"SELECT {Columns} FROM messages m WHERE m.uid IN (SELECT m.uid FROM {from} WHERE {where}) ORDER BY m.uid DESC LIMIT {limit + 1}"
                : $"SELECT {Columns} FROM {from} WHERE {where} ORDER BY m.uid DESC LIMIT {limit + 1}";
            List<MailSummary> page;
            var select = Command(connection, sql, null, [.. filter.Values]);
            await using (select.ConfigureAwait(false)) page = await SummariesAsync(select, cancellationToken).ConfigureAwait(false);
            return Page(page, limit, matched, total);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Up to this many matches are found by UID in one scan (count and page together); more are counted, then paged.</summary>
    internal const int FewMatches = 1000;

    private static async Task<List<long>> UidsAsync(DbConnection connection, string sql, object?[] values, CancellationToken cancellationToken)
    {
        var command = Command(connection, sql, null, values);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                List<long> uids = [];
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) uids.Add(reader.GetInt64(0));
                return uids;
            }
        }
    }

    /// <summary>The page below <paramref name="before"/> of every match, given as their UIDs.</summary>
    private static async Task<MailPage> PageOfAsync(DbConnection connection, List<long> matches, long? before, int limit, long total,
        CancellationToken cancellationToken)
    {
        var uids = matches.Where(u => before is null || u < before).OrderDescending().Take(limit + 1).ToList();
        if (uids.Count == 0) return new MailPage([], matches.Count, total, null);
        var select = Command(connection, $"SELECT {Columns} FROM messages m WHERE m.uid IN ({string.Join(',', uids.Select(Invariant))}) ORDER BY m.uid DESC");
        await using (select.ConfigureAwait(false)) return Page(await SummariesAsync(select, cancellationToken).ConfigureAwait(false), limit, matches.Count, total);
    }

    /// <summary>The page of <paramref name="limit"/> from <paramref name="rows"/> (read one more than the limit, to know whether a next page exists).</summary>
    private static MailPage Page(List<MailSummary> rows, int limit, long matched, long total)
    {
        if (rows.Count <= limit) return new MailPage(rows, matched, total, null);
        rows.RemoveAt(limit);
        return new MailPage(rows, matched, total, MailCursor.Format(rows[^1].Uid));
    }

    /// <summary>A search of only full-text terms (one table): counted in the index, and the page is the index's newest
    /// matches, so neither reads the summary rows beyond the page's.</summary>
    private async Task<MailPage> ListIndexedAsync(string table, string query, long? before, int limit, CancellationToken cancellationToken) =>
        await ReadAsync(async connection =>
        {
            var total = (await TotalsAsync(connection, null, cancellationToken).ConfigureAwait(false)).Messages;
            var matched = await ScalarAsync(connection, Dialect.IndexCount(table, Dialect.Parameter(0)), null, cancellationToken, query).ConfigureAwait(false);
            var newest = Dialect.IndexNewest(table, Dialect.Parameter(0), before is null ? null : Dialect.Parameter(1), limit + 1);
            var select = Command(connection, $"SELECT {Columns} FROM messages m WHERE m.uid IN ({newest}) ORDER BY m.uid DESC LIMIT {limit + 1}", null,
                before is null ? [query] : [query, before.Value]);
            List<MailSummary> page;
            await using (select.ConfigureAwait(false)) page = await SummariesAsync(select, cancellationToken).ConfigureAwait(false);
            return Page(page, limit, matched, total);
        }, cancellationToken).ConfigureAwait(false);

    private static async Task<MailSummary?> SummaryByIdAsync(DbConnection connection, DbTransaction? transaction, string id, CancellationToken cancellationToken)
    {
        var command = Command(connection, $"SELECT {Columns} FROM messages m WHERE m.id = @p0", transaction, id);
        await using (command.ConfigureAwait(false))
        {
            var list = await SummariesAsync(command, cancellationToken).ConfigureAwait(false);
            return list.Count == 0 ? null : list[0];
        }
    }

    /// <summary>One summary by UID (for changes another instance made).</summary>
    private protected Task<MailSummary?> SummaryByUidAsync(long uid, CancellationToken cancellationToken) => ReadAsync(async connection =>
    {
        var command = Command(connection, $"SELECT {Columns} FROM messages m WHERE m.uid = @p0", null, uid);
        await using (command.ConfigureAwait(false))
        {
            var list = await SummariesAsync(command, cancellationToken).ConfigureAwait(false);
            return list.Count == 0 ? null : list[0];
        }
    }, cancellationToken);

    public async ValueTask<StoredMail?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return await ReadAsync(async connection =>
        {
            var command = Command(connection, $"SELECT {Columns}, m.client_address, m.helo, m.tls, m.auth_user, m.transcript FROM messages m WHERE m.id = @p0", null, id);
            await using (command.ConfigureAwait(false))
            {
                var r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (r.ConfigureAwait(false))
                {
                    if (!await r.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
                    return new StoredMail(ReadSummary(r), new MailSessionFacts(Text(r, 15), Text(r, 16),
                        Convert.ToInt64(r.GetValue(17), System.Globalization.CultureInfo.InvariantCulture) != 0, Text(r, 18), Text(r, 19)));
                }
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<Stream?> OpenRawAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        DbConnection? connection = null;
        try
        {
            connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
            long uid;
            string? file;
            var command = Command(connection, "SELECT uid, body_file FROM messages WHERE id = @p0", null, id);
            await using (command.ConfigureAwait(false))
            {
                var r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (r.ConfigureAwait(false))
                {
                    if (!await r.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        await connection.DisposeAsync().ConfigureAwait(false);
                        return null;
                    }
                    uid = r.GetInt64(0);
                    file = Text(r, 1);
                }
            }
            if (file is null)
            {
                var body = await OpenBodyAsync(connection, uid, cancellationToken).ConfigureAwait(false);
                if (body is null) await connection.DisposeAsync().ConfigureAwait(false);
                return body;
            }
            await connection.DisposeAsync().ConfigureAwait(false);
            try
            {
                return new FileStream(Path.Combine(FilesDirectory!, file), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024,
                    FileOptions.Asynchronous | FileOptions.SequentialScan);
            }
            catch (FileNotFoundException)
            {
                return null; // deleted meanwhile
            }
        }
        catch (DbException e)
        {
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            throw new MailStoreException("the mail store could not read: " + e.Message.Replace('\n', ' '), e);
        }
    }

    /// <summary>The count and bytes pruned so far (each one value).</summary>
    private protected virtual string PrunedMessagesSql => "SELECT value FROM meta WHERE key = 'pruned_messages'";

    private protected virtual string PrunedBytesSql => "SELECT value FROM meta WHERE key = 'pruned_bytes'";

    public async ValueTask<MailStoreStats> GetStatsAsync(CancellationToken cancellationToken = default) => await ReadAsync(async connection =>
    {
        var (messages, bytes) = await TotalsAsync(connection, null, cancellationToken).ConfigureAwait(false);
        var prunedMessages = await ScalarAsync(connection, PrunedMessagesSql, null, cancellationToken).ConfigureAwait(false);
        var prunedBytes = await ScalarAsync(connection, PrunedBytesSql, null, cancellationToken).ConfigureAwait(false);
        return new MailStoreStats(messages, bytes, prunedMessages, prunedBytes);
    }, cancellationToken).ConfigureAwait(false);

    public async ValueTask<IReadOnlyList<string>> ListMailboxesAsync(CancellationToken cancellationToken = default) => await ReadAsync(async connection =>
    {
        var command = Command(connection, "SELECT name FROM mailboxes WHERE name <> 'INBOX' ORDER BY name");
        await using (command.ConfigureAwait(false))
        {
            var r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (r.ConfigureAwait(false))
            {
                List<string> names = [MailQuery.Inbox];
                while (await r.ReadAsync(cancellationToken).ConfigureAwait(false)) names.Add(r.GetString(0));
                return (IReadOnlyList<string>)names;
            }
        }
    }, cancellationToken).ConfigureAwait(false);

    public async ValueTask<MailboxStatus?> GetMailboxAsync(string mailbox, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        var name = MailIds.Mailbox(mailbox);
        var sql = name == MailQuery.Inbox
            ? "SELECT uidnext, (SELECT messages FROM totals), (SELECT count(*) FROM messages WHERE (flags & 1) = 0) FROM mailboxes WHERE name = @p0"
            : "SELECT uidnext, (SELECT count(*) FROM recipients WHERE mailbox = @p0), "
              + "(SELECT count(*) FROM recipients r JOIN messages m ON m.uid = r.uid WHERE r.mailbox = @p0 AND (m.flags & 1) = 0) FROM mailboxes WHERE name = @p0";
        return await ReadAsync(async connection =>
        {
            var command = Command(connection, sql, null, name);
            await using (command.ConfigureAwait(false))
            {
                var r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (r.ConfigureAwait(false))
                {
                    if (!await r.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
                    return new MailboxStatus(name, UidValidity, r.GetInt64(0), r.GetInt64(1), r.GetInt64(2));
                }
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<MailSummary>> ListByUidAsync(string mailbox, long afterUid, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        var name = MailIds.Mailbox(mailbox);
        var count = Math.Clamp(limit, 1, MailQuery.MaxLimit);
        var (sql, values) = name == MailQuery.Inbox
            ? ($"SELECT {Columns} FROM messages m WHERE m.uid > @p0 ORDER BY m.uid LIMIT {count}", new object[] { afterUid })
            : ($"SELECT {Columns} FROM recipients r JOIN messages m ON m.uid = r.uid WHERE r.mailbox = @p1 AND r.uid > @p0 ORDER BY r.uid LIMIT {count}",
                new object[] { afterUid, name });
        return await ReadAsync(async connection =>
        {
            var command = Command(connection, sql, null, values);
            await using (command.ConfigureAwait(false)) return (IReadOnlyList<MailSummary>)await SummariesAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }
}
