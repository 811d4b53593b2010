using Microsoft.Extensions.Logging;
using Protocols.Servers.Mail.Sqlite;

namespace Protocols.Servers.Mail;

/// <summary>Opens the store a <c>--store</c> value names.</summary>
public static class MailStores
{
    /// <summary>
    /// Null: SQLite in a new temporary directory, deleted when the store is disposed (durability off: it is thrown away).
    /// <c>postgres://...</c>, <c>postgresql://...</c> or <c>Host=...;</c>: PostgreSQL. Anything else: a directory for SQLite.
    /// Throws <see cref="MailStoreException"/> with a one-line reason when it cannot be opened.
    /// </summary>
    public static async Task<IMailStore> OpenAsync(string? location, MailRetention? retention = null, ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        retention ??= MailRetention.None;
        if (location is null)
        {
            var temp = Path.Combine(Path.GetTempPath(), "proto-mail-" + Guid.NewGuid().ToString("N")[..12]);
            return await SqliteMailStore.OpenAsync(temp, new SqliteMailStoreOptions { Retention = retention, Durable = false, DeleteOnDispose = true },
                logger, cancellationToken).ConfigureAwait(false);
        }
        if (IsPostgres(location))
            return await Postgres.PostgresMailStore.OpenAsync(location, retention, logger, cancellationToken).ConfigureAwait(false);
        var options = new SqliteMailStoreOptions { Retention = retention };
        // For the store benchmark only (bytes in the database vs .eml files): PROTO_STORE_INLINE_LIMIT=bytes.
        if (long.TryParse(Environment.GetEnvironmentVariable("PROTO_STORE_INLINE_LIMIT"), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var inline)) options = options with { InlineLimit = inline };
        // And for comparing where checkpoints run: PROTO_STORE_CHECKPOINT_MS=100 runs them in the background every 100 ms.
        if (int.TryParse(Environment.GetEnvironmentVariable("PROTO_STORE_CHECKPOINT_MS"), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var every))
            options = options with { CheckpointInterval = every == 0 ? null : TimeSpan.FromMilliseconds(every) };
        return await SqliteMailStore.OpenAsync(location, options, logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether a <c>--store</c> value names a PostgreSQL database rather than a directory.</summary>
    public static bool IsPostgres(string location) =>
        location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || location.TrimStart().StartsWith("Host=", StringComparison.OrdinalIgnoreCase);
}
