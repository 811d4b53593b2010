using System.Text.Json;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using Protocols.Servers.Hosting;

namespace Protocols.Tests.Serve;

/// <summary>"Seen in IMAP = read on the page": <c>proto serve</c>'s dev stack keeps one flag per message in its one store,
/// so IMAP STORE \Seen shows as <c>seen</c> in <c>GET api/messages</c>, and opening a message on the page (GET of its
/// detail) shows as \Seen in IMAP FETCH FLAGS.</summary>
[NonParallelizable]
public class SeenAcrossImapAndPageTests
{
    [Test]
    public async Task Seen_over_imap_is_read_on_the_page_and_read_on_the_page_is_seen_over_imap()
    {
        await using var stack = await DevStack.StartAsync(new DevStackOptions { Root = Path.GetTempPath() });
        await SendAsync(stack, "marked over imap");
        await SendAsync(stack, "opened on the page");
        using var http = new HttpClient { BaseAddress = stack.MailPage, Timeout = TimeSpan.FromSeconds(20) };
        var before = await ListAsync(http);
        Assert.That(before.Values, Is.All.False, "new mail starts unseen");

        using var imap = new ImapClient { Timeout = 20_000 };
        await imap.ConnectAsync("127.0.0.1", stack.Imap.Port, SecureSocketOptions.None);
        await imap.AuthenticateAsync("any", "thing");
        await imap.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var imapUid = (await imap.Inbox.SearchAsync(SearchQuery.SubjectContains("marked over imap"))).Single();
        await imap.Inbox.AddFlagsAsync(imapUid, MessageFlags.Seen, silent: true);

        var afterImap = await ListAsync(http);
        Assert.That(afterImap["marked over imap"], Is.True, "\\Seen set over IMAP shows as seen on the page");
        Assert.That(afterImap["opened on the page"], Is.False);

        var pageId = await IdOfAsync(http, "opened on the page");
        using (var detail = await http.GetAsync("api/messages/" + Uri.EscapeDataString(pageId)))
            Assert.That((int)detail.StatusCode, Is.EqualTo(200));
        var pageUid = (await imap.Inbox.SearchAsync(SearchQuery.SubjectContains("opened on the page"))).Single();
        var flags = (await imap.Inbox.FetchAsync([pageUid], MessageSummaryItems.Flags | MessageSummaryItems.UniqueId)).Single();
        Assert.That(flags.Flags!.Value.HasFlag(MessageFlags.Seen), Is.True, "a message read on the page has \\Seen over IMAP");
        await imap.DisconnectAsync(true);
    }

    private static async Task SendAsync(DevStack stack, string subject)
    {
        using var smtp = new MailKit.Net.Smtp.SmtpClient { Timeout = 20_000 };
        await smtp.ConnectAsync("127.0.0.1", stack.Smtp.Port, SecureSocketOptions.None);
        var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = "hi" } };
        message.From.Add(MailboxAddress.Parse("a@example.com"));
        message.To.Add(MailboxAddress.Parse("b@example.com"));
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(true);
    }

    /// <summary>Subject -> seen, from the page's JSON list.</summary>
    private static async Task<Dictionary<string, bool>> ListAsync(HttpClient http)
    {
        var result = new Dictionary<string, bool>();
        foreach (var m in await MessagesAsync(http)) result[Property(m, "subject").GetString()!] = Property(m, "seen").GetBoolean();
        return result;
    }

    private static async Task<string> IdOfAsync(HttpClient http, string subject) =>
        (await MessagesAsync(http)).Single(m => Property(m, "subject").GetString() == subject).GetProperty("id").GetString()!;

    private static async Task<List<JsonElement>> MessagesAsync(HttpClient http)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("api/messages"));
        return [.. Property(doc.RootElement, "messages").EnumerateArray().Select(e => e.Clone())];
    }

    private static JsonElement Property(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) ? value : throw new AssertionException($"no '{name}' in {e}");
}
