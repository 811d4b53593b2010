using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Protocols.Servers.Mail.Sql;

namespace Protocols.Servers.Mail.Sqlite;

/// <summary>
/// The full-text index follows the commits instead of riding in them: a commit (what the 250 waits for) writes the
/// summary row, the bytes and the counters; the FTS5 rows follow in a transaction of their own for many commits at
/// once (every <see cref="IndexBatch"/> messages under load, or 200 ms after the last commit), which
/// writes one FTS5 segment where each commit wrote one. <c>meta.indexed_up_to</c> (in the same transaction as the
/// rows) says up to which UID the index is complete; at start the messages above it are indexed again from their
/// bytes (a crash in between). A search with free-text terms first indexes what is pending, so every acknowledged
/// message is found at once.
/// </summary>
public sealed partial class SqliteMailStore
{
    /// <summary>Index as soon as this many messages are pending (under load: one FTS5 segment per this many).</summary>
    internal const int IndexBatch = 256;

    /// <summary>Or this much text (chars) is pending.</summary>
    private const long IndexBatchChars = 4L * 1024 * 1024;

    /// <summary>The bound on what waits in memory when index transactions keep failing: past it, appends are refused
    /// (the SMTP session answers 451) rather than acknowledged unfindable.</summary>
    internal const int MaxPendingIndex = 8 * IndexBatch;

    private const long MaxPendingChars = 8 * IndexBatchChars;

    /// <summary>Throws when <see cref="MaxPendingIndex"/> messages (or their text) wait for index rows that cannot be written.</summary>
    private void CheckIndexKeepsUp()
    {
        int count;
        long chars;
        lock (_pendingGate) (count, chars) = (_pending.Count + _inFlight, _pendingChars + _inFlightChars);
        if (count >= MaxPendingIndex || chars >= MaxPendingChars)
            throw new MailStoreException($"the mail store cannot index for search: {count} messages wait for their index rows");
    }

    private const string IndexSql = """
        INSERT INTO search(rowid, subject, addresses, body) SELECT ?1, ?2, ?3, ?4
        WHERE EXISTS(SELECT 1 FROM messages WHERE uid = ?1)
        """;

    /// <summary>Compiled once on the writer (closed before it).</summary>
    private SqliteStatement? _index;

    private const string WatermarkSql = "UPDATE meta SET value = @uid WHERE key = 'indexed_up_to'";

    private sealed record ToIndex(long Uid, string Subject, string Addresses, string Body);

    private readonly Lock _pendingGate = new();
    private List<ToIndex> _pending = [];
    private long _pendingChars;
    private bool _indexing;
    private int _inFlight; // messages in the index transaction under way (taken out of _pending, not yet written)
    private long _inFlightChars;
    private Timer? _indexTimer;
    private Task _idleIndex = Task.CompletedTask;
    private bool _closing;
    private long _indexCommits;

    /// <summary>Index transactions run so far (each carries every message pending).</summary>
    internal long IndexCommits => Interlocked.Read(ref _indexCommits);

    /// <summary>Messages committed whose index rows are not written yet.</summary>
    internal int PendingIndex
    {
        get
        {
            lock (_pendingGate) return _pending.Count + _inFlight;
        }
    }

