using System.Data.Common;

namespace Protocols.Servers.Mail.Sql;

/// <summary>
/// The commands a store writes with, prepared once on the writer connection and reused by every batch while that
/// connection lives (SQLite keeps one writer for the store's life, so each statement is compiled once, not once per
/// message). Used only under the store's write gate.
/// </summary>
internal sealed class WriterCommands : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);
    private DbConnection? _connection;

    /// <summary>The command for <paramref name="sql"/> on <paramref name="connection"/> in <paramref name="transaction"/>;
    /// its parameters keep the values of its last use (set every one before executing).</summary>
    public DbCommand Get(DbConnection connection, DbTransaction transaction, string sql)
    {
        if (!ReferenceEquals(connection, _connection))
        {
            foreach (var old in _commands.Values) old.Dispose();
            _commands.Clear();
            _connection = connection;
        }
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = SqlMailStore.Command(connection, sql, transaction);
            _commands.Add(sql, command);
        }
        command.Transaction = transaction;
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _commands.Values) await command.DisposeAsync().ConfigureAwait(false);
        _commands.Clear();
        _connection = null;
    }
}
