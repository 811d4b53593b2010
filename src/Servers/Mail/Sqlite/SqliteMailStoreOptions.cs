namespace Protocols.Servers.Mail.Sqlite;

/// <summary>How a <see cref="SqliteMailStore"/> keeps mail. Each default says why.</summary>
public sealed record SqliteMailStoreOptions
{
    /// <summary>What the store may prune on its own. Default: nothing.</summary>
    public MailRetention Retention { get; init; } = MailRetention.None;

    /// <summary>
    /// Every commit is flushed to disk before the append returns (WAL with synchronous=FULL). Default true; a temporary
    /// store (deleted at exit anyway) turns it off.
    /// </summary>
    public bool Durable { get; init; } = true;

    /// <summary>
    /// Messages up to this size keep their bytes in the database; larger ones are written as <c>messages/&lt;id&gt;.eml</c>
    /// beside it (flushed before the commit that names them). Default 1 MiB: small messages commit many to one flush
    /// in the database, large ones are written once instead of twice (WAL, then checkpoint). Measured in docs/store.md.
    /// </summary>
    public long InlineLimit { get; init; } = 1024 * 1024;

    /// <summary>
    /// How often the WAL is copied into the database by a background connection (when something was committed), so the
    /// commits the sessions wait on do not carry the checkpoints; null (the default) leaves them to SQLite, inside the
    /// writer's commits every 1,000 WAL pages. Measured at load 20-38 on 2 shared cores (docs/store.md): no gain in
    /// msg/s or CPU per message, about 15% more fsyncs; kept as a switch (PROTO_STORE_CHECKPOINT_MS) to measure on a
    /// quiet machine, where commit latency rather than CPU sets the rate. See <see cref="SqliteCheckpoints"/>.
    /// </summary>
    public TimeSpan? CheckpointInterval { get; init; }

    /// <summary>How long after the last commit the pending full-text rows are written when fewer than
    /// <see cref="SqliteMailStore.IndexBatch"/> are waiting (searches write them first anyway). Tests set it long to
    /// hold rows pending.</summary>
    internal TimeSpan IndexDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Deletes the directory when the store is disposed (the temporary store of <c>proto serve</c> without --store).</summary>
    public bool DeleteOnDispose { get; init; }
}
