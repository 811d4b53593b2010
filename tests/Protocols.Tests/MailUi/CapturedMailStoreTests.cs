using Protocols.Servers.MailUi;
using Protocols.Servers.Pop3;
using Protocols.Tests.Pop3;

namespace Protocols.Tests.MailUi;

public class CapturedMailStoreTests
{
    [Test]
    public async Task Capacity_keeps_the_newest_at_the_limit_and_drops_the_oldest_past_it()
    {
        var store = new CapturedMailStore(capacity: 3);
        var changes = new List<(CapturedMailChangeKind, string?)>();
        store.Changed += (_, e) => changes.Add((e.Kind, e.Id));
        var ids = Enumerable.Range(0, 3).Select(i => store.Add(new byte[] { (byte)'a' }).Id).ToList();
        Assert.That(store.Count, Is.EqualTo(3));
        var fourth = store.Add(new byte[] { (byte)'b' });
        Assert.That((await store.ListAsync()).Select(m => m.Id), Is.EqualTo(new[] { ids[1], ids[2], fourth.Id }));
        Assert.That(changes[^2..], Is.EqualTo(new[] { (CapturedMailChangeKind.Deleted, ids[0]), (CapturedMailChangeKind.Added, fourth.Id) }));
    }

    [TestCase("has space")]
    [TestCase("a/b")]
    [TestCase("ünicode")]
    public void Ids_that_do_not_fit_a_url_segment_or_uidl_are_refused(string id)
    {
        var store = new CapturedMailStore();
        Assert.That(() => store.Add(new CapturedMail(id, DateTimeOffset.UtcNow, "", [], default)), Throws.ArgumentException);
    }

    [Test]
    public void Id_of_70_characters_is_accepted_and_71_refused()
    {
        var store = new CapturedMailStore();
        Assert.That(() => store.Add(new CapturedMail(new string('a', 70), DateTimeOffset.UtcNow, "", [], default)), Throws.Nothing);
        Assert.That(() => store.Add(new CapturedMail(new string('a', 71), DateTimeOffset.UtcNow, "", [], default)), Throws.ArgumentException);
    }

    [Test]
    public async Task Waiter_returns_null_after_the_timeout_and_unsubscribes()
    {
        var store = new CapturedMailStore();
        var found = await store.WaitForAsync(_ => true, TimeSpan.FromMilliseconds(100)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(found, Is.Null);
    }

    [Test]
    public async Task Pop3_over_captured_mail_reads_and_deletes_from_the_capture()
    {
        var store = new CapturedMailStore();
        var first = store.Add("Subject: one\r\n\r\nbody\r\n"u8.ToArray(), "a@example.com", ["b@example.com"]);
        store.Add("Subject: two\r\n\r\nbody\r\n"u8.ToArray());
        var mailbox = new CapturedMailPop3Mailbox(store);
        var peer = await Pop3TestPeer.LoggedInAsync(mailbox);
        Assert.That(await peer.CommandAsync("UIDL 1"), Is.EqualTo($"+OK 1 {first.Id}"));
        Assert.That(await peer.MultiLineCommandAsync("RETR 1"), Is.EqualTo(new[] { "Subject: one", "", "body" }));
        Assert.That(await peer.CommandAsync("DELE 1"), Does.StartWith("+OK"));
        Assert.That(await peer.CommandAsync("QUIT"), Does.StartWith("+OK"));
        await peer.ExpectClosedAsync();
        await peer.DisposeAsync();
        Assert.That(await store.GetAsync(first.Id), Is.Null);
        Assert.That(store.Count, Is.EqualTo(1));
    }
}
