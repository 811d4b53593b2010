using System.Buffers;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Protocols.Servers.Mail.Sqlite;

/// <summary>
/// A statement of the writer's per-message path, compiled once (SQLITE_PREPARE_PERSISTENT) on the writer connection
/// and bound by position. Through <see cref="SqliteCommand"/> each execution looked every parameter up by name in the
/// statement, marshalled the name and the value, and made a data reader: about a third of SQLite's time in an append.
/// Runs inside the transaction the writer opened on the same connection; an error throws <see cref="SqliteException"/>,
/// as the command would. Used only under the store's write gate.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private const uint PreparePersistent = 0x01;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public SqliteStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the writer connection is not open");
        Check(raw.sqlite3_prepare_v3(_db, sql, PreparePersistent, out _statement));
    }

    /// <summary>Parameters are numbered from 1, as in the SQL (<c>?1</c>, <c>?2</c>, ...).</summary>
    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    /// <summary>Text goes in as UTF-8, encoded here through a pooled buffer (SQLite copies it at the bind): .NET's encoder
    /// is several times faster than SQLite's own UTF-16 conversion on a long body.</summary>
    public void Bind(int index, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(_statement, index));
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(value.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(value, buffer);
            Check(raw.sqlite3_bind_text(_statement, index, buffer.AsSpan(0, length)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The bytes are copied by SQLite at the bind (no array of their exact length is needed).</summary>
    public void Bind(int index, ReadOnlySpan<byte> value) => Check(raw.sqlite3_bind_blob(_statement, index, value));

    /// <summary>Runs the statement; returns the first column of its first row (RETURNING), or null when it gave none. The
    /// statement is reset for the next use either way.</summary>
    public long? Run()
    {
        try
        {
            long? first = null;
            int rc;
            while ((rc = raw.sqlite3_step(_statement)) == raw.SQLITE_ROW) first ??= raw.sqlite3_column_int64(_statement, 0);
            if (rc != raw.SQLITE_DONE) Check(rc);
            return first;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Steps to the next row of a query: true with a row to read (<see cref="Int64"/>, <see cref="Text"/>), false
    /// at the end. <see cref="Reset"/> after the last row read (or to stop early), before the statement's next use.</summary>
    public bool Next()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc == raw.SQLITE_ROW) return true;
        if (rc != raw.SQLITE_DONE) Check(rc);
        return false;
    }

    public long Int64(int column) => raw.sqlite3_column_int64(_statement, column);

    public string? Text(int column) =>
        raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL ? null : raw.sqlite3_column_text(_statement, column).utf8_to_string();

    public void Reset() => raw.sqlite3_reset(_statement);

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public void Dispose() => _statement.Dispose();
}