    private protected override void Committed(IReadOnlyList<Prepared> batch, IReadOnlyList<MailSummary?> stored)
    {
        lock (_pendingGate)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (stored[i] is not { } summary) continue;
                var digest = batch[i].Digest;
                _pending.Add(new ToIndex(summary.Uid, digest.Subject ?? "", digest.Addresses, digest.Text));
                _pendingChars += digest.Text.Length + digest.Addresses.Length;
            }
            if (_closing) return;
            _indexTimer ??= new Timer(_ => OnQuiet(), null, Timeout.Infinite, Timeout.Infinite);
            _indexTimer.Change(_options.IndexDelay, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Pruned before their index rows were written: they need none (with <c>--keep</c> under load the pending
    /// rows are those of the kept messages only, so a --keep below <see cref="IndexBatch"/> writes no index rows while the
    /// messages keep coming; the idle moment or a free-text search writes the kept ones).</summary>
    private protected override void PrunedUpTo(long uid)
    {
        lock (_pendingGate)
        {
            var gone = 0;
            long chars = 0;
            while (gone < _pending.Count && _pending[gone].Uid <= uid)
            {
                chars += _pending[gone].Body.Length + _pending[gone].Addresses.Length;
                gone++;
            }
            if (gone == 0) return;
            _pending.RemoveRange(0, gone);
            _pendingChars -= chars;
        }
    }

    private protected override async Task AfterCommitsAsync()
    {
        bool full;
        lock (_pendingGate) full = _pending.Count >= IndexBatch || _pendingChars >= IndexBatchChars;
        if (full) await TryIndexAsync().ConfigureAwait(false);
    }

    private void OnQuiet()
    {
        lock (_pendingGate)
        {
            if (_closing) return;
            _idleIndex = Task.Run(TryIndexAsync);
        }
    }

    /// <summary>Indexes what is pending; a failure is logged and the messages stay pending (the next try, a search, or
    /// the next start indexes them).</summary>
    private async Task TryIndexAsync()
    {
        try
        {
            await IndexPendingAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MailStoreException or ObjectDisposedException)
        {
            LogIndexFailed(Logger, e.Message);
        }
    }

    private protected override async ValueTask BeforeTextSearchAsync(CancellationToken cancellationToken)
    {
        lock (_pendingGate)
        {
            // Nothing pending and no index transaction under way (its rows may not be committed yet: wait for it).
            if (_pending.Count == 0 && !_indexing) return;
        }
        // The index is written synchronously: off a socket thread first, as the reads are.
        if (!Thread.CurrentThread.IsThreadPoolThread) await Task.Yield();
        await IndexPendingAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the index rows of every message pending in one transaction (flushed with the next commit: the
    /// rows can be made again from the bytes, so this commit alone need not reach the disk).</summary>
    private async Task IndexPendingAsync(CancellationToken cancellationToken)
    {
        await WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        List<ToIndex> batch;
        try
        {
            lock (_pendingGate)
            {
                batch = _pending;
                (_inFlight, _inFlightChars) = (batch.Count, _pendingChars);
                _pending = [];
                _pendingChars = 0;
                _indexing = batch.Count > 0;
            }
            if (batch.Count == 0) return;
            try
            {
                await IndexRowsAsync(batch, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _indexCommits);
            }
            catch (Exception e) when (e is SqliteException or OperationCanceledException)
            {
                lock (_pendingGate)
                {
                    batch.AddRange(_pending);
                    _pending = batch;
                    (_inFlight, _inFlightChars) = (0, 0);
                    _pendingChars = batch.Sum(b => (long)b.Body.Length + b.Addresses.Length);
                }
                if (e is OperationCanceledException) throw;
                throw new MailStoreException("the mail store could not index: " + e.Message.Replace('\n', ' '), e);
            }
        }
        finally
        {
            lock (_pendingGate) (_indexing, _inFlight, _inFlightChars) = (false, 0, 0);
            WriteGate.Release();
        }
    }

    /// <summary>One transaction on the writer (under the write gate): the rows, then the watermark.</summary>
    private async Task IndexRowsAsync(IReadOnlyList<ToIndex> rows, CancellationToken cancellationToken)
    {
        if (_options.Durable) await ExecuteAsync(_writer, "PRAGMA synchronous = NORMAL", null, cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await _writer.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var insert = _index ??= new SqliteStatement(_writer, IndexSql);
                foreach (var row in rows)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    insert.Bind(1, row.Uid);
                    insert.Bind(2, row.Subject);
                    insert.Bind(3, row.Addresses);
                    insert.Bind(4, row.Body);
                    insert.Run();
                }
                var mark = WriterCommand(_writer, transaction, WatermarkSql);
                Set(mark, "@uid", rows[^1].Uid);
                await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            if (_options.Durable) await ExecuteAsync(_writer, "PRAGMA synchronous = FULL", null, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private protected override async Task BeforeCloseAsync()
    {
        Task idle;
        lock (_pendingGate)
        {
            _closing = true;
            idle = _idleIndex;
        }
        if (_indexTimer is not null) await _indexTimer.DisposeAsync().ConfigureAwait(false);
        await idle.ConfigureAwait(false);
        await TryIndexAsync().ConfigureAwait(false);
    }

    /// <summary>At start: the messages committed after the last index transaction (a crash or kill in between) are
    /// indexed again from their bytes.</summary>
    private async Task IndexTailAsync(CancellationToken cancellationToken)
    {
        var from = await ScalarAsync(_writer, "SELECT value FROM meta WHERE key = 'indexed_up_to'", null, cancellationToken).ConfigureAwait(false);
        var rows = new List<ToIndex>();
        var command = Command(_writer, "SELECT uid, envelope_from, envelope_to, body_file FROM messages WHERE uid > @p0 ORDER BY uid", null, from);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var uid = reader.GetInt64(0);
                    var to = reader.GetString(2).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                    var digest = await DigestAsync(uid, reader.GetString(1), to, reader.IsDBNull(3) ? null : reader.GetString(3), cancellationToken)
                        .ConfigureAwait(false);
                    rows.Add(new ToIndex(uid, digest.Subject ?? "", digest.Addresses, digest.Text));
                }
            }
        }
        if (rows.Count == 0) return;
        await WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await IndexRowsAsync(rows, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            WriteGate.Release();
        }
        LogReindexed(Logger, rows.Count);
    }

    /// <summary>The digest of a stored message, from its file or its bytes in the bodies table.</summary>
    private async Task<MailDigest> DigestAsync(long uid, string from, string[] to, string? file, CancellationToken cancellationToken)
    {
        if (file is not null && FilesDirectory is { } directory && File.Exists(Path.Combine(directory, file)))
        {
            var path = Path.Combine(directory, file);
            return MailDigest.Create(Smtp.MessageContent.FromSpool(path, new FileInfo(path).Length), from, to);
        }
        byte[] raw;
        using (var blob = new SqliteBlob(_writer, "bodies", "raw", uid, readOnly: true))
        {
            raw = new byte[blob.Length];
            await blob.ReadExactlyAsync(raw, cancellationToken).ConfigureAwait(false);
        }
        return MailDigest.Create(raw, from, to);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "store: indexing for search failed (retried later): {Reason}")]
    private static partial void LogIndexFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "store: indexed {Messages} messages for search that the last run left unindexed")]
    private static partial void LogReindexed(ILogger logger, int messages);
}
