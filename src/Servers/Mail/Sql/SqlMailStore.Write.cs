using System.Data.Common;

namespace Protocols.Servers.Mail.Sql;

public abstract partial class SqlMailStore
{
    private protected sealed record Gone(long Uid, string Id, long Size, string? File, string Rule, long ReceivedAt = 0, string EnvelopeTo = "");

    /// <summary>Retention, inside the commit that added messages: the oldest (by UID, the order of arrival) go first until
    /// every limit holds, so what goes is always every row up to one UID. Every statement is one of the writer's,
    /// compiled once (with --keep every commit prunes).</summary>
    private async Task<List<Gone>> PruneAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        List<Gone> pruned = [];
        if (Retention.IsNone) return pruned;
        long after = 0;
        if (Retention.MaxAge is { } maxAge)
        {
            // From the oldest UID while they are older than the bound: no index on the time, one short look-up a commit.
            var cut = DateTimeOffset.UtcNow.Subtract(maxAge).ToUnixTimeMilliseconds();
            while (pruned.Count < 100_000)
            {
                var chunk = await OldestAsync(connection, transaction, after, "--max-age", 500, cancellationToken).ConfigureAwait(false);
                var old = chunk.TakeWhile(p => p.ReceivedAt < cut).ToList();
                pruned.AddRange(old);
                if (old.Count == 0) break;
                after = old[^1].Uid;
                if (old.Count < chunk.Count || chunk.Count < 500) break;
            }
        }
        if (Retention.Keep is not null || Retention.MaxBytes is not null)
        {
            var (count, bytes) = await WriterTotalsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            count -= pruned.Count;
            bytes -= pruned.Sum(p => p.Size);
            var keep = Retention.Keep ?? long.MaxValue;
            var maxBytes = Retention.MaxBytes ?? long.MaxValue;
            while (count > keep || bytes > maxBytes)
            {
                // A --keep prune alone asks for as many as the count says must go: one short look-up per commit.
                var want = Retention.MaxBytes is null ? (int)Math.Clamp(count - keep, 1, 500) : 500;
                var chunk = await OldestAsync(connection, transaction, after, "", want, cancellationToken).ConfigureAwait(false);
                if (chunk.Count == 0) break;
                foreach (var p in chunk)
                {
                    if (count <= keep && bytes <= maxBytes) break;
                    pruned.Add(p with { Rule = count > keep ? "--keep" : "--max-store-bytes" });
                    count--;
                    bytes -= p.Size;
                    after = p.Uid;
                }
            }
        }
        if (pruned.Count == 0) return pruned;
        await DeletePrunedAsync(connection, transaction, pruned, cancellationToken).ConfigureAwait(false);
        return pruned;
    }

    /// <summary>Deletes <paramref name="pruned"/>, the oldest messages (every row up to the last one's UID), with what hangs
    /// on them, and counts them in the pruned totals.</summary>
    private protected virtual async Task DeletePrunedAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<Gone> pruned,
        CancellationToken cancellationToken)
    {
        var range = WriterCommand(connection, transaction, "DELETE FROM messages WHERE uid <= @uid");
        Set(range, "@uid", pruned[^1].Uid);
        await range.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        var counters = WriterCommand(connection, transaction,
            "UPDATE meta SET value = value + CASE key WHEN 'pruned_messages' THEN @messages ELSE @bytes END WHERE key IN ('pruned_messages', 'pruned_bytes')");
        Set(counters, "@messages", (long)pruned.Count);
        Set(counters, "@bytes", pruned.Sum(p => p.Size));
        await counters.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After a user's delete of the rows of <paramref name="gone"/> in this transaction: what hangs on them goes
    /// too (the bodies, recipient views, index rows and totals), unless the engine's delete trigger did it.</summary>
    private protected virtual Task DeletedAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<Gone> gone,
        CancellationToken cancellationToken) => Task.CompletedTask;

    private const string AfterSql = "SELECT uid, id, size, body_file, received_at FROM messages WHERE uid > @bound ORDER BY uid LIMIT @limit";

    private protected virtual async Task<(long Messages, long Bytes)> WriterTotalsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var command = WriterCommand(connection, transaction, "SELECT messages, bytes FROM totals");
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return (0, 0);
            return (reader.GetInt64(0), reader.GetInt64(1));
        }
    }

    /// <summary>Up to <paramref name="limit"/> messages after UID <paramref name="bound"/>, oldest first.</summary>
    private protected virtual async Task<List<Gone>> OldestAsync(DbConnection connection, DbTransaction transaction, long bound, string rule, int limit,
        CancellationToken cancellationToken)
    {
        var command = WriterCommand(connection, transaction, AfterSql);
        Set(command, "@bound", bound);
        Set(command, "@limit", limit);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            List<Gone> rows = [];
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                rows.Add(new Gone(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3), rule,
                    reader.GetInt64(4)));
            return rows;
        }
    }

    /// <summary>After the commit: the files of pruned messages go, the log says so, readers hear of it.</summary>
    private void AfterPrune(List<Gone> pruned)
    {
        if (pruned.Count == 0) return;
        PrunedUpTo(pruned[^1].Uid);
        foreach (var p in pruned)
        {
            if (p.File is not null) DeleteFile(p.File);
        }
        foreach (var group in pruned.GroupBy(p => p.Rule)) _pruneLog.Add(group.Key, group.Count(), group.Sum(p => p.Size));
        foreach (var p in pruned) Raise(new MailChange(MailChangeKind.Pruned, p.Id, p.Uid));
    }

    /// <summary>After a commit that pruned every message up to <paramref name="uid"/> (retention takes the oldest).</summary>
    private protected virtual void PrunedUpTo(long uid)
    {
    }

    private async Task PruneByAgeAsync()
    {
        if (IsDisposed) return;
        var pruned = new List<Gone>();
        try
        {
            await WriteAsync(async (connection, transaction, ct) =>
            {
                pruned = await PruneAsync(connection, transaction, ct).ConfigureAwait(false);
                return pruned.Select(p => new MailChange(MailChangeKind.Pruned, p.Id, p.Uid)).ToList();
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbException or ObjectDisposedException or InvalidOperationException or MailStoreException)
        {
            LogPruneFailed(Logger, e.Message);
            return;
        }
        AfterPrune(pruned);
    }

    /// <summary>Runs one write transaction through the write gate; <paramref name="work"/> returns the changes it made (notified to other instances).
    /// <paramref name="what"/> names the step in the error; the append batch commits what was acknowledged-pending even while the store is being disposed.</summary>
    private async Task WriteAsync(Func<DbConnection, DbTransaction, CancellationToken, Task<List<MailChange>>> work, CancellationToken cancellationToken,
        string what = "write", bool whileDisposing = false)
    {
        if (!whileDisposing) ObjectDisposedException.ThrowIf(IsDisposed, this);
        await WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await RentWriterAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var changes = await work(connection, transaction, cancellationToken).ConfigureAwait(false);
                    if (changes.Count > 0) await NotifyAsync(connection, transaction, changes, cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            finally
            {
                await ReturnWriterAsync(connection).ConfigureAwait(false);
            }
        }
        catch (DbException e)
        {
            throw new MailStoreException($"the mail store could not {what}: " + e.Message.Replace('\n', ' '), e);
        }
        finally
        {
            WriteGate.Release();
        }
    }

    public async ValueTask<MailSummary?> SetFlagsAsync(string id, MailFlagChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(change);
        MailSummary? before = null;
        MailSummary? after = null;
        await WriteAsync(async (connection, transaction, ct) =>
        {
            before = await SummaryByIdAsync(connection, transaction, id, ct).ConfigureAwait(false);
            if (before is null) return [];
            var flags = (before.Flags & ~change.Remove) | change.Add;
            var keywords = MailKeywords.Apply(before.Keywords, change);
            if (flags == before.Flags && keywords.SequenceEqual(before.Keywords, StringComparer.Ordinal)) return [];
            await ExecuteAsync(connection, "UPDATE messages SET flags = @p0, keywords = @p1 WHERE uid = @p2", transaction, ct,
                (int)flags, string.Join(' ', keywords), before.Uid).ConfigureAwait(false);
            after = before with { Flags = flags, Keywords = keywords };
            return [new MailChange(MailChangeKind.FlagsChanged, after.Id, after.Uid, after)];
        }, cancellationToken).ConfigureAwait(false);
        if (after is null) return before;
        Raise(new MailChange(MailChangeKind.FlagsChanged, after.Id, after.Uid, after));
        return after;
    }

    public async ValueTask<int> DeleteAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        List<Gone> gone = [];
        await WriteAsync(async (connection, transaction, ct) =>
        {
            var command = Command(connection, "DELETE FROM messages WHERE id = @p0 RETURNING uid, size, body_file, envelope_to", transaction, "");
            await using (command.ConfigureAwait(false))
            {
                foreach (var id in ids.Distinct(StringComparer.Ordinal))
                {
                    command.Parameters[0].Value = id;
                    var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        if (await reader.ReadAsync(ct).ConfigureAwait(false))
                            gone.Add(new Gone(reader.GetInt64(0), id, reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2), "",
                                EnvelopeTo: reader.GetString(3)));
                    }
                }
            }
            if (gone.Count > 0) await DeletedAsync(connection, transaction, gone, ct).ConfigureAwait(false);
            return gone.Select(p => new MailChange(MailChangeKind.Deleted, p.Id, p.Uid)).ToList();
        }, cancellationToken).ConfigureAwait(false);
        foreach (var p in gone)
        {
            if (p.File is not null) DeleteFile(p.File);
            Raise(new MailChange(MailChangeKind.Deleted, p.Id, p.Uid));
        }
        return gone.Count;
    }

    public async ValueTask ClearAsync(CancellationToken cancellationToken = default)
    {
        List<string> files = [];
        await WriteAsync(async (connection, transaction, ct) =>
        {
            // Only the files of committed rows: a message being appended meanwhile keeps its file.
            var command = Command(connection, "SELECT body_file FROM messages WHERE body_file IS NOT NULL", transaction);
            await using (command.ConfigureAwait(false))
            {
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false)) files.Add(reader.GetString(0));
                }
            }
            await ExecuteAsync(connection, ClearSql, transaction, ct).ConfigureAwait(false);
            return [new MailChange(MailChangeKind.Cleared)];
        }, cancellationToken).ConfigureAwait(false);
        foreach (var file in files) DeleteFile(file);
        Raise(new MailChange(MailChangeKind.Cleared));
    }
}
