using System.Data;
using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Protocols.Servers.Mail.Sql;

namespace Protocols.Servers.Mail.Postgres;

/// <summary>
/// The shared mail store: several <c>proto serve</c> instances behind a load balancer write one capture in
/// PostgreSQL (schema <c>proto_mail</c>). Bytes are in the database (bytea, stored uncompressed out of line); words
/// in a tsvector with a GIN index (table message_words), substrings through pg_trgm GIN indexes when the database
/// offers pg_trgm. Each batch locks the INBOX row first, so UIDs commit in ascending order across
/// instances; changes made by one instance reach the others' readers through LISTEN/NOTIFY.
/// </summary>
public sealed partial class PostgresMailStore : SqlMailStore
{
    private const string Channel = "proto_mail";
    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _readSource;
    private readonly string _instance = Guid.NewGuid().ToString("N")[..16];
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<string> _notifications = System.Threading.Channels.Channel.CreateBounded<string>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private Task _listener = Task.CompletedTask;
    private Task _dispatcher = Task.CompletedTask;

    private readonly PostgresDialect _dialect;

    private PostgresMailStore(NpgsqlDataSource dataSource, NpgsqlDataSource readSource, long uidValidity, MailRetention retention, ILogger logger,
        bool trigrams)
        : base(retention, logger, uidValidity)
    {
        _dataSource = dataSource;
        _readSource = readSource;
        _dialect = trigrams ? PostgresDialect.Trigrams : PostgresDialect.Plain;
    }

    internal override MailSqlDialect Dialect => _dialect;

