using System.Text;
using Microsoft.Data.Sqlite;
using Protocols.Servers.Mail;
using Protocols.Servers.Mail.Sqlite;

namespace Protocols.Tests.Mail;

/// <summary>
/// SQLite's full-text rows follow the commits (SqliteMailStore.Index.cs): an acknowledged message is found by free
/// text at once, after a crash between its commit and its index rows, and after it was deleted or pruned unindexed.
/// The index is held pending here (IndexDelay: never) so each test sees the pending state it checks.
/// </summary>
public sealed class SqliteIndexTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("proto-store-index-").FullName;

    [TearDown]
    public void RemoveDirectory()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static SqliteMailStoreOptions Held(MailRetention? retention = null, long inlineLimit = 1024 * 1024) =>
        new() { IndexDelay = Timeout.InfiniteTimeSpan, Retention = retention ?? MailRetention.None, InlineLimit = inlineLimit };

    private static MailToAppend Mail(string subject, string body) =>
        new(Encoding.UTF8.GetBytes($"From: a@example.org\r\nTo: b@example.org\r\nSubject: {subject}\r\n\r\n{body}\r\n"), "a@example.org", ["b@example.org"]);

    private static async Task<string[]> FindAsync(IMailStore store, string search) =>
        [.. (await store.ListAsync(new MailQuery(search, Limit: 100))).Messages.Select(m => m.Subject ?? "")];

    [Test]
    public async Task A_message_is_found_by_free_text_as_soon_as_its_append_returns()
    {
        await using var store = await SqliteMailStore.OpenAsync(_dir, Held());
        await store.AppendAsync(Mail("first", "zebra crossing"));
        await store.AppendAsync(Mail("second", "zebra stripes"));
        Assert.That(store.PendingIndex, Is.EqualTo(2), "held: the rows are not written yet");
        Assert.That(await FindAsync(store, "stripes"), Is.EqualTo(new[] { "second" }));
        Assert.That(store.PendingIndex, Is.Zero, "the search wrote them first");
        await store.AppendAsync(Mail("third", "zebra again"));
        var page = await store.ListAsync(new MailQuery("zebra", Limit: 2));
        Assert.That(page.Messages.Select(m => m.Subject), Is.EqualTo(new[] { "third", "second" }), "newest first");
        Assert.That(page.Matched, Is.EqualTo(3));
        var rest = await store.ListAsync(new MailQuery("zebra", Cursor: page.NextCursor, Limit: 2));
        Assert.That(rest.Messages.Select(m => m.Subject), Is.EqualTo(new[] { "first" }));
        Assert.That(rest.NextCursor, Is.Null);
    }

    [Test]
    public async Task Text_beyond_ascii_is_stored_as_sent_and_found_by_words_and_substrings()
    {
        // The writer binds text as UTF-8 itself (SqliteStatement): the summary, the session facts and the index rows.
        await using var store = await SqliteMailStore.OpenAsync(_dir, Held());
        var subject = "=?utf-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes("Grüße aus Köln 🐘")) + "?=";
        var raw = Encoding.UTF8.GetBytes($"From: a@example.org\r\nSubject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nПривет, мир\r\n");
        var added = await store.AppendAsync(new MailToAppend(raw, "ünï@example.org", ["b@example.org"])
        {
            Session = new MailSessionFacts("127.0.0.1:1", "hélo.example", Transcript: "EHLO hélo.example\r\n250 ok 🐘\r\n"),
        });
        var stored = (await store.GetAsync(added.Id))!;
        Assert.That((stored.Summary.Subject, stored.Summary.EnvelopeFrom), Is.EqualTo(("Grüße aus Köln 🐘", "ünï@example.org")));
        Assert.That((stored.Session.HeloName, stored.Session.Transcript), Is.EqualTo(("hélo.example", "EHLO hélo.example\r\n250 ok 🐘\r\n")));
        Assert.That(await FindAsync(store, "мир"), Is.EqualTo(new[] { "Grüße aus Köln 🐘" }), "a word of the body");
        Assert.That(await FindAsync(store, "koln"), Has.Length.EqualTo(1), "a word of the subject, diacritics removed");
        Assert.That(await FindAsync(store, "subject:\"aus Köln\""), Has.Length.EqualTo(1), "a substring");
        Assert.That(await FindAsync(store, "from:ünï@"), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task A_wait_for_free_text_sees_a_message_whose_rows_are_pending()
    {
        await using var store = await SqliteMailStore.OpenAsync(_dir, Held());
        var wait = store.WaitForAsync("giraffe", TimeSpan.FromSeconds(30));
        await store.AppendAsync(Mail("tall", "a giraffe arrived"));
        var found = await wait;
        Assert.That(found?.Subject, Is.EqualTo("tall"));
    }

    [Test]
    public async Task A_crash_between_the_commit_and_the_index_rows_leaves_every_message_findable_after_restart()
    {
        var crash = Path.Combine(_dir, "crash");
        var live = Path.Combine(_dir, "live");
        // A small inline limit: one message's bytes are a file, so the rows are made again from it too.
        await using (var store = await SqliteMailStore.OpenAsync(live, Held(inlineLimit: 200)))
        {
            await store.AppendAsync(Mail("indexed", "walrus"));
            Assert.That(await FindAsync(store, "walrus"), Has.Length.EqualTo(1));
            await store.AppendAsync(Mail("pending small", "narwhal"));
            await store.AppendAsync(Mail("pending large", "narwhal " + new string('x', 400)));
            Assert.That(store.PendingIndex, Is.EqualTo(2));
            // What a kill -9 now leaves on disk: the database and its WAL as committed, the files.
            Directory.CreateDirectory(crash);
            foreach (var file in new[] { "mail.db", "mail.db-wal" }) File.Copy(Path.Combine(live, file), Path.Combine(crash, file));
            Directory.CreateDirectory(Path.Combine(crash, "messages"));
            foreach (var file in Directory.EnumerateFiles(Path.Combine(live, "messages")))
                File.Copy(file, Path.Combine(crash, "messages", Path.GetFileName(file)));
        }
        Assert.That(Directory.EnumerateFiles(Path.Combine(crash, "messages")).Count(), Is.EqualTo(1), "the large one is a file");
        await using (var restarted = await SqliteMailStore.OpenAsync(crash, Held()))
        {
            Assert.That(restarted.PendingIndex, Is.Zero);
            Assert.That(await FindAsync(restarted, "narwhal"), Is.EqualTo(new[] { "pending large", "pending small" }));
            Assert.That(await FindAsync(restarted, "walrus"), Is.EqualTo(new[] { "indexed" }), "indexed once, not twice");
            Assert.That((await restarted.ListAsync(new MailQuery("walrus"))).Matched, Is.EqualTo(1));
        }
        // And the live store, closed cleanly, wrote its pending rows before closing: nothing to redo at its start.
        await using var reopened = await SqliteMailStore.OpenAsync(live, Held());
        Assert.That(await FindAsync(reopened, "narwhal"), Has.Length.EqualTo(2));
    }

    [Test]
    public async Task Messages_deleted_or_pruned_before_their_rows_are_written_are_not_found_and_the_counts_agree()
    {
        await using var store = await SqliteMailStore.OpenAsync(_dir, Held(new MailRetention(Keep: 3)));
        for (var i = 0; i < 5; i++) await store.AppendAsync(Mail("pruned " + i, "okapi"));
        Assert.That(await FindAsync(store, "okapi"), Is.EqualTo(new[] { "pruned 4", "pruned 3", "pruned 2" }));
        Assert.That((await store.ListAsync(new MailQuery("okapi"))).Matched, Is.EqualTo(3));
        var gone = await store.AppendAsync(Mail("deleted", "tapir")); // prunes "pruned 2", indexed
        Assert.That(await FindAsync(store, "okapi"), Is.EqualTo(new[] { "pruned 4", "pruned 3" }));
        Assert.That(await store.DeleteAsync([gone.Id]), Is.EqualTo(1));
        Assert.That(await FindAsync(store, "tapir"), Is.Empty);
        // An indexed message deleted: its rows go with it.
        Assert.That(await store.DeleteAsync([(await store.ListAsync(new MailQuery("okapi", Limit: 1))).Messages[0].Id]), Is.EqualTo(1));
        Assert.That(await FindAsync(store, "okapi"), Is.EqualTo(new[] { "pruned 3" }));
        await store.ClearAsync();
        await store.AppendAsync(Mail("after clear", "okapi"));
        Assert.That(await FindAsync(store, "okapi"), Is.EqualTo(new[] { "after clear" }));
    }

    [Test]
    public async Task With_keep_below_the_index_batch_the_pruned_never_get_rows_and_the_kept_are_found()
    {
        await using var store = await SqliteMailStore.OpenAsync(_dir, Held(new MailRetention(Keep: 10)));
        var count = SqliteMailStore.IndexBatch * 2;
        for (var i = 0; i < count; i++) await store.AppendAsync(Mail("m" + i, "word" + i + "q common"));
        Assert.That(store.IndexCommits, Is.Zero, "the pending rows are those of the 10 kept: the batch is never full");
        Assert.That(store.PendingIndex, Is.EqualTo(10));
        Assert.That((await store.ListAsync(new MailQuery("common"))).Matched, Is.EqualTo(10));
        Assert.That(await FindAsync(store, $"word{count - 1}q"), Is.EqualTo(new[] { $"m{count - 1}" }));
        Assert.That(await FindAsync(store, $"word{count - 11}q"), Is.Empty, "pruned");
        Assert.That((store.IndexCommits, store.PendingIndex), Is.EqualTo((1L, 0)));
    }

    [Test]
    public async Task Under_load_the_rows_of_many_commits_go_in_one_index_transaction()
    {
        await using var store = await SqliteMailStore.OpenAsync(_dir, Held());
        var count = SqliteMailStore.IndexBatch * 2 + 10;
        for (var i = 0; i < count; i++) await store.AppendAsync(Mail("m" + i, "word" + i + "q common"));
        Assert.That(store.CommitCounts.Batches, Is.EqualTo(count), "one commit per message, appended one after another");
        Assert.That(store.IndexCommits, Is.EqualTo(2), $"one index transaction per {SqliteMailStore.IndexBatch} messages");
        Assert.That(store.PendingIndex, Is.EqualTo(10));
        Assert.That((await store.ListAsync(new MailQuery("common"))).Matched, Is.EqualTo(count));
        Assert.That(await FindAsync(store, "word7q"), Is.EqualTo(new[] { "m7" }));
        Assert.That(await FindAsync(store, $"word{count - 1}q"), Is.EqualTo(new[] { $"m{count - 1}" }));
    }

    [Test]
    public async Task When_index_rows_cannot_be_written_appends_are_refused_at_the_bound_and_free_text_searches_fail()
    {
        await using var store = await SqliteMailStore.OpenAsync(_dir, Held() with { Durable = false });
        await store.AppendAsync(Mail("before", "quokka"));
        await using (var other = new SqliteConnection("Data Source=" + Path.Combine(_dir, "mail.db") + ";Pooling=false"))
        {
            await other.OpenAsync();
            await using var drop = other.CreateCommand();
            drop.CommandText = "DROP TABLE search"; // every index transaction fails from now on; the commits do not touch it
            await drop.ExecuteNonQueryAsync();
        }
        var stored = 1;
        MailStoreException? refused = null;
        while (refused is null && stored <= SqliteMailStore.MaxPendingIndex + 1)
        {
            try
            {
                await store.AppendAsync(Mail("m" + stored, "quokka"));
                stored++;
            }
            catch (MailStoreException e)
            {
                refused = e;
            }
        }
        Assert.That(refused, Is.Not.Null, "acknowledged past the bound");
        Assert.That(refused!.Message, Does.Contain("cannot index for search"));
        Assert.That(stored, Is.EqualTo(SqliteMailStore.MaxPendingIndex), "refused exactly at the bound");
        Assert.That(store.PendingIndex, Is.EqualTo(SqliteMailStore.MaxPendingIndex));
        await Assert.ThrowsAsync<MailStoreException>(async () => await store.ListAsync(new MailQuery("quokka")), "a free-text search fails, never misses");
        Assert.That((await store.ListAsync(new MailQuery("subject:m1"))).Matched, Is.GreaterThan(0), "other searches still answer");
    }

    [Test]
    public async Task Without_a_search_the_pending_rows_are_written_after_a_quiet_moment()
    {
        await using var store = await SqliteMailStore.OpenAsync(_dir, new SqliteMailStoreOptions { IndexDelay = TimeSpan.FromMilliseconds(50) });
        await store.AppendAsync(Mail("quiet", "lemur"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (store.PendingIndex > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.That(store.PendingIndex, Is.Zero);
        Assert.That(store.IndexCommits, Is.EqualTo(1));
    }
}
