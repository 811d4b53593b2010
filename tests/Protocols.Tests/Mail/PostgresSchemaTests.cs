using Npgsql;
using Protocols.Servers.Mail;
using Protocols.Servers.Mail.Postgres;

namespace Protocols.Tests.Mail;

/// <summary>The PostgreSQL schema's versions and its trigram indexes: an older schema migrates with its messages, the
/// indexes come as a non-superuser owner, and a database where pg_trgm cannot be used still searches (by scanning).</summary>
[Category("Postgres")]
public sealed class PostgresSchemaTests
{
    private PostgresServer? _server;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await PostgresServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopServer()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    private static async Task SqlAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static MailToAppend Mail(string subject, string from) => new(
        System.Text.Encoding.ASCII.GetBytes($"From: {from}\r\nTo: bob@example.org\r\nSubject: {subject}\r\n\r\nnew words here\r\n"),
        from, ["bob@example.org"]);

    [Test]
    public async Task A_version_2_store_migrates_to_3_keeping_its_words_and_gains_the_trigram_indexes()
    {
        var connectionString = await _server!.CreateDatabaseAsync();
        // What a proto of schema 2 left: its tables, and a message with its words in the messages row.
        await SqlAsync(connectionString, $"""
            CREATE SCHEMA proto_mail; SET search_path = proto_mail;
            CREATE TABLE proto_mail.schema_version(one integer PRIMARY KEY CHECK(one = 1), version integer NOT NULL);
            INSERT INTO proto_mail.schema_version VALUES(1, 2);
            {PostgresSchema.Versions[0]}
            {PostgresSchema.Versions[1]}
            INSERT INTO messages(id, received_at, envelope_from, envelope_to, header_from, subject, size, has_html, attachments, words)
                VALUES('old1', 0, 'old@example.org', 'bob@example.org', 'Old Sender <old@example.org>', 'kept from version two', 5, 0, 0,
                       CAST('''kept'':1 ''from'':2 ''version'':3 ''two'':4 ''zebra'':5' AS tsvector));
            INSERT INTO bodies SELECT uid, CAST('hello' AS bytea) FROM messages;
            """);
        await using (var store = await MailStores.OpenAsync(connectionString))
        {
            Assert.That(((PostgresMailStore)store).Dialect, Is.SameAs(PostgresDialect.Trigrams));
            var added = await store.AppendAsync(Mail("added after the migration", "new@example.org"));
            Assert.That((await store.ListAsync(new MailQuery())).Total, Is.EqualTo(2));
            Assert.That((await store.ListAsync(new MailQuery("zebra"))).Messages.Select(s => s.Id), Is.EqualTo(new[] { "old1" }));
            Assert.That((await store.ListAsync(new MailQuery("words"))).Messages.Select(s => s.Id), Is.EqualTo(new[] { added.Id }));
            Assert.That((await store.ListAsync(new MailQuery("subject:\"version two\""))).Matched, Is.EqualTo(1));
            Assert.That((await store.ListAsync(new MailQuery("from:old@"))).Messages.Select(s => s.Id), Is.EqualTo(new[] { "old1" }));
            Assert.That((await store.ListAsync(new MailQuery("to:bob@example"))).Matched, Is.EqualTo(2));
            await using (var raw = await store.OpenRawAsync("old1")) Assert.That(raw, Is.Not.Null);
            // What hangs off a message goes with it (schema 3: the delete trigger, not foreign keys).
            Assert.That(await store.DeleteAsync(["old1"]), Is.EqualTo(1));
            Assert.That((await store.ListAsync(new MailQuery("to:bob@example"))).Matched, Is.EqualTo(1));
        }
        foreach (var table in new[] { "bodies", "message_words", "messages" })
            Assert.That(await CountAsync(connectionString, $"SELECT count(*) FROM proto_mail.{table}"), Is.EqualTo(1), table);
        Assert.That(await CountAsync(connectionString, "SELECT count(*) FROM proto_mail.recipients WHERE uid NOT IN (SELECT uid FROM proto_mail.messages)"), Is.Zero);
        Assert.That(await CountAsync(connectionString, "SELECT version FROM proto_mail.schema_version"), Is.EqualTo(PostgresSchema.Versions.Length));
        Assert.That(await CountAsync(connectionString,
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'proto_mail' AND table_name = 'messages' AND column_name = 'words'"), Is.Zero);
        Assert.That(await CountAsync(connectionString, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'proto_mail' AND indexname LIKE '%trgm'"),
            Is.EqualTo(PostgresSchema.TrigramIndexes.Length));
    }

    [Test]
    public async Task The_owner_of_a_database_who_is_not_a_superuser_gets_the_trigram_indexes()
    {
        var admin = await _server!.CreateDatabaseAsync();
        var database = new NpgsqlConnectionStringBuilder(admin).Database;
        await SqlAsync(admin, $"CREATE ROLE owner_{database} LOGIN; ALTER DATABASE {database} OWNER TO owner_{database}");
        var owner = new NpgsqlConnectionStringBuilder(admin) { Username = "owner_" + database }.ConnectionString;
        await using var store = await MailStores.OpenAsync(owner);
        Assert.That(((PostgresMailStore)store).Dialect, Is.SameAs(PostgresDialect.Trigrams));
        await store.AppendAsync(Mail("owned", "alice@example.org"));
        Assert.That((await store.ListAsync(new MailQuery("from:alice@"))).Matched, Is.EqualTo(1));
    }

    [Test]
    public async Task Where_pg_trgm_cannot_be_used_the_store_opens_and_substring_searches_still_answer()
    {
        var admin = await _server!.CreateDatabaseAsync();
        var database = new NpgsqlConnectionStringBuilder(admin).Database;
        // pg_trgm is there, in a schema this user may not use: its operator class is out of reach.
        await SqlAsync(admin, $"""
            CREATE SCHEMA hidden; CREATE EXTENSION pg_trgm SCHEMA hidden;
            CREATE ROLE limited_{database} LOGIN; GRANT CREATE ON DATABASE {database} TO limited_{database};
            """);
        var limited = new NpgsqlConnectionStringBuilder(admin) { Username = "limited_" + database }.ConnectionString;
        await using var store = await MailStores.OpenAsync(limited);
        Assert.That(((PostgresMailStore)store).Dialect, Is.SameAs(PostgresDialect.Plain));
        await store.AppendAsync(Mail("plain search", "carol@example.org"));
        Assert.That((await store.ListAsync(new MailQuery("from:carol@"))).Matched, Is.EqualTo(1));
        Assert.That((await store.ListAsync(new MailQuery("subject:plain"))).Matched, Is.EqualTo(1));
        Assert.That((await store.ListAsync(new MailQuery("to:nobody@"))).Matched, Is.Zero);
    }
}
