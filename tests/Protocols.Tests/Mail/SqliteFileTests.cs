using System.Text;
using Microsoft.Data.Sqlite;
using Protocols.Servers.Mail;
using Protocols.Servers.Mail.Sqlite;

namespace Protocols.Tests.Mail;

/// <summary>What SQLite's store does with files it did not make, an older schema, and its temporary mode.</summary>
public sealed class SqliteFileTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("proto-store-file-").FullName;

    [TearDown]
    public void RemoveDirectory()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private string Db => Path.Combine(_dir, "mail.db");

    private static void AssertOneLine(MailStoreException e, string contains)
    {
        Assert.That(e.Message, Does.Contain(contains));
        Assert.That(e.Message, Does.Not.Contain("\n"));
    }

    [Test]
    public async Task A_file_that_is_not_sqlite_is_refused_with_one_line_and_left_alone()
    {
        await File.WriteAllTextAsync(Db, "this is not a database, just text that is long enough\n");
        var e = await Assert.ThrowsAsync<MailStoreException>(async () => await SqliteMailStore.OpenAsync(_dir));
        AssertOneLine(e!, "is not a SQLite database");
        Assert.That(await File.ReadAllTextAsync(Db), Does.StartWith("this is not a database"));
    }

    [Test]
    public async Task A_corrupt_database_is_refused_with_one_line()
    {
        await using (var store = await SqliteMailStore.OpenAsync(_dir))
        {
            for (var i = 0; i < 50; i++) await store.AppendAsync(new MailToAppend(Encoding.ASCII.GetBytes($"Subject: {i}\r\n\r\n" + new string('x', 3000) + "\r\n")));
        }
        SqliteConnection.ClearAllPools();
        var bytes = await File.ReadAllBytesAsync(Db);
        new Random(3).NextBytes(bytes.AsSpan(100, bytes.Length - 100)); // the header stays, every page is garbage
        await File.WriteAllBytesAsync(Db, bytes);
        var e = await Assert.ThrowsAsync<MailStoreException>(async () => await SqliteMailStore.OpenAsync(_dir));
        AssertOneLine(e!, "cannot be used as a mail store");
    }

    [Test]
    public async Task A_sqlite_database_of_something_else_is_refused_and_not_written()
    {
        await using (var other = new SqliteConnection("Data Source=" + Db + ";Pooling=false"))
        {
            await other.OpenAsync();
            await using var command = other.CreateCommand();
            command.CommandText = "CREATE TABLE notes(text TEXT); INSERT INTO notes VALUES('mine')";
            await command.ExecuteNonQueryAsync();
        }
        var e = await Assert.ThrowsAsync<MailStoreException>(async () => await SqliteMailStore.OpenAsync(_dir));
        AssertOneLine(e!, "is not a proto mail store");
        await using var check = new SqliteConnection("Data Source=" + Db + ";Pooling=false");
        await check.OpenAsync();
        await using var count = check.CreateCommand();
        count.CommandText = "SELECT count(*) FROM sqlite_schema";
        Assert.That(await count.ExecuteScalarAsync(), Is.EqualTo(1L), "nothing was added to the foreign database");
    }

    [Test]
    public async Task A_newer_schema_is_refused()
    {
        await using (var store = await SqliteMailStore.OpenAsync(_dir)) { }
        SqliteConnection.ClearAllPools();
        await using (var connection = new SqliteConnection("Data Source=" + Db + ";Pooling=false"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA user_version = {SqliteSchema.Versions.Length + 1}";
            await command.ExecuteNonQueryAsync();
        }
        var e = await Assert.ThrowsAsync<MailStoreException>(async () => await SqliteMailStore.OpenAsync(_dir));
        AssertOneLine(e!, "newer than this proto knows");
    }

    [Test]
    public async Task A_version_1_store_is_migrated_and_its_messages_stay_listed_searchable_and_readable()
    {
        var raw = Encoding.ASCII.GetBytes("Subject: from version one\r\n\r\nold body\r\n");
        await WriteOldStoreAsync(1, raw, """
            INSERT INTO messages(id, received_at, envelope_from, envelope_to, subject, size, has_html, attachments)
                VALUES('old-1', 1790000000000, 'old@example.org', 'bob@example.org', 'from version one', $n, 0, 0);
            INSERT INTO bodies(uid, raw) VALUES(last_insert_rowid(), $raw);
            """);
        await using var store = await SqliteMailStore.OpenAsync(_dir);
        var page = await store.ListAsync(new MailQuery("version"));
        Assert.That(page.Messages.Select(m => m.Id), Is.EqualTo(new[] { "old-1" }), "the FTS index was backfilled");
        Assert.That((await store.ListAsync(new MailQuery("from:old@"))).Matched, Is.EqualTo(1));
        await using (var stream = (await store.OpenRawAsync("old-1"))!)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.That(copy.ToArray(), Is.EqualTo(raw));
        }
        var next = await store.AppendAsync(new MailToAppend(raw, "new@example.org", ["bob@example.org"]));
        Assert.That(next.Uid, Is.EqualTo(2));
        Assert.That((await store.GetMailboxAsync("INBOX"))!.UidNext, Is.EqualTo(3));
        Assert.That((await store.GetStatsAsync()).Messages, Is.EqualTo(2));
    }

    [Test]
    public async Task A_version_3_store_is_migrated_and_its_totals_move_with_the_writer()
    {
        var raw = Encoding.ASCII.GetBytes("From: Old Sender <sender@old.test>\r\nSubject: Quarterly numbers\r\n\r\nold body\r\n");
        await WriteOldStoreAsync(3, raw, """
            INSERT INTO messages(id, received_at, envelope_from, envelope_to, header_from, subject, size, has_html, attachments)
                VALUES('old-3', 1790000000000, 'bounce@old.test', 'bob@example.org', 'Old Sender <sender@old.test>', 'Quarterly numbers', $n, 0, 0);
            INSERT INTO bodies(uid, raw) VALUES(last_insert_rowid(), $raw);
            """);
        await using var store = await SqliteMailStore.OpenAsync(_dir);
        Assert.That((await store.ListAsync(new MailQuery("subject:ARTERLY"))).Messages.Select(m => m.Id), Is.EqualTo(new[] { "old-3" }),
            "substring of the subject");
        Assert.That((await store.ListAsync(new MailQuery("from:sender@old"))).Matched, Is.EqualTo(1), "From header");
        Assert.That((await store.ListAsync(new MailQuery("from:bounce@old"))).Matched, Is.EqualTo(1), "MAIL FROM");
        Assert.That((await store.ListAsync(new MailQuery("to:bob@example"))).Matched, Is.EqualTo(1), "RCPT TO");
        Assert.That((await store.GetStatsAsync()).Messages, Is.EqualTo(1), "the version 3 trigger counted it");
        var added = await store.AppendAsync(new MailToAppend(raw, "new@example.org", ["bob@example.org"]));
        Assert.That(await store.GetStatsAsync(), Is.EqualTo(new MailStoreStats(2, 2L * raw.Length, 0, 0)), "the writer counts it now");
        Assert.That((await store.ListAsync(new MailQuery("subject:quarterly"))).Matched, Is.EqualTo(2));
        await store.DeleteAsync(["old-3"]);
        var left = await store.ListAsync(new MailQuery("subject:quarterly"));
        Assert.That((left.Matched, left.Total, left.Messages.Single().Id), Is.EqualTo((1L, 1L, added.Id)), "the delete trigger still counts");
    }

    [Test]
    public async Task A_version_4_store_is_migrated_as_fully_indexed_and_its_rows_go_with_a_delete()
    {
        var raw = Encoding.ASCII.GetBytes("Subject: version four\r\n\r\nold capybara\r\n");
        // As version 4 wrote a message: its index row in the same transaction.
        await WriteOldStoreAsync(4, raw, """
            INSERT INTO messages(id, received_at, envelope_from, envelope_to, subject, size, has_html, attachments)
                VALUES('old-4', 1790000000000, 'old@example.org', 'bob@example.org', 'version four', $n, 0, 0);
            INSERT INTO bodies(uid, raw) VALUES(last_insert_rowid(), $raw);
            INSERT INTO search(rowid, subject, addresses, body) VALUES(last_insert_rowid(), 'version four', 'old@example.org bob@example.org', 'old capybara');
            UPDATE totals SET messages = 1, bytes = $n;
            """);
        await using var store = await SqliteMailStore.OpenAsync(_dir);
        Assert.That((await store.ListAsync(new MailQuery("capybara"))).Matched, Is.EqualTo(1), "indexed once: not again at the start");
        var added = await store.AppendAsync(new MailToAppend(raw, "new@example.org", ["bob@example.org"]));
        Assert.That((await store.ListAsync(new MailQuery("capybara"))).Matched, Is.EqualTo(2));
        await store.DeleteAsync(["old-4"]);
        var left = await store.ListAsync(new MailQuery("capybara"));
        Assert.That((left.Matched, left.Messages.Single().Id), Is.EqualTo((1L, added.Id)), "the old row went with its message");
    }

    [Test]
    public async Task A_version_5_store_is_migrated_with_its_uids_totals_and_views_and_never_reuses_a_uid()
    {
        var raw = Encoding.ASCII.GetBytes("Subject: version five\r\n\r\nold wombat\r\n");
        // As version 5 left it: three messages appended (AUTOINCREMENT gave 1-3), the newest deleted (sqlite_sequence
        // still says 3), the rest indexed, the totals and UIDNEXTs as its writer kept them.
        await WriteOldStoreAsync(5, raw, """
            INSERT INTO messages(id, received_at, envelope_from, envelope_to, subject, size, has_html, attachments, flags, keywords, transcript)
                VALUES('old-1', 1790000000000, 'old@example.org', 'bob@example.org', 'version five', $n, 0, 0, 1, 'blue', 'EHLO x'),
                      ('old-2', 1790000001000, 'old@example.org', 'carol@example.org', 'version five', $n, 0, 0, 0, '', NULL),
                      ('old-3', 1790000002000, 'old@example.org', 'bob@example.org', 'version five', $n, 0, 0, 0, '', NULL);
            INSERT INTO bodies(uid, raw) VALUES(1, $raw), (2, $raw), (3, $raw);
            INSERT INTO recipients VALUES('bob@example.org', 1), ('carol@example.org', 2), ('bob@example.org', 3);
            INSERT INTO search(rowid, subject, addresses, body) VALUES(1, 'version five', 'old@example.org bob@example.org', 'old wombat'),
                (2, 'version five', 'old@example.org carol@example.org', 'old wombat'), (3, 'version five', 'old@example.org bob@example.org', 'old wombat');
            UPDATE meta SET value = 3 WHERE key = 'indexed_up_to';
            UPDATE totals SET messages = 3, bytes = 3 * $n;
            UPDATE mailboxes SET uidnext = 4 WHERE name = 'INBOX';
            INSERT INTO mailboxes VALUES('bob@example.org', 4), ('carol@example.org', 3);
            DELETE FROM messages WHERE uid = 3;
            """);
        await using (var store = await SqliteMailStore.OpenAsync(_dir))
        {
            Assert.That(await store.GetStatsAsync(), Is.EqualTo(new MailStoreStats(2, 2L * raw.Length, 0, 0)), "the totals came along");
            var old = (await store.GetAsync("old-1"))!;
            Assert.That((old.Summary.Uid, old.Summary.Flags, old.Summary.Keywords.Single(), old.Session.Transcript),
                Is.EqualTo((1L, MailFlags.Seen, "blue", "EHLO x")), "rows as they were");
            Assert.That((await store.ListAsync(new MailQuery("wombat"))).Matched, Is.EqualTo(2), "the index as it was");
            Assert.That((await store.ListAsync(new MailQuery("subject:five"))).Matched, Is.EqualTo(2), "the substring index rebuilt");
            Assert.That((await store.GetMailboxAsync("INBOX"))!.UidNext, Is.EqualTo(4));
            var added = await store.AppendAsync(new MailToAppend(raw, "new@example.org", ["bob@example.org"]));
            Assert.That(added.Uid, Is.EqualTo(4), "not 3: the deleted newest message's UID is not used again");
            Assert.That((await store.GetMailboxAsync("bob@example.org"))!.UidNext, Is.EqualTo(5));
            Assert.That((await store.GetMailboxAsync("carol@example.org"))!.UidNext, Is.EqualTo(3), "a view moves only when mail lands in it");
            Assert.That((await store.ListByUidAsync("bob@example.org", 0, 10)).Select(m => m.Uid), Is.EqualTo(new long[] { 1, 4 }));
            Assert.That(await store.GetStatsAsync(), Is.EqualTo(new MailStoreStats(3, 3L * raw.Length, 0, 0)));
            await store.ClearAsync();
            Assert.That(await store.GetStatsAsync(), Is.EqualTo(new MailStoreStats(0, 0, 0, 0)), "the delete trigger counts in the INBOX row");
            Assert.That((await store.AppendAsync(new MailToAppend(raw, "new@example.org", ["bob@example.org"]))).Uid, Is.EqualTo(5), "not after a clear either");
        }
        await using (var reopened = await SqliteMailStore.OpenAsync(_dir))
        {
            Assert.That((await reopened.AppendAsync(new MailToAppend(raw, "new@example.org", ["bob@example.org"]))).Uid, Is.EqualTo(6), "nor after a restart");
            Assert.That((await reopened.GetStatsAsync()).Messages, Is.EqualTo(2));
        }
        await using var connection = new SqliteConnection("Data Source=" + Db + ";Pooling=false");
        await connection.OpenAsync();
        Assert.That(SqliteSchema.Scalar(connection, "PRAGMA user_version"), Is.EqualTo(SqliteSchema.Versions.Length));
        Assert.That(SqliteSchema.Scalar(connection, "SELECT count(*) FROM sqlite_schema WHERE name = 'messages_v6' OR sql LIKE '%AUTOINCREMENT%'"),
            Is.EqualTo(0), "no AUTOINCREMENT left (its sqlite_sequence row was a page written by every commit)");
        Assert.That(SqliteSchema.Scalar(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'messages'"), Is.EqualTo(3),
            "id, body_file, the substring columns (received_at's went with version 7)");
    }

    [Test]
    public async Task A_version_6_store_is_migrated_and_a_delete_or_a_prune_takes_what_hangs_on_its_messages()
    {
        var raw = Encoding.ASCII.GetBytes("Subject: version six\r\n\r\nold quokka\r\n");
        // As version 6 left it: four messages, indexed, each with its body and view, the totals in the INBOX row.
        await WriteOldStoreAsync(6, raw, """
            INSERT INTO messages(uid, id, received_at, envelope_from, envelope_to, subject, size, has_html, attachments)
                VALUES(1, 'old-1', 1790000000000, 'old@example.org', 'bob@example.org', 'version six', $n, 0, 0),
                      (2, 'old-2', 1790000001000, 'old@example.org', 'carol@example.org', 'version six', $n, 0, 0),
                      (3, 'old-3', 1790000002000, 'old@example.org', 'bob@example.org', 'version six', $n, 0, 0),
                      (4, 'old-4', 1790000003000, 'old@example.org', 'bob@example.org', 'version six', $n, 0, 0);
            INSERT INTO bodies(uid, raw) VALUES(1, $raw), (2, $raw), (3, $raw), (4, $raw);
            INSERT INTO recipients VALUES('bob@example.org', 1), ('carol@example.org', 2), ('bob@example.org', 3), ('bob@example.org', 4);
            INSERT INTO search(rowid, subject, addresses, body) VALUES(1, 'version six', 'old@example.org bob@example.org', 'old quokka'),
                (2, 'version six', 'old@example.org carol@example.org', 'old quokka'), (3, 'version six', 'old@example.org bob@example.org', 'old quokka'),
                (4, 'version six', 'old@example.org bob@example.org', 'old quokka');
            UPDATE meta SET value = 4 WHERE key = 'indexed_up_to';
            UPDATE meta SET value = 7 WHERE key = 'pruned_messages';
            UPDATE meta SET value = 700 WHERE key = 'pruned_bytes';
            UPDATE mailboxes SET uidnext = 5, messages = 4, bytes = 4 * $n WHERE name = 'INBOX';
            INSERT INTO mailboxes(name, uidnext) VALUES('bob@example.org', 5), ('carol@example.org', 3);
            """);
        async Task<long> CountAsync(string sql)
        {
            await using var connection = new SqliteConnection("Data Source=" + Db + ";Pooling=false");
            await connection.OpenAsync();
            return SqliteSchema.Scalar(connection, sql);
        }
        await using (var store = await SqliteMailStore.OpenAsync(_dir))
        {
            Assert.That((await store.ListAsync(new MailQuery("quokka"))).Matched, Is.EqualTo(4));
            Assert.That(await store.DeleteAsync(["old-2"]), Is.EqualTo(1));
            Assert.That(await store.GetStatsAsync(), Is.EqualTo(new MailStoreStats(3, 3L * raw.Length, 7, 700)), "a delete moves the totals; the pruned counts came along");
            Assert.That((await store.ListAsync(new MailQuery("quokka"))).Matched, Is.EqualTo(3), "and takes its index row");
            Assert.That(await CountAsync("SELECT count(*) FROM bodies WHERE uid = 2") + await CountAsync("SELECT count(*) FROM recipients WHERE uid = 2"),
                Is.Zero, "its bytes and its view");
            Assert.That((await store.ListByUidAsync("carol@example.org", 0, 10)), Is.Empty);
        }
        // --keep 2: the commit of one more prunes the two oldest (1 and 3) by range, with their bytes, views and index rows.
        await using (var kept = await SqliteMailStore.OpenAsync(_dir, new SqliteMailStoreOptions { Retention = new MailRetention(Keep: 2) }))
        {
            var added = await kept.AppendAsync(new MailToAppend(raw, "new@example.org", ["bob@example.org"]));
            Assert.That(added.Uid, Is.EqualTo(5));
            Assert.That(await kept.GetStatsAsync(), Is.EqualTo(new MailStoreStats(2, 2L * raw.Length, 9, 700 + 2L * raw.Length)));
            Assert.That((await kept.ListByUidAsync("bob@example.org", 0, 10)).Select(m => m.Uid), Is.EqualTo(new long[] { 4, 5 }));
            Assert.That((await kept.ListAsync(new MailQuery("quokka"))).Messages.Select(m => m.Uid), Is.EqualTo(new long[] { 5, 4 }));
        }
        Assert.That(await CountAsync("SELECT count(*) FROM bodies"), Is.EqualTo(2));
        Assert.That(await CountAsync("SELECT count(*) FROM recipients"), Is.EqualTo(2));
        // --max-age: the oldest UIDs while they are older than the bound (4 is from 2026, 5 from now).
        await using (var aged = await SqliteMailStore.OpenAsync(_dir, new SqliteMailStoreOptions { Retention = new MailRetention(MaxAge: TimeSpan.FromDays(1)) }))
        {
            await aged.AppendAsync(new MailToAppend(raw, "new@example.org", ["bob@example.org"]));
            Assert.That((await aged.ListByUidAsync("INBOX", 0, 10)).Select(m => m.Uid), Is.EqualTo(new long[] { 5, 6 }));
            Assert.That((await aged.ListAsync(new MailQuery("quokka"))).Matched, Is.EqualTo(2));
            Assert.That((await aged.GetStatsAsync()).Messages, Is.EqualTo(2));
        }
        Assert.That(await CountAsync("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"), Is.Zero, "no per-row delete trigger");
        Assert.That(await CountAsync("SELECT count(*) FROM sqlite_schema WHERE name IN ('messages_received', 'recipients_uid')"), Is.Zero);
        Assert.That(await CountAsync("SELECT count(*) FROM meta WHERE key LIKE 'pruned%'"), Is.Zero, "the pruned counts live in the INBOX row");
        Assert.That(await CountAsync("SELECT count(*) FROM bodies") + await CountAsync("SELECT count(*) FROM recipients"), Is.EqualTo(4));
        Assert.That(await CountAsync("SELECT messages FROM totals"), Is.EqualTo(2));
    }

    [Test]
    public async Task The_wal_is_copied_into_the_database_in_the_background_and_not_when_idle()
    {
        await using var store = await SqliteMailStore.OpenAsync(_dir, new SqliteMailStoreOptions { CheckpointInterval = TimeSpan.FromMilliseconds(20) });
        await Task.Delay(200);
        Assert.That(store.BackgroundCheckpoints, Is.Zero, "nothing committed, nothing to copy");
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => store.AppendAsync(new MailToAppend(new byte[10_000], "a@example.org", ["b@example.org"])).AsTask()));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (store.BackgroundCheckpoints == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.That(store.BackgroundCheckpoints, Is.GreaterThan(0));
        Assert.That((await store.GetStatsAsync()).Messages, Is.EqualTo(200));
    }

    [Test]
    public async Task The_temporary_store_is_deleted_at_dispose()
    {
        var store = await MailStores.OpenAsync(null);
        var dir = ((SqliteMailStore)store).Directory;
        await store.AppendAsync(new MailToAppend("Subject: t\r\n\r\nx\r\n"u8.ToArray()));
        Assert.That(Directory.Exists(dir), Is.True);
        await store.DisposeAsync();
        Assert.That(Directory.Exists(dir), Is.False);
    }

    [Test]
    public async Task A_large_message_is_an_eml_file_a_person_can_open_and_a_crash_leftover_file_is_swept()
    {
        var big = Encoding.ASCII.GetBytes("Subject: big\r\n\r\n" + new string('y', 2 * 1024 * 1024) + "\r\n");
        string file;
        await using (var store = await SqliteMailStore.OpenAsync(_dir))
        {
            var m = await store.AppendAsync(new MailToAppend(big));
            file = Path.Combine(_dir, "messages", m.Id + ".eml");
            Assert.That(await File.ReadAllBytesAsync(file), Is.EqualTo(big));
        }
        var orphan = Path.Combine(_dir, "messages", "never-committed.eml");
        await File.WriteAllTextAsync(orphan, "half");
        await using (var store = await SqliteMailStore.OpenAsync(_dir))
        {
            Assert.That(File.Exists(orphan), Is.False, "a file no row names was swept");
            Assert.That(File.Exists(file), Is.True);
            Assert.That((await store.GetStatsAsync()).Messages, Is.EqualTo(1));
        }
    }

    [Test]
    public async Task A_store_path_that_is_a_file_is_a_one_line_error()
    {
        var path = Path.Combine(_dir, "plain-file");
        await File.WriteAllTextAsync(path, "x");
        var e = await Assert.ThrowsAsync<MailStoreException>(async () => await MailStores.OpenAsync(path));
        AssertOneLine(e!, "must be a directory");
    }

    /// <summary>A store as version <paramref name="version"/> of the schema left it: <paramref name="sql"/> run with <c>$n</c> (the size) and <c>$raw</c> bound.</summary>
    private async Task WriteOldStoreAsync(int version, byte[] raw, string sql)
    {
        await using var connection = new SqliteConnection("Data Source=" + Db + ";Pooling=false");
        await connection.OpenAsync();
        SqliteSchema.Apply(connection, Db, upTo: version);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$n", raw.Length);
        command.Parameters.AddWithValue("$raw", raw);
        await command.ExecuteNonQueryAsync();
    }
}
