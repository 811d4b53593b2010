using System.Diagnostics;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using Protocols.Tests.Support;

namespace Protocols.Tests.Imap;

/// <summary>MailKit's ImapClient, the client .NET apps use, against our IMAP server on sockets over the SQLite store.</summary>
[NonParallelizable]
public class MailKitImapTests
{
    private static string Message(int n, string subject = "message") =>
        $"From: Alice <alice@example.com>\r\nTo: bob@example.com\r\nSubject: {subject} {n}\r\nDate: Tue, 3 Nov 2026 12:00:00 +0000\r\n" +
        $"Message-ID: <m{n}@example.com>\r\n\r\nbody of message {n}\r\n";

    private static async Task<ImapClient> ConnectAsync(ImapInteropHost host, SecureSocketOptions mode = SecureSocketOptions.None)
    {
        var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 20_000 };
        var port = mode == SecureSocketOptions.SslOnConnect ? host.ImapsPort : host.ImapPort;
        await client.ConnectAsync("127.0.0.1", port, mode);
        await client.AuthenticateAsync("bob@example.com", "any password");
        return client;
    }

    [TestCase(SecureSocketOptions.None)]
    [TestCase(SecureSocketOptions.StartTls)]
    [TestCase(SecureSocketOptions.SslOnConnect)]
    public async Task Connects_plain_starttls_and_imaps_and_opens_the_inbox(SecureSocketOptions mode)
    {
        await using var host = await ImapInteropHost.StartAsync();
        await host.AppendAsync(Message(1));
        using var client = await ConnectAsync(host, mode);
        Assert.That(client.IsSecure, Is.EqualTo(mode != SecureSocketOptions.None));
        Assert.That(client.Capabilities.HasFlag(ImapCapabilities.Idle), Is.True);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.That(inbox.Count, Is.EqualTo(1));
        Assert.That(inbox.UidValidity, Is.Not.Zero);
        await client.DisconnectAsync(true);
    }

    [Test]
    public async Task Fetches_summaries_of_1000_messages_and_each_message_byte_for_byte()
    {
        await using var host = await ImapInteropHost.StartAsync();
        var raws = new List<string>();
        for (var i = 1; i <= 1000; i++)
        {
            raws.Add(Message(i));
            await host.AppendAsync(raws[^1]);
        }
        using var client = await ConnectAsync(host);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var watch = Stopwatch.StartNew();
        var summaries = await inbox.FetchAsync(0, -1,
            MessageSummaryItems.Envelope | MessageSummaryItems.BodyStructure | MessageSummaryItems.Flags | MessageSummaryItems.UniqueId | MessageSummaryItems.Size);
        TestContext.Out.WriteLine($"1000 summaries in {watch.ElapsedMilliseconds} ms");
        Assert.That(summaries, Has.Count.EqualTo(1000));
        for (var i = 0; i < 1000; i++)
        {
            var s = summaries[i];
            Assert.That(s.Envelope!.Subject, Is.EqualTo($"message {i + 1}"));
            Assert.That(s.Envelope.From.Mailboxes.Single().Address, Is.EqualTo("alice@example.com"));
            Assert.That(s.Envelope.MessageId, Is.EqualTo($"m{i + 1}@example.com"));
            Assert.That(s.Size ?? 0, Is.EqualTo((uint)Encoding.UTF8.GetByteCount(raws[i])));
            Assert.That(s.Body, Is.InstanceOf<BodyPartText>());
            Assert.That(s.Flags ?? MessageFlags.UserDefined, Is.EqualTo(MessageFlags.None));
        }
        foreach (var i in new[] { 0, 499, 999 })
        {
            using var stream = await inbox.GetStreamAsync(summaries[i].UniqueId, "");
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.That(copy.ToArray(), Is.EqualTo(Encoding.UTF8.GetBytes(raws[i])), "BODY[] is the stored bytes");
            var message = await inbox.GetMessageAsync(summaries[i].UniqueId);
            Assert.That(message.Subject, Is.EqualTo($"message {i + 1}"));
        }
        await client.DisconnectAsync(true);
    }

    [Test]
    public async Task Gets_a_body_part_of_a_nested_multipart_by_its_structure()
    {
        await using var host = await ImapInteropHost.StartAsync();
        var raw = File.ReadAllText(Path.Combine(Repository.Root, "fixtures", "mail", "nested.eml"));
        await host.AppendAsync(raw);
        using var client = await ConnectAsync(host);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var summary = (await inbox.FetchAsync(0, -1, MessageSummaryItems.BodyStructure | MessageSummaryItems.UniqueId)).Single();
        var attachment = summary.Attachments.OfType<BodyPartBasic>().Single(a => a.FileName == "invoice-1234.pdf");
        var part = (MimePart)await inbox.GetBodyPartAsync(summary.UniqueId, attachment);
        using var decoded = new MemoryStream();
        await part.Content!.DecodeToAsync(decoded);
        Assert.That(Encoding.ASCII.GetString(decoded.ToArray()), Does.StartWith("%PDF-1.4"));
        var text = summary.TextBody;
        var textPart = (TextPart)await inbox.GetBodyPartAsync(summary.UniqueId, text!);
        Assert.That(textPart!.Text, Does.StartWith("Your order #1234 has shipped."));
        var parsed = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(raw)));
        var message = await inbox.GetMessageAsync(summary.UniqueId);
        Assert.That(message!.Attachments.Count(), Is.EqualTo(parsed.Attachments.Count()));
        await client.DisconnectAsync(true);
    }

    [Test]
    public async Task Searches_sets_and_clears_flags_and_expunges()
    {
        await using var host = await ImapInteropHost.StartAsync();
        for (var i = 1; i <= 10; i++) await host.AppendAsync(Message(i, i % 2 == 0 ? "even" : "odd"));
        using var client = await ConnectAsync(host);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var all = await inbox.SearchAsync(SearchQuery.All);
        Assert.That(all, Has.Count.EqualTo(10));
        var even = await inbox.SearchAsync(SearchQuery.SubjectContains("even"));
        Assert.That(even.Select(u => u.Id), Is.EqualTo(new uint[] { 2, 4, 6, 8, 10 }));
        Assert.That(await inbox.SearchAsync(SearchQuery.FromContains("alice").And(SearchQuery.BodyContains("message 7"))), Has.Count.EqualTo(1));
        await inbox.AddFlagsAsync(even, MessageFlags.Seen | MessageFlags.Flagged, silent: true);
        Assert.That((await inbox.SearchAsync(SearchQuery.NotSeen)).Select(u => u.Id), Is.EqualTo(new uint[] { 1, 3, 5, 7, 9 }));
        Assert.That(await inbox.SearchAsync(SearchQuery.Flagged.Or(SearchQuery.Uids([new UniqueId(1)]))), Has.Count.EqualTo(6));
        await inbox.RemoveFlagsAsync(even[0], MessageFlags.Flagged, silent: false);
        Assert.That(await inbox.SearchAsync(SearchQuery.Flagged), Has.Count.EqualTo(4));
        Assert.That(await inbox.SearchAsync(SearchQuery.DeliveredAfter(DateTime.UtcNow.AddDays(-1)).And(SearchQuery.LargerThan(10))), Has.Count.EqualTo(10));
        await inbox.AddFlagsAsync(even, MessageFlags.Deleted, silent: true);
        await inbox.ExpungeAsync();
        Assert.That(inbox.Count, Is.EqualTo(5));
        Assert.That((await inbox.SearchAsync(SearchQuery.All)).Select(u => u.Id), Is.EqualTo(new uint[] { 1, 3, 5, 7, 9 }));
        Assert.That((await host.Store.GetStatsAsync()).Messages, Is.EqualTo(5));
        await client.DisconnectAsync(true);
    }

    [Test]
    public async Task Idle_is_woken_by_a_message_sent_over_smtp()
    {
        await using var host = await ImapInteropHost.StartAsync();
        using var client = await ConnectAsync(host);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var arrived = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        inbox.CountChanged += (_, _) => arrived.TrySetResult(inbox.Count);
        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token);
        await Task.Delay(200); // let IDLE start before the message goes out
        var watch = Stopwatch.StartNew();
        using (var smtp = new MailKit.Net.Smtp.SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", host.SmtpPort, SecureSocketOptions.None);
            await smtp.SendAsync(MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(Message(1)))));
            watch.Restart();
            await smtp.DisconnectAsync(true);
        }
        var count = await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        TestContext.Out.WriteLine($"EXISTS {watch.ElapsedMilliseconds} ms after the SMTP 250 (noisy on a shared machine)");
        Assert.That(count, Is.EqualTo(1));
        await done.CancelAsync();
        await idle.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That((await inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope)).Single().Envelope!.Subject, Is.EqualTo("message 1"));
        await client.DisconnectAsync(true);
    }

    [Test]
    public async Task Appends_a_message_and_two_sessions_see_each_others_flag_changes()
    {
        await using var host = await ImapInteropHost.StartAsync();
        using var one = await ConnectAsync(host);
        using var two = await ConnectAsync(host);
        var uid = await one.Inbox.AppendAsync(new AppendRequest(MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(Message(1)))), MessageFlags.Draft));
        Assert.That(uid, Is.Not.Null);
        await one.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await two.Inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.That(two.Inbox.Count, Is.EqualTo(1));
        var changed = new TaskCompletionSource<MessageFlags>(TaskCreationOptions.RunContinuationsAsynchronously);
        two.Inbox.MessageFlagsChanged += (_, e) => changed.TrySetResult(e.Flags);
        await one.Inbox.AddFlagsAsync(uid!.Value, MessageFlags.Flagged, silent: true);
        await two.NoOpAsync();
        var flags = await changed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(flags, Is.EqualTo(MessageFlags.Draft | MessageFlags.Flagged));
        var back = new TaskCompletionSource<MessageFlags>(TaskCreationOptions.RunContinuationsAsynchronously);
        one.Inbox.MessageFlagsChanged += (_, e) => back.TrySetResult(e.Flags);
        await two.Inbox.RemoveFlagsAsync(uid.Value, MessageFlags.Draft, silent: true);
        await one.NoOpAsync();
        Assert.That(await back.Task.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(MessageFlags.Flagged));
        await one.DisconnectAsync(true);
        await two.DisconnectAsync(true);
    }
}
