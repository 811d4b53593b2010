using Protocols.Servers.Mail;
using Protocols.Tests.Pop3;

namespace Protocols.Tests.Mail;

/// <summary>POP3 reads the store: UIDL is the store's id, RETR streams its bytes, DELE + QUIT deletes from the store.</summary>
public sealed class MailStorePop3MailboxTests
{
    [Test]
    public async Task Pop3_over_the_store_reads_and_deletes_from_it()
    {
        await using var store = await MailStores.OpenAsync(null);
        var first = await store.AppendAsync(new MailToAppend("Subject: one\r\n\r\nbody\r\n"u8.ToArray(), "a@example.com", ["b@example.com"]));
        await store.AppendAsync(new MailToAppend("Subject: two\r\n\r\nbody\r\n"u8.ToArray()));
        var peer = await Pop3TestPeer.LoggedInAsync(new MailStorePop3Mailbox(store));
        Assert.That(await peer.CommandAsync("UIDL 1"), Is.EqualTo($"+OK 1 {first.Id}"));
        Assert.That(await peer.MultiLineCommandAsync("RETR 1"), Is.EqualTo(new[] { "Subject: one", "", "body" }));
        Assert.That(await peer.CommandAsync("DELE 1"), Does.StartWith("+OK"));
        Assert.That(await peer.CommandAsync("QUIT"), Does.StartWith("+OK"));
        await peer.ExpectClosedAsync();
        await peer.DisposeAsync();
        Assert.That(await store.GetAsync(first.Id), Is.Null);
        Assert.That((await store.GetStatsAsync()).Messages, Is.EqualTo(1));
    }
}
