using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Protocols.Servers.Mail.Sql;

namespace Protocols.Servers.Mail.Sqlite;

/// <summary>
/// The embedded mail store: <c>DIR/mail.db</c> (SQLite in WAL mode, synchronous=FULL), summaries in indexed tables,
/// FTS5 over subject, addresses and text; bytes in the database up to <see cref="SqliteMailStoreOptions.InlineLimit"/>,
/// larger ones in <c>DIR/messages/&lt;id&gt;.eml</c>. Appends go through one writer connection that commits every
/// message waiting in one transaction (group commit); readers use their own pooled connections and never block it.
/// </summary>
public sealed partial class SqliteMailStore : SqlMailStore
{
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly SqliteMailStoreOptions _options;
    private readonly SqliteCheckpoints? _checkpoints;

    private SqliteMailStore(string directory, string path, string connectionString, SqliteConnection writer, long uidValidity,
        SqliteMailStoreOptions options, ILogger logger)
        : base(options.Retention, logger, uidValidity)
    {
        Directory = directory;
        FilesDirectory = Path.Combine(directory, "messages");
        DatabasePath = path;
        _connectionString = connectionString;
        _writer = writer;
        _options = options;
        if (options.CheckpointInterval is { } interval) _checkpoints = new SqliteCheckpoints(connectionString, () => CommitCounts.Batches, interval);
    }

    /// <summary>Background checkpoints run so far (0 when <see cref="SqliteMailStoreOptions.CheckpointInterval"/> is null).</summary>
    internal long BackgroundCheckpoints => _checkpoints?.Done ?? 0;

    /// <summary>The directory holding <c>mail.db</c> and <c>messages/</c>.</summary>
    public string Directory { get; }

    public string DatabasePath { get; }

    internal override MailSqlDialect Dialect => SqliteDialect.Instance;

    private protected override string? FilesDirectory { get; }

    private protected override long InlineLimit => _options.InlineLimit;

    private protected override bool Durable => _options.Durable;

    /// <summary>
    /// Opens (or creates) the store in <paramref name="directory"/>, migrating an older schema. A file that is not a
    /// SQLite database, a database of something else, or a corrupt one throws <see cref="MailStoreException"/> with a
    /// one-line reason.
    /// </summary>
    public static async Task<SqliteMailStore> OpenAsync(string directory, SqliteMailStoreOptions? options = null, ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new SqliteMailStoreOptions();
        var full = Path.GetFullPath(directory);
        if (File.Exists(full)) throw new MailStoreException($"--store must be a directory, not a file: {full}");
        try
        {
            System.IO.Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MailStoreException($"cannot create the store directory {full}: {e.Message}", e);
        }
        var path = Path.Combine(full, "mail.db");
        await CheckHeaderAsync(path, cancellationToken).ConfigureAwait(false);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        var writer = new SqliteConnection(connectionString);
        try
        {
            await writer.OpenAsync(cancellationToken).ConfigureAwait(false);
            var walPages = options.CheckpointInterval is null ? 1000 : SqliteCheckpoints.WriterPages;
            await ExecuteAsync(writer, $"PRAGMA journal_mode = WAL; PRAGMA synchronous = {(options.Durable ? "FULL" : "OFF")}; PRAGMA busy_timeout = 5000; "
                + $"PRAGMA wal_autocheckpoint = {walPages};", null, cancellationToken).ConfigureAwait(false);
            SqliteSchema.Apply(writer, path);
            var uidValidity = await ScalarAsync(writer, "SELECT value FROM meta WHERE key = 'uidvalidity'", null, cancellationToken).ConfigureAwait(false);
            // Touch the newest pages: a damaged file fails here, at start, with a reason.
            await ScalarAsync(writer, "SELECT count(*) FROM (SELECT uid FROM messages ORDER BY uid DESC LIMIT 100)", null, cancellationToken).ConfigureAwait(false);
            var store = new SqliteMailStore(full, path, connectionString, writer, uidValidity, options, logger ?? NullLogger.Instance);
            await store.SweepOrphanFilesAsync(cancellationToken).ConfigureAwait(false);
            await store.IndexTailAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch (SqliteException e)
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            SqliteConnection.ClearPool(writer);
            throw new MailStoreException($"{path} cannot be used as a mail store: {e.Message.Replace('\n', ' ')}", e);
        }
        catch
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            SqliteConnection.ClearPool(writer);
            throw;
        }
    }

    private static async Task CheckHeaderAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path) || new FileInfo(path).Length == 0) return;
        var header = new byte[16];
        int read;
        var file = File.OpenRead(path);
        await using (file.ConfigureAwait(false))
        {
            read = await file.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }
        if (read < 16 || !header.AsSpan().SequenceEqual("SQLite format 3\0"u8))
            throw new MailStoreException($"{path} is not a SQLite database (corrupt, or another kind of file); move it away or use another --store");
    }

    private protected override async Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private protected override Task<DbConnection> RentWriterAsync(CancellationToken cancellationToken) => Task.FromResult<DbConnection>(_writer);

    private protected override ValueTask ReturnWriterAsync(DbConnection connection) => ValueTask.CompletedTask;

    private protected override Task<Stream?> OpenBodyAsync(DbConnection connection, long uid, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult<Stream?>(new OwningStream(new SqliteBlob((SqliteConnection)connection, "bodies", "raw", uid, readOnly: true), connection));
        }
        catch (SqliteException)
        {
            return Task.FromResult<Stream?>(null); // the row went between the look-up and the open
        }
    }

    private protected override string ClearSql => """
        DELETE FROM bodies; DELETE FROM recipients; INSERT INTO search(search) VALUES('delete-all');
        DELETE FROM messages; UPDATE mailboxes SET messages = 0, bytes = 0 WHERE name = 'INBOX'
        """;

    /// <summary>Files in messages/ that no row names: a crash between the file's flush and its commit. Never acknowledged.</summary>
    private async Task SweepOrphanFilesAsync(CancellationToken cancellationToken)
    {
        if (FilesDirectory is not { } files || !System.IO.Directory.Exists(files)) return;
        var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = Command(connection, "SELECT 1 FROM messages WHERE body_file = @p0", null, "");
            await using (command.ConfigureAwait(false))
            {
                foreach (var file in System.IO.Directory.EnumerateFiles(files))
                {
                    command.Parameters[0].Value = Path.GetFileName(file);
                    if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null) File.Delete(file);
                }
            }
        }
    }

    private protected override async ValueTask CloseAsync()
    {
        if (_checkpoints is not null) await _checkpoints.DisposeAsync().ConfigureAwait(false);
        foreach (var statement in new[] { _insert, _body, _recipient, _nextUid, _inbox, _mailbox, _index }) statement?.Dispose();
        foreach (var statement in DeleteStatements) statement.Dispose();
        await _writer.DisposeAsync().ConfigureAwait(false);
        SqliteConnection.ClearPool(_writer);
        if (!_options.DeleteOnDispose) return;
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A reader still has a file open: the temporary directory stays for the OS to clean.
        }
    }
}
