using System.Collections.Concurrent;
using System.Text;
using Protocols.Servers.Mail;

namespace Protocols.Tests.Mail;

/// <summary>
/// The contract every <see cref="IMailStore"/> keeps, run against each implementation (SQLite, PostgreSQL): a
/// subclass says how to make a fresh store and how to reopen the same one.
/// </summary>
public abstract class MailStoreContract
{
    /// <summary>A new, empty store.</summary>
    protected abstract Task<IMailStore> CreateAsync(MailRetention? retention = null);

    /// <summary>The store last created, closed and opened again (what a restart sees).</summary>
    protected abstract Task<IMailStore> ReopenAsync(IMailStore store);

    protected static byte[] Message(string subject, string body = "hello", string from = "Alice <alice@example.org>", string to = "bob@example.org",
        string? extraHeaders = null) =>
        Encoding.UTF8.GetBytes($"From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Tue, 01 Dec 2026 08:00:00 +0000\r\n{extraHeaders}\r\n{body}\r\n");

    protected static MailToAppend Mail(string subject, string envelopeFrom = "alice@example.org", string[]? to = null, string body = "hello") =>
        new(Message(subject, body), envelopeFrom, to ?? ["bob@example.org"]);

    private static async Task<byte[]> ReadAllAsync(IMailStore store, string id)
    {
        var stream = await store.OpenRawAsync(id);
        Assert.That(stream, Is.Not.Null, $"no raw stream for {id}");
        await using (stream!)
        {
            using var copy = new MemoryStream();
            await stream!.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    [Test]
    public async Task Append_keeps_envelope_session_facts_summary_and_exact_bytes()
    {
        await using var store = await CreateAsync();
        var raw = Message("Hello there", "body text", extraHeaders: "Cc: carol@example.org\r\n");
        var session = new MailSessionFacts("127.0.0.1:50412", "client.test", Tls: true, AuthenticatedUser: "alice", Transcript: "EHLO client.test\r\n250 ok\r\n");
        var stored = await store.AppendAsync(new MailToAppend(raw, "alice@example.org", ["bob@example.org", "carol@example.org"])
        {
            Id = "abc-123",
            ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000),
            Session = session,
        });
        Assert.That(stored.Id, Is.EqualTo("abc-123"));
        Assert.That(stored.Uid, Is.GreaterThan(0));
        var got = await store.GetAsync("abc-123");
        Assert.That(got, Is.Not.Null);
        var s = got!.Summary;
        Assert.Multiple(() =>
        {
            Assert.That(s.Subject, Is.EqualTo("Hello there"));
            Assert.That(s.From, Does.Contain("alice@example.org"));
            Assert.That(s.Cc, Does.Contain("carol@example.org"));
            Assert.That(s.EnvelopeFrom, Is.EqualTo("alice@example.org"));
            Assert.That(s.EnvelopeTo, Is.EqualTo(new[] { "bob@example.org", "carol@example.org" }));
            Assert.That(s.ReceivedAt, Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000)));
            Assert.That(s.Size, Is.EqualTo(raw.Length));
            Assert.That(s.Flags, Is.EqualTo(MailFlags.None));
            Assert.That(got.Session, Is.EqualTo(session));
        });
        Assert.That(await ReadAllAsync(store, "abc-123"), Is.EqualTo(raw));
        Assert.That(await store.GetAsync("nope"), Is.Null);
        Assert.That(await store.OpenRawAsync("nope"), Is.Null);
    }

    [Test]
    public async Task Large_and_empty_messages_read_back_byte_exact()
    {
        await using var store = await CreateAsync();
        var big = new byte[3 * 1024 * 1024 + 7];
        new Random(7).NextBytes(big);
        var header = "Subject: big\r\n\r\n"u8.ToArray();
        var raw = header.Concat(big).ToArray();
        var a = await store.AppendAsync(new MailToAppend(raw, "a@x.test", ["b@x.test"]));
        var e = await store.AppendAsync(new MailToAppend(Array.Empty<byte>(), "a@x.test", ["b@x.test"]));
        Assert.That(await ReadAllAsync(store, a.Id), Is.EqualTo(raw));
        Assert.That(await ReadAllAsync(store, e.Id), Is.Empty);
    }

    [Test]
    public async Task A_duplicate_id_is_refused_and_the_first_stays()
    {
        await using var store = await CreateAsync();
        await store.AppendAsync(Mail("first") with { Id = "same" });
        await Assert.ThrowsAsync<MailStoreException>(async () => await store.AppendAsync(Mail("second") with { Id = "same" }));
        Assert.That((await store.GetAsync("same"))!.Summary.Subject, Is.EqualTo("first"));
        Assert.That((await store.GetStatsAsync()).Messages, Is.EqualTo(1));
    }

    [Test]
    public async Task Pages_come_newest_first_by_cursor_with_matched_and_total()
    {
        await using var store = await CreateAsync();
        for (var i = 0; i < 25; i++) await store.AppendAsync(Mail($"message {i:D2}" + (i % 5 == 0 ? " special" : "")));
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await store.ListAsync(new MailQuery(Cursor: cursor, Limit: 10));
            Assert.That(page.Total, Is.EqualTo(25));
            Assert.That(page.Matched, Is.EqualTo(25));
            seen.AddRange(page.Messages.Select(m => m.Subject!));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);
        Assert.That(pages, Is.EqualTo(3));
        Assert.That(seen, Is.EqualTo(Enumerable.Range(0, 25).Reverse().Select(i => $"message {i:D2}" + (i % 5 == 0 ? " special" : ""))));
        var special = await store.ListAsync(new MailQuery("subject:special", Limit: 2));
        Assert.That(special.Matched, Is.EqualTo(5));
        Assert.That(special.Total, Is.EqualTo(25));
        Assert.That(special.Messages.Select(m => m.Subject), Is.EqualTo(new[] { "message 20 special", "message 15 special" }));
        var rest = await store.ListAsync(new MailQuery("subject:special", Cursor: special.NextCursor, Limit: 10));
        Assert.That(rest.Messages.Select(m => m.Subject), Is.EqualTo(new[] { "message 10 special", "message 05 special", "message 00 special" }));
        Assert.That(rest.NextCursor, Is.Null);
        await Assert.ThrowsAsync<MailSearchException>(async () => await store.ListAsync(new MailQuery(Cursor: "not-a-cursor")));
    }

    [Test]
    public async Task Search_language_terms_each_match_what_they_say()
    {
        await using var store = await CreateAsync();
        await store.AppendAsync(new MailToAppend(Message("Invoice March", "please pay the invoice", from: "Billing <billing@shop.test>", to: "dave@example.org"),
            "bounce@shop.test", ["dave@example.org"]) { ReceivedAt = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero), Id = "invoice" });
        var attachment = Encoding.ASCII.GetBytes(
            "From: erin@example.org\r\nTo: frank@example.org\r\nSubject: Photos\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            + "--b\r\nContent-Type: text/plain\r\n\r\nsee the holiday pictures attached\r\n"
            + "--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=a.png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n");
        await store.AppendAsync(new MailToAppend(attachment, "erin@example.org", ["frank@example.org"])
            { ReceivedAt = new DateTimeOffset(2026, 6, 15, 12, 0, 0, TimeSpan.Zero), Id = "photos" });
        await store.AppendAsync(new MailToAppend(Message("Weekly report", "numbers went up", to: "dave@example.org"), "alice@example.org", ["dave@example.org"])
            { ReceivedAt = new DateTimeOffset(2026, 9, 1, 12, 0, 0, TimeSpan.Zero), Id = "report" });
        await store.SetFlagsAsync("report", new MailFlagChange(Add: MailFlags.Seen | MailFlags.Flagged, AddKeywords: ["work"]));

        async Task<string[]> Ids(string search) =>
            [.. (await store.ListAsync(new MailQuery(search, Limit: 100))).Messages.Select(m => m.Id).Order()];
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Ids("from:billing"), Is.EqualTo(new[] { "invoice" }), "from: header");
            Assert.That(await Ids("from:bounce@shop"), Is.EqualTo(new[] { "invoice" }), "from: envelope");
            Assert.That(await Ids("to:dave"), Is.EqualTo(new[] { "invoice", "report" }));
            Assert.That(await Ids("subject:INVOICE"), Is.EqualTo(new[] { "invoice" }), "case-insensitive");
            Assert.That(await Ids("subject:\"weekly report\""), Is.EqualTo(new[] { "report" }));
            Assert.That(await Ids("has:attachment"), Is.EqualTo(new[] { "photos" }));
            Assert.That(await Ids("is:unread"), Is.EqualTo(new[] { "invoice", "photos" }));
            Assert.That(await Ids("is:read"), Is.EqualTo(new[] { "report" }));
            Assert.That(await Ids("is:flagged"), Is.EqualTo(new[] { "report" }));
            Assert.That(await Ids("tag:work"), Is.EqualTo(new[] { "report" }));
            Assert.That(await Ids("before:2026-06-15"), Is.EqualTo(new[] { "invoice" }));
            Assert.That(await Ids("after:2026-06-15"), Is.EqualTo(new[] { "report" }));
            Assert.That(await Ids("after:2026-06-01 before:2026-07-01"), Is.EqualTo(new[] { "photos" }));
            Assert.That(await Ids("holiday"), Is.EqualTo(new[] { "photos" }), "free text in the body");
            Assert.That(await Ids("holi"), Is.EqualTo(new[] { "photos" }), "a word prefix");
            Assert.That(await Ids("\"pay the invoice\""), Is.EqualTo(new[] { "invoice" }), "a phrase");
            Assert.That(await Ids("\"invoice the pay\""), Is.Empty, "a phrase is in order");
            Assert.That(await Ids("frank@example.org"), Is.EqualTo(new[] { "photos" }), "an address as free text");
            Assert.That(await Ids("-subject:invoice"), Is.EqualTo(new[] { "photos", "report" }));
            Assert.That(await Ids("!has:attachment to:dave numbers"), Is.EqualTo(new[] { "report" }));
            Assert.That(await Ids("nothing-like-this"), Is.Empty);
            Assert.That(await Ids("subject:50%_off"), Is.Empty, "LIKE wildcards are literal");
        });
    }

    [Test]
    public async Task Substring_terms_of_any_length_count_and_page_alike()
    {
        await using var store = await CreateAsync();
        await store.AppendAsync(Mail("50% off \"today\"", to: ["Ann <x@shop.test>"]) with { Id = "sale" });
        for (var i = 0; i < 12; i++) await store.AppendAsync(Mail($"Re: news {i}", envelopeFrom: $"n{i}@news.test") with { Id = $"news{i:D2}" });
        await store.AppendAsync(Mail("ab", envelopeFrom: "q@x.io") with { Id = "short" });

        async Task<(long Matched, string[] Ids)> Find(string search, int limit = 100)
        {
            var page = await store.ListAsync(new MailQuery(search, Limit: limit));
            return (page.Matched, [.. page.Messages.Select(m => m.Id).Order()]);
        }
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Find("subject:ab"), Is.EqualTo((1L, new[] { "short" })), "two characters");
            Assert.That(await Find("subject:b"), Is.EqualTo((1L, new[] { "short" })), "one character");
            Assert.That(await Find("subject:50%"), Is.EqualTo((1L, new[] { "sale" })), "a LIKE wildcard, literal");
            Assert.That(await Find(MailSearch.Term("subject", "\"today\"")), Is.EqualTo((1L, new[] { "sale" })), "quotes inside the value");
            Assert.That(await Find("subject:NEWS"), Is.EqualTo((12L, Enumerable.Range(0, 12).Select(i => $"news{i:D2}").ToArray())));
            Assert.That(await Find("subject:news from:n1"), Is.EqualTo((3L, new[] { "news01", "news10", "news11" })), "two terms");
            Assert.That(await Find("from:news.test -subject:\"news 1\""), Is.EqualTo((9L, new[] { "news00", "news02", "news03", "news04", "news05", "news06", "news07", "news08", "news09" })));
            Assert.That(await Find("to:shop.test"), Is.EqualTo((1L, new[] { "sale" })), "RCPT TO");
            Assert.That(await Find("addressed:q@x"), Is.EqualTo((1L, new[] { "short" })));
            Assert.That(await Find("from:q@x.io"), Is.EqualTo((1L, new[] { "short" })), "MAIL FROM, the whole of it");
            Assert.That(await Find("subject:\"news 1\" from:news.test"), Is.EqualTo((3L, new[] { "news01", "news10", "news11" })), "two indexed terms");
            Assert.That(await Find("to:bob@example.orgx"), Is.EqualTo((0L, Array.Empty<string>())), "no match past the end of one address");
            Assert.That(await Find("subject:nosuch"), Is.EqualTo((0L, Array.Empty<string>())));
        });
        var first = await store.ListAsync(new MailQuery("subject:news", Limit: 5));
        var second = await store.ListAsync(new MailQuery("subject:news", Cursor: first.NextCursor, Limit: 5));
        var third = await store.ListAsync(new MailQuery("subject:news", Cursor: second.NextCursor, Limit: 5));
        Assert.That(first.Messages.Concat(second.Messages).Concat(third.Messages).Select(m => m.Id),
            Is.EqualTo(Enumerable.Range(0, 12).Reverse().Select(i => $"news{i:D2}")), "newest first, by cursor");
        Assert.That((first.Matched, second.Matched, third.Matched, third.NextCursor), Is.EqualTo((12L, 12L, 12L, (string?)null)));
        await store.DeleteAsync(["news11"]);
        Assert.That(await Find("subject:news", limit: 1), Is.EqualTo((11L, new[] { "news10" })), "a deleted message leaves the index");
    }

    [Test]
    public async Task A_search_counts_and_pages_the_same_at_the_few_matches_limit_and_past_it()
    {
        await using var store = await CreateAsync();
        const int few = Protocols.Servers.Mail.Sql.SqlMailStore.FewMatches;
        await Task.WhenAll(Enumerable.Range(0, few).Select(i => store.AppendAsync(Mail(i % 2 == 0 ? "match even" : "match odd")).AsTask()));
        await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => store.AppendAsync(Mail("other")).AsTask()));
        async Task<(long Matched, int Count, string? Next)> Look(string search)
        {
            var page = await store.ListAsync(new MailQuery(search, Limit: 7));
            Assert.That(page.Messages.Select(m => m.Uid), Is.Ordered.Descending);
            return (page.Matched, page.Messages.Count, page.NextCursor is null ? null : "more");
        }
        Assert.That(await Look("subject:match"), Is.EqualTo(((long)few, 7, "more")), "at the limit: one scan");
        Assert.That(await Look("subject:even"), Is.EqualTo(((long)few / 2, 7, "more")));
        Assert.That(await Look("subject:other"), Is.EqualTo((30L, 7, "more")));
        await store.AppendAsync(Mail("match late"));
        Assert.That(await Look("subject:match"), Is.EqualTo(((long)few + 1, 7, "more")), "past it: counted, then paged");
        var newest = await store.ListAsync(new MailQuery("subject:match", Limit: 1));
        Assert.That(newest.Messages.Single().Subject, Is.EqualTo("match late"));
        Assert.That(await Look("match"), Is.EqualTo(((long)few + 1, 7, "more")), "free text, counted in the full-text index");
        var words = await store.ListAsync(new MailQuery("match even", Limit: 400));
        var rest = await store.ListAsync(new MailQuery("match even", Cursor: words.NextCursor, Limit: 400));
        Assert.That((words.Matched, words.Messages.Count, rest.Messages.Count, rest.NextCursor), Is.EqualTo(((long)few / 2, 400, few / 2 - 400, (string?)null)));
        Assert.That(words.Messages.Concat(rest.Messages).Select(m => m.Uid), Is.Ordered.Descending.And.Unique);
        var last = await store.ListAsync(new MailQuery("-subject:match", Limit: 100));
        Assert.That((last.Matched, last.Messages.Count, last.NextCursor), Is.EqualTo((30L, 30, (string?)null)));
    }

    [Test]
    public async Task Flags_and_keywords_persist_and_raise_changes()
    {
        var store = await CreateAsync();
        var changes = new ConcurrentQueue<MailChange>();
        store.Changed += (_, e) => changes.Enqueue(e);
        var m = await store.AppendAsync(Mail("flag me"));
        var after = await store.SetFlagsAsync(m.Id, new MailFlagChange(Add: MailFlags.Seen | MailFlags.Answered, AddKeywords: ["$Label1", "todo"]));
        Assert.That(after!.Flags, Is.EqualTo(MailFlags.Seen | MailFlags.Answered));
        after = await store.SetFlagsAsync(m.Id, new MailFlagChange(Remove: MailFlags.Answered, RemoveKeywords: ["TODO"]));
        Assert.That(after!.Flags, Is.EqualTo(MailFlags.Seen));
        Assert.That(after.Keywords, Is.EqualTo(new[] { "$Label1" }));
        Assert.That(await store.SetFlagsAsync("missing", new MailFlagChange(Add: MailFlags.Seen)), Is.Null);
        Assert.That(changes.Select(c => c.Kind), Is.EqualTo(new[] { MailChangeKind.Added, MailChangeKind.FlagsChanged, MailChangeKind.FlagsChanged }));
        Assert.That(changes.Last().Summary!.Flags, Is.EqualTo(MailFlags.Seen));
        store = await ReopenAsync(store);
        await using (store)
        {
            var again = (await store.GetAsync(m.Id))!.Summary;
            Assert.That(again.Flags, Is.EqualTo(MailFlags.Seen), "read/unread survives a restart");
            Assert.That(again.Keywords, Is.EqualTo(new[] { "$Label1" }));
        }
    }

    [Test]
    public async Task Delete_and_clear_raise_changes_and_uids_are_never_reused()
    {
        var store = await CreateAsync();
        var changes = new ConcurrentQueue<MailChange>();
        store.Changed += (_, e) => changes.Enqueue(e);
        var a = await store.AppendAsync(Mail("a"));
        var b = await store.AppendAsync(Mail("b"));
        Assert.That(b.Uid, Is.GreaterThan(a.Uid));
        Assert.That(await store.DeleteAsync([b.Id, "missing", b.Id]), Is.EqualTo(1));
        Assert.That(await store.OpenRawAsync(b.Id), Is.Null);
        var c = await store.AppendAsync(Mail("c"));
        Assert.That(c.Uid, Is.GreaterThan(b.Uid), "a deleted message's UID is not given again");
        await store.ClearAsync();
        Assert.That((await store.ListAsync(new MailQuery())).Total, Is.Zero);
        Assert.That((await store.GetStatsAsync()).Messages, Is.Zero);
        Assert.That(changes.Select(x => x.Kind), Is.EqualTo(new[]
        {
            MailChangeKind.Added, MailChangeKind.Added, MailChangeKind.Deleted, MailChangeKind.Added, MailChangeKind.Cleared,
        }));
        store = await ReopenAsync(store);
        await using (store)
        {
            var d = await store.AppendAsync(Mail("d"));
            Assert.That(d.Uid, Is.GreaterThan(c.Uid), "nor after a clear and a restart");
        }
    }

    [Test]
    public async Task Mailboxes_have_stable_uidvalidity_and_their_own_uidnext()
    {
        var store = await CreateAsync();
        var inbox = await store.GetMailboxAsync("inbox");
        Assert.That(inbox, Is.Not.Null);
        Assert.That(inbox!.Name, Is.EqualTo("INBOX"));
        var first = await store.AppendAsync(Mail("to bob", to: ["Bob@Example.org"]));
        var second = await store.AppendAsync(Mail("to carol", to: ["carol@example.org"]));
        await store.SetFlagsAsync(first.Id, new MailFlagChange(Add: MailFlags.Seen));
        Assert.That(await store.ListMailboxesAsync(), Is.EqualTo(new[] { "INBOX", "bob@example.org", "carol@example.org" }));
        var all = await store.GetMailboxAsync("INBOX");
        var bob = await store.GetMailboxAsync("bob@example.org");
        Assert.Multiple(() =>
        {
            Assert.That(all!.UidNext, Is.EqualTo(second.Uid + 1));
            Assert.That(all.Messages, Is.EqualTo(2));
            Assert.That(all.Unseen, Is.EqualTo(1));
            Assert.That(bob!.UidNext, Is.EqualTo(first.Uid + 1), "UIDNEXT of a view moves only when mail lands in it");
            Assert.That(bob.Messages, Is.EqualTo(1));
            Assert.That(bob.Unseen, Is.Zero);
            Assert.That(bob.UidValidity, Is.EqualTo(all.UidValidity));
        });
        Assert.That(await store.GetMailboxAsync("nobody@example.org"), Is.Null);
        Assert.That((await store.ListByUidAsync("bob@example.org", 0, 10)).Select(m => m.Id), Is.EqualTo(new[] { first.Id }));
        Assert.That((await store.ListByUidAsync("INBOX", first.Uid, 10)).Select(m => m.Id), Is.EqualTo(new[] { second.Id }));
        Assert.That((await store.ListAsync(new MailQuery(Mailbox: "carol@example.org"))).Messages.Select(m => m.Id), Is.EqualTo(new[] { second.Id }));
        await store.DeleteAsync([second.Id]);
        Assert.That((await store.GetMailboxAsync("INBOX"))!.UidNext, Is.EqualTo(second.Uid + 1), "UIDNEXT stays after an expunge");
        var validity = all!.UidValidity;
        store = await ReopenAsync(store);
        await using (store)
        {
            var reopened = await store.GetMailboxAsync("INBOX");
            Assert.That(reopened!.UidValidity, Is.EqualTo(validity), "UIDVALIDITY is the same after a restart");
            Assert.That(reopened.UidNext, Is.EqualTo(second.Uid + 1));
        }
    }

    [Test]
    public async Task The_same_id_appended_at_once_is_stored_once_and_refused_for_the_rest()
    {
        await using var store = await CreateAsync();
        // Twenty at once land in one or a few group commits: the batch itself holds the repeats.
        var attempts = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            try
            {
                await store.AppendAsync(Mail($"twin {i}") with { Id = "twin" });
                return true;
            }
            catch (MailStoreException)
            {
                return false;
            }
        })));
        Assert.That(attempts.Count(stored => stored), Is.EqualTo(1));
        Assert.That((await store.GetStatsAsync()).Messages, Is.EqualTo(1));
        Assert.That((await store.GetAsync("twin"))!.Summary.Subject, Does.StartWith("twin "));
    }

    /// <summary>Exactly <paramref name="length"/> bytes of short words and line breaks.</summary>
    private static string Filler(int length)
    {
        var text = new StringBuilder();
        while (text.Length < length) text.Append("lorem ipsum dolor\r\n");
        text.Length = length;
        text[^1] = ' ';
        return text.ToString();
    }

    [Test]
    public async Task Free_text_indexes_the_first_64_KiB_of_the_text_a_word_ending_there_is_found_one_past_it_is_not()
    {
        await using var store = await CreateAsync();
        const string word = " needle";
        // The index takes MailDigest.MaxIndexedText (65,536) decoded bytes of the text part.
        await store.AppendAsync(Mail("at the limit", body: Filler(65_536 - word.Length) + word) with { Id = "at" });
        await store.AppendAsync(Mail("one past", body: Filler(65_536 - word.Length + 1) + word) with { Id = "past" });
        var found = (await store.ListAsync(new MailQuery("needle", Limit: 10))).Messages.Select(m => m.Id);
        Assert.That(found, Is.EqualTo(new[] { "at" }));
    }

    [Test]
    public async Task Free_text_finds_a_word_far_into_the_text_and_survives_a_word_too_long_to_index()
    {
        await using var store = await CreateAsync();
        // PostgreSQL counts word positions up to 16,383 and leaves out words over 2,047 bytes.
        var far = string.Concat(Enumerable.Repeat("w ", 17_000)) + "zebra";
        await store.AppendAsync(Mail("far", body: far) with { Id = "far" });
        await store.AppendAsync(Mail("long", body: new string('q', 3000) + " kiwi") with { Id = "long" });
        Assert.That((await store.ListAsync(new MailQuery("zebra", Limit: 10))).Messages.Select(m => m.Id), Is.EqualTo(new[] { "far" }));
        Assert.That((await store.ListAsync(new MailQuery("kiwi", Limit: 10))).Messages.Select(m => m.Id), Is.EqualTo(new[] { "long" }));
    }

    [Test]
    public async Task Concurrent_appends_are_all_stored_once_and_each_acknowledged_one_is_readable()
    {
        await using var store = await CreateAsync();
        const int count = 400;
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(async () => await store.AppendAsync(Mail($"parallel {i}")))));
        Assert.That(results.Select(r => r.Uid).Distinct().Count(), Is.EqualTo(count));
        Assert.That((await store.GetStatsAsync()).Messages, Is.EqualTo(count));
        foreach (var r in results.Take(20)) Assert.That((await store.GetAsync(r.Id))!.Summary.Subject, Is.EqualTo(r.Subject));
    }

    [Test]
    public async Task Wait_returns_a_stored_match_a_later_one_or_null_at_the_timeout()
    {
        await using var store = await CreateAsync();
        await store.AppendAsync(Mail("already here"));
        var found = await store.WaitForAsync("subject:already", TimeSpan.FromSeconds(5));
        Assert.That(found?.Subject, Is.EqualTo("already here"));
        var waiting = store.WaitForAsync("subject:later", TimeSpan.FromSeconds(20));
        await store.AppendAsync(Mail("something else"));
        Assert.That(waiting.IsCompleted, Is.False);
        await store.AppendAsync(Mail("later one"));
        Assert.That((await waiting.WaitAsync(TimeSpan.FromSeconds(20)))?.Subject, Is.EqualTo("later one"));
        Assert.That(await store.WaitForAsync("subject:never", TimeSpan.FromMilliseconds(200)), Is.Null);
        await Assert.ThrowsAsync<MailSearchException>(async () => await store.WaitForAsync("subject:\"open", TimeSpan.FromSeconds(1)));
    }

    [Test]
    public async Task Keep_prunes_the_oldest_counts_them_and_says_so()
    {
        await using var store = await CreateAsync(new MailRetention(Keep: 3));
        var pruned = new ConcurrentQueue<MailChange>();
        store.Changed += (_, e) => { if (e.Kind == MailChangeKind.Pruned) pruned.Enqueue(e); };
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add((await store.AppendAsync(Mail($"k{i}"))).Id);
        var page = await store.ListAsync(new MailQuery());
        Assert.That(page.Messages.Select(m => m.Subject), Is.EqualTo(new[] { "k4", "k3", "k2" }));
        var stats = await store.GetStatsAsync();
        Assert.That(stats.Messages, Is.EqualTo(3));
        Assert.That(stats.PrunedMessages, Is.EqualTo(2));
        Assert.That(stats.PrunedBytes, Is.GreaterThan(0));
        Assert.That(pruned.Select(p => p.Id), Is.EqualTo(ids.Take(2)));
    }

    [Test]
    public async Task Keep_prunes_many_at_once_with_their_bodies_views_and_index_rows()
    {
        await using var kept = await CreateAsync(new MailRetention(Keep: 5));
        for (var i = 0; i < 5; i++) await kept.AppendAsync(Mail($"old{i} zebra"));
        // 40 appends at once: batches of several, each pruning as many of the oldest in one statement.
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => kept.AppendAsync(Mail($"new{i} zebra")).AsTask()));
        var page = await kept.ListAsync(new MailQuery(Limit: 100));
        Assert.That(page.Messages, Has.Count.EqualTo(5));
        Assert.That(page.Messages.All(m => m.Subject!.StartsWith("new", StringComparison.Ordinal)), Is.True);
        Assert.That((await kept.ListAsync(new MailQuery("zebra", Limit: 100))).Matched, Is.EqualTo(5));
        Assert.That((await kept.ListAsync(new MailQuery(Mailbox: "bob@example.org", Limit: 100))).Messages, Has.Count.EqualTo(5));
        var stats = await kept.GetStatsAsync();
        Assert.That((stats.Messages, stats.PrunedMessages), Is.EqualTo((5L, 40L)));
        Assert.That(stats.Bytes, Is.EqualTo(page.Messages.Sum(m => m.Size)));
        foreach (var m in page.Messages)
        {
            var raw = await kept.OpenRawAsync(m.Id);
            Assert.That(raw, Is.Not.Null);
            await raw!.DisposeAsync();
        }
    }

    [Test]
    public async Task Max_bytes_and_max_age_prune_the_oldest()
    {
        var size = Mail("b0").Raw.Length;
        await using (var store = await CreateAsync(new MailRetention(MaxBytes: size * 2)))
        {
            for (var i = 0; i < 4; i++) await store.AppendAsync(Mail($"b{i}"));
            Assert.That((await store.ListAsync(new MailQuery())).Messages.Select(m => m.Subject), Is.EqualTo(new[] { "b3", "b2" }));
            Assert.That((await store.GetStatsAsync()).Bytes, Is.LessThanOrEqualTo(size * 2));
        }
        await using (var store = await CreateAsync(new MailRetention(MaxAge: TimeSpan.FromHours(1))))
        {
            await store.AppendAsync(Mail("old") with { ReceivedAt = DateTimeOffset.UtcNow.AddHours(-2) });
            await store.AppendAsync(Mail("new"));
            Assert.That((await store.ListAsync(new MailQuery())).Messages.Select(m => m.Subject), Is.EqualTo(new[] { "new" }));
        }
    }

    [Test]
    public async Task Without_retention_nothing_is_ever_pruned()
    {
        await using var store = await CreateAsync();
        for (var i = 0; i < 50; i++) await store.AppendAsync(Mail($"m{i}") with { ReceivedAt = DateTimeOffset.UtcNow.AddYears(-5) });
        var stats = await store.GetStatsAsync();
        Assert.That(stats.Messages, Is.EqualTo(50));
        Assert.That(stats.PrunedMessages, Is.Zero);
    }
}
