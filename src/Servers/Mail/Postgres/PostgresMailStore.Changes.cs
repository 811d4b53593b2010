using System.Data.Common;
using System.Globalization;
using System.Text;
using Npgsql;
using Protocols.Servers.Mail.Sql;

namespace Protocols.Servers.Mail.Postgres;

public sealed partial class PostgresMailStore
{
    /// <summary>Most characters in one NOTIFY payload (PostgreSQL's limit is 8000 bytes).</summary>
    private const int MaxPayload = 7000;

    /// <summary>Sends this transaction's changes to the other instances (delivered at commit): lines of "instance kind uid id".
    /// Appended messages were announced by the batch's own statement (see InsertBatchSql).</summary>
    private protected override async Task NotifyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<MailChange> changes,
        CancellationToken cancellationToken)
    {
        var payload = new StringBuilder();
        foreach (var change in changes)
        {
            if (change.Kind == MailChangeKind.Added) continue;
            var line = string.Create(CultureInfo.InvariantCulture, $"{_instance} {(int)change.Kind} {change.Uid} {change.Id ?? "-"}\n");
            if (payload.Length + line.Length > MaxPayload)
            {
                await ExecuteAsync(connection, "SELECT pg_notify('proto_mail', @p0)", transaction, cancellationToken, payload.ToString()).ConfigureAwait(false);
                payload.Clear();
            }
            payload.Append(line);
        }
        if (payload.Length > 0)
            await ExecuteAsync(connection, "SELECT pg_notify('proto_mail', @p0)", transaction, cancellationToken, payload.ToString()).ConfigureAwait(false);
    }

    /// <summary>Starts listening (returns once LISTEN is in effect) and a dispatcher that raises other instances' changes here.</summary>
    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _listener = Task.Run(() => ListenLoopAsync(ready), CancellationToken.None);
        _dispatcher = Task.Run(DispatchLoopAsync, CancellationToken.None);
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }

    private async Task ListenLoopAsync(TaskCompletionSource ready)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var connection = await _dataSource.OpenConnectionAsync(_stop.Token).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += OnNotification;
                    await ExecuteAsync(connection, "LISTEN " + Channel, null, _stop.Token).ConfigureAwait(false);
                    ready.TrySetResult();
                    while (!_stop.IsCancellationRequested) await connection.WaitAsync(_stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                ready.TrySetException(e);
                LogListenFailed(Logger, e.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel == Channel) _notifications.Writer.TryWrite(e.Payload);
    }

    private async Task DispatchLoopAsync()
    {
        try
        {
            await foreach (var payload in _notifications.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                foreach (var line in payload.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    var parts = line.Split(' ');
                    if (parts.Length != 4 || parts[0] == _instance) continue;
                    if (!int.TryParse(parts[1], CultureInfo.InvariantCulture, out var kindNumber) || !long.TryParse(parts[2], CultureInfo.InvariantCulture, out var uid)) continue;
                    var kind = (MailChangeKind)kindNumber;
                    var id = parts[3] == "-" ? null : parts[3];
                    MailSummary? summary = null;
                    if (kind is MailChangeKind.Added or MailChangeKind.FlagsChanged)
                    {
                        try
                        {
                            summary = await SummaryByUidAsync(uid, _stop.Token).ConfigureAwait(false);
                        }
                        catch (ObjectDisposedException)
                        {
                            return; // the store is closing
                        }
                        catch (MailStoreException)
                        {
                            continue;
                        }
                        if (summary is null) continue; // gone already
                    }
                    Raise(new MailChange(kind, id, uid, summary));
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // stopping
        }
    }
}