    /// <summary>Opens the database <paramref name="location"/> names (<c>postgres://user:password@host:port/db</c> or
    /// <c>Host=...;Database=...</c>), creating or migrating the schema. Throws <see cref="MailStoreException"/> with a
    /// one-line reason (password never shown) when it cannot.</summary>
    public static async Task<PostgresMailStore> OpenAsync(string location, MailRetention? retention = null, ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        var builder = PostgresLocation.Parse(location);
        var shown = PostgresLocation.Describe(builder);
        var dataSource = NpgsqlDataSource.Create(builder);
        // Reads are not prepared: a prepared search would soon run one generic plan for every pattern, and a pattern that
        // matches every message wants a scan where a rare one wants the index (measured: 300 ms instead of 96 for a word
        // in every one of 32,000 messages). An unprepared statement is planned with its values each time.
        var readSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(builder.ConnectionString) { MaxAutoPrepare = 0 });        try
        {
            long uidValidity;
            bool trigrams;
            logger ??= NullLogger.Instance;
            var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                trigrams = await MigrateAsync(connection, shown, logger, cancellationToken).ConfigureAwait(false);
                uidValidity = await ScalarAsync(connection, "SELECT value FROM meta WHERE key = 'uidvalidity'", null, cancellationToken).ConfigureAwait(false);
            }
            var store = new PostgresMailStore(dataSource, readSource, uidValidity, retention ?? MailRetention.None, logger, trigrams);
            await store.ListenAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or ArgumentException or TimeoutException)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            await readSource.DisposeAsync().ConfigureAwait(false);
            throw new MailStoreException($"cannot use the PostgreSQL store {shown}: {e.Message.Replace('\n', ' ')}", e);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            await readSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates or migrates the schema and adds the trigram indexes when missing; returns whether they are there.</summary>
    private static async Task<bool> MigrateAsync(NpgsqlConnection connection, string shown, ILogger logger, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            await ExecuteAsync(connection, $"""
                SELECT pg_advisory_xact_lock(1347570252);
                CREATE SCHEMA IF NOT EXISTS {PostgresSchema.Name};
                CREATE TABLE IF NOT EXISTS {PostgresSchema.Name}.schema_version(one integer PRIMARY KEY CHECK(one = 1), version integer NOT NULL);
                INSERT INTO {PostgresSchema.Name}.schema_version VALUES(1, 0) ON CONFLICT DO NOTHING
                """, transaction, cancellationToken).ConfigureAwait(false);
            var version = await ScalarAsync(connection, $"SELECT version FROM {PostgresSchema.Name}.schema_version", transaction, cancellationToken).ConfigureAwait(false);
            if (version > PostgresSchema.Versions.Length)
                throw new MailStoreException($"the PostgreSQL store {shown} has schema version {version}, newer than this proto knows ({PostgresSchema.Versions.Length}); use a newer proto");
            for (var v = (int)version; v < PostgresSchema.Versions.Length; v++)
            {
                await ExecuteAsync(connection, PostgresSchema.Versions[v], transaction, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, "UPDATE schema_version SET version = @p0", transaction, cancellationToken, v + 1).ConfigureAwait(false);
            }
            var trigrams = await TrigramsAsync(connection, transaction, logger, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return trigrams;
        }
    }

    /// <summary>
    /// The trigram indexes of <see cref="PostgresSchema.TrigramIndexes"/>, added when missing. pg_trgm ships with
    /// PostgreSQL (Debian's postgresql-15) and is a trusted extension since PostgreSQL 13, so a user who may create
    /// the store's schema may create it too; where it is not installed or not allowed, the substring searches scan
    /// (the log says so once) and a later start adds the indexes when it can.
    /// </summary>
    /// <remarks>The savepoint is plain SQL through ExecuteAsync: Npgsql's <c>NpgsqlTransaction.ReleaseAsync</c> reads its
    /// reply synchronously, which deadlocked `proto serve --store postgres://` at start on a database without proto's
    /// schema when the caller ran on the only epoll thread (the event-loop engine).</remarks>
    private static async Task<bool> TrigramsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ILogger logger, CancellationToken cancellationToken)
    {
        var names = PostgresSchema.TrigramIndexes.Select(i => i.Name).ToArray();
        var present = await ScalarAsync(connection, "SELECT count(*) FROM pg_indexes WHERE schemaname = @p0 AND indexname = ANY(@p1)", transaction,
            cancellationToken, PostgresSchema.Name, names).ConfigureAwait(false);
        if (present == names.Length) return true;
        await ExecuteAsync(connection, "SAVEPOINT trigrams", transaction, cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, $"CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA {PostgresSchema.Name}", transaction, cancellationToken).ConfigureAwait(false);
            string schema;
            var command = Command(connection, "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'", transaction);
            await using (command.ConfigureAwait(false)) schema = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            var opclass = "\"" + schema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\".gin_trgm_ops";
            foreach (var (name, columns) in PostgresSchema.TrigramIndexes)
            {
                await ExecuteAsync(connection, $"CREATE INDEX IF NOT EXISTS {name} ON messages USING gin(({PostgresSchema.Joined(columns)}) {opclass}) {PostgresSchema.GinOptions}", transaction,
                    cancellationToken).ConfigureAwait(false);
            }
            // The planner knows how often a pattern matches only once the indexed expressions have statistics.
            await ExecuteAsync(connection, "ANALYZE messages", transaction, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, "RELEASE SAVEPOINT trigrams", transaction, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException e)
        {
            await ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT trigrams", transaction, cancellationToken).ConfigureAwait(false);
            LogNoTrigrams(logger, e.MessageText);
            return false;
        }
    }

    private protected override async Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken) =>
        await _readSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    private protected override async Task<DbConnection> RentWriterAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    private protected override ValueTask ReturnWriterAsync(DbConnection connection) => connection.DisposeAsync();

    private protected override async Task<Stream?> OpenBodyAsync(DbConnection connection, long uid, CancellationToken cancellationToken)
    {
        var command = Command(connection, "SELECT raw FROM bodies WHERE uid = @p0", null, uid);
        var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            await command.DisposeAsync().ConfigureAwait(false);
            return null;
        }
        // The bytes stream from the server as they are read; the reader, command and connection go with the stream.
        return new OwningStream(reader.GetStream(0), new Owners(reader, command, connection));
    }

    private sealed class Owners(params IAsyncDisposable[] owned) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var o in owned) await o.DisposeAsync().ConfigureAwait(false);
        }
    }

    private protected override string ClearSql => "TRUNCATE recipients, bodies, message_words, messages; UPDATE totals SET messages = 0, bytes = 0";

    private protected override async ValueTask CloseAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _notifications.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_listener, _dispatcher).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        await _readSource.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "store: PostgreSQL without trigram indexes (pg_trgm: {Reason}): subject:, from: and to: searches scan every message")]
    private static partial void LogNoTrigrams(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "store: PostgreSQL change feed lost: {Reason}; reconnecting")]
    private static partial void LogListenFailed(ILogger logger, string reason);
}
