using Microsoft.Data.Sqlite;

namespace Protocols.Servers.Mail.Sqlite;

/// <summary>
/// Copies the WAL into the database file off the writer's path: a PASSIVE checkpoint on its own connection after
/// each interval in which something was committed. SQLite would otherwise checkpoint inside the commit that passes
/// 1,000 WAL pages (about every hundred 10 KiB messages), and every session waiting on that commit for its 250 waits
/// for the copy and the database file's fsync too. The writer keeps its own checkpoint at <see cref="WriterPages"/>
/// as the bound on the WAL's size (a PASSIVE checkpoint never waits, so a busy moment can skip one); by then most
/// frames are already copied, so it is short.
/// </summary>
internal sealed class SqliteCheckpoints : IAsyncDisposable
{
    /// <summary>The writer's <c>wal_autocheckpoint</c> while this runs (16 MiB of 4 KiB pages).</summary>
    public const int WriterPages = 4000;

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _done;

    /// <param name="commits">How many commits the store has made so far (an idle store is not checkpointed).</param>
    public SqliteCheckpoints(string connectionString, Func<long> commits, TimeSpan interval)
    {
        var unpooled = new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
        _loop = Task.Run(() => LoopAsync(unpooled, commits, interval, _stop.Token));
    }

    /// <summary>Checkpoints run so far.</summary>
    public long Done => Interlocked.Read(ref _done);

    private async Task LoopAsync(string connectionString, Func<long> commits, TimeSpan interval, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await using (connection.ConfigureAwait(false))
        {
            using var timer = new PeriodicTimer(interval);
            var seen = commits();
            try
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                var command = connection.CreateCommand();
                await using (command.ConfigureAwait(false))
                {
                    command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                    while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var now = commits();
                        if (now == seen) continue;
                        seen = now;
                        try
                        {
                            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                            Interlocked.Increment(ref _done);
                        }
                        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6)
                        {
                            // SQLITE_BUSY / SQLITE_LOCKED: the writer is checkpointing itself; the next tick copies the rest.
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped with the store; closing the last connection checkpoints what is left.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
