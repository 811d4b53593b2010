using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace Protocols.Servers.Mail.Sql;

/// <summary>
/// What the SQLite and PostgreSQL stores share: the tables (same names and columns in both), the group commit, the
/// queries, flags, deletes and retention. An engine supplies its connections, how bytes go in and out, how words
/// are indexed, and its dialect.
/// </summary>
public abstract partial class SqlMailStore : IMailStore
{
    internal const string Columns = "m.uid, m.id, m.received_at, m.envelope_from, m.envelope_to, m.header_from, m.header_to, m.header_cc, "
        + "m.subject, m.date, m.size, m.has_html, m.attachments, m.flags, m.keywords";

    private readonly GroupCommit<Prepared, MailSummary?> _commits;
    private readonly Timer? _ageTimer;
    private readonly WriterCommands _writerCommands = new();
    private readonly PruneLog _pruneLog;
    private int _disposed;

    private protected SqlMailStore(MailRetention retention, ILogger logger, long uidValidity)
    {
        Retention = retention;
        Logger = logger;
        _pruneLog = new PruneLog(logger);
        UidValidity = uidValidity;
        _commits = new GroupCommit<Prepared, MailSummary?>(CommitAsync, p => p.Mail.Size, afterBatch: () => AfterCommitsAsync());
        if (retention.MaxAge is not null)
            _ageTimer = new Timer(_ => _ = PruneByAgeAsync(), null, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
    }

    public MailRetention Retention { get; }

    /// <summary>Fixed when the store was created; the UIDVALIDITY of every mailbox.</summary>
    public long UidValidity { get; }

    private protected ILogger Logger { get; }

    /// <summary>Commits so far: transactions, messages, the most messages one transaction carried.</summary>
    public (long Batches, long Messages, int Largest) CommitCounts => _commits.Counts;

    /// <summary>How many commits carried 1, 2-3, 4-7, 8-15, ... messages (see <see cref="GroupCommit{TItem, TResult}.BatchSizes"/>).</summary>
    public IReadOnlyList<long> CommitSizes => _commits.BatchSizes;

    private protected bool IsDisposed => Volatile.Read(ref _disposed) == 1;

    public event EventHandler<MailChange>? Changed;

    private protected void Raise(MailChange change) => Changed?.Invoke(this, change);

    internal abstract MailSqlDialect Dialect { get; }

    /// <summary>Where messages larger than <see cref="InlineLimit"/> go as files, or null to keep every message in the database.</summary>
    private protected virtual string? FilesDirectory => null;

    private protected virtual long InlineLimit => long.MaxValue;

    /// <summary>Whether files are flushed to disk before their commit.</summary>
    private protected virtual bool Durable => true;

    /// <summary>A connection for one read (pooled); the caller disposes it.</summary>
    private protected abstract Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken);

    /// <summary>The connection writes go through; <see cref="ReturnWriterAsync"/> gives it back. Writes are serialized by the caller.</summary>
    private protected abstract Task<DbConnection> RentWriterAsync(CancellationToken cancellationToken);

    private protected abstract ValueTask ReturnWriterAsync(DbConnection connection);

    /// <summary>Whether <see cref="InsertBatchAsync"/> also moves the INBOX's UIDNEXT past the batch (PostgreSQL does, in its one statement).</summary>
    private protected virtual bool InsertSetsUidNext => false;

    /// <summary>Opens the bytes of message <paramref name="uid"/> in the bodies table as a stream owning <paramref name="connection"/>; null when gone.</summary>
    private protected abstract Task<Stream?> OpenBodyAsync(DbConnection connection, long uid, CancellationToken cancellationToken);

    /// <summary>Called after each commit of appended messages, before readers hear of them (<paramref name="stored"/>: one
    /// entry per message of <paramref name="batch"/>, null where it was not stored).</summary>
    private protected virtual void Committed(IReadOnlyList<Prepared> batch, IReadOnlyList<MailSummary?> stored)
    {
    }

    /// <summary>Runs on the writer after each batch's sessions have their answer, before the next batch (must not throw).</summary>
    private protected virtual Task AfterCommitsAsync() => Task.CompletedTask;

    /// <summary>Before a search with free-text terms runs: the engine makes every committed message findable by them.</summary>
    private protected virtual ValueTask BeforeTextSearchAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>After the last commit, before the writer closes (the write gate is free).</summary>
    private protected virtual Task BeforeCloseAsync() => Task.CompletedTask;

    /// <summary>Statements that empty every table (in a transaction).</summary>
    private protected abstract string ClearSql { get; }

    /// <summary>Called inside each write transaction that changed something, so other instances hear of it.</summary>
    private protected virtual Task NotifyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<MailChange> changes, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>Serializes every write of this instance (commits, flags, deletes, pruning).</summary>
    private protected SemaphoreSlim WriteGate { get; } = new(1, 1);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (_ageTimer is not null) await _ageTimer.DisposeAsync().ConfigureAwait(false);
        await _commits.DisposeAsync().ConfigureAwait(false);
        await BeforeCloseAsync().ConfigureAwait(false);
        await WriteGate.WaitAsync().ConfigureAwait(false);
        var (batches, messages, largest) = _commits.Counts;
        if (batches > 0) LogCommits(Logger, messages, batches, (double)messages / batches, largest, BatchSizes.Describe(_commits.BatchSizes));
        _pruneLog.Dispose();
        await _writerCommands.DisposeAsync().ConfigureAwait(false);
        await CloseAsync().ConfigureAwait(false);
        WriteGate.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A command on the writer connection, compiled once and reused across batches (do not dispose it); set every
    /// parameter before executing.</summary>
    private protected DbCommand WriterCommand(DbConnection connection, DbTransaction transaction, string sql) =>
        _writerCommands.Get(connection, transaction, sql);

    /// <summary>Closes the engine's connections (every write has finished).</summary>
    private protected abstract ValueTask CloseAsync();

    internal static DbCommand Command(DbConnection connection, string sql, DbTransaction? transaction = null, params object?[] values)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        for (var i = 0; i < values.Length; i++) AddParameter(command, "@p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), values[i]);
        return command;
    }

    internal static void AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    internal static void Set(DbCommand command, string name, object? value)
    {
        var index = command.Parameters.IndexOf(name);
        if (index >= 0) command.Parameters[index].Value = value ?? DBNull.Value;
        else AddParameter(command, name, value);
    }

    internal static async Task ExecuteAsync(DbConnection connection, string sql, DbTransaction? transaction, CancellationToken cancellationToken, params object?[] values)
    {
        var command = Command(connection, sql, transaction, values);
        await using (command.ConfigureAwait(false)) await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<long> ScalarAsync(DbConnection connection, string sql, DbTransaction? transaction, CancellationToken cancellationToken, params object?[] values)
    {
        var command = Command(connection, sql, transaction, values);
        await using (command.ConfigureAwait(false))
        {
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    internal static string Invariant(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "store: {Messages} messages in {Batches} commits (mean {Mean:F1}, largest {Largest}); messages per commit {Sizes}")]
    private static partial void LogCommits(ILogger logger, long messages, long batches, double mean, int largest, string sizes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "store: pruning by age failed: {Reason}")]
    private static partial void LogPruneFailed(ILogger logger, string reason);
}
