using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Protocols.Servers.MailUi;

namespace Protocols.Tests.MailUi;

public class CapturedMailApiTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private const string Plain = "From: Alice <alice@example.com>\r\nTo: bob@example.com\r\nSubject: Hello Bob\r\n\r\nHi there\r\n";
    private const string Html = "From: carol@example.com\r\nTo: dave@example.com\r\nSubject: Newsletter\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<h1>News</h1><img src=\"http://tracker.invalid/x.png\">\r\n";

    private static async Task<T> GetJsonAsync<T>(HttpClient client, string url) =>
        (await client.GetFromJsonAsync<T>(url, Web).WaitAsync(Timeout))!;

    [Test]
    public async Task List_is_newest_first_and_filters_by_address_and_subject()
    {
        await using var host = await MailUiTestHost.StartAsync();
        await host.AddAsync(Plain, "alice@example.com", "bob@example.com");
        await host.AddAsync(Html, "carol@example.com", "dave@example.com");
        var all = await GetJsonAsync<MailList>(host.Client, "api/messages");
        Assert.That(all.Total, Is.EqualTo(2));
        Assert.That(all.Messages.Select(m => m.Subject), Is.EqualTo(new[] { "Newsletter", "Hello Bob" }));
        Assert.That(all.Messages[0].HasHtml, Is.True);
        var byAddress = await GetJsonAsync<MailList>(host.Client, "api/messages?address=BOB@");
        Assert.That(byAddress.Messages.Select(m => m.Subject), Is.EqualTo(new[] { "Hello Bob" }));
        var byFrom = await GetJsonAsync<MailList>(host.Client, "api/messages?from=carol");
        Assert.That(byFrom.Messages.Select(m => m.Subject), Is.EqualTo(new[] { "Newsletter" }));
        var bySubject = await GetJsonAsync<MailList>(host.Client, "api/messages?subject=news&to=dave");
        Assert.That(bySubject.Total, Is.EqualTo(1));
        var none = await GetJsonAsync<MailList>(host.Client, "api/messages?subject=news&to=bob");
        Assert.That(none.Total, Is.Zero);
    }

    [Test]
    public async Task List_limit_takes_the_newest_and_bad_limits_get_400()
    {
        await using var host = await MailUiTestHost.StartAsync(new CapturedMailOptions { MaxListLimit = 3 });
        for (var i = 0; i < 5; i++) await host.AddAsync($"Subject: m{i}\r\n\r\nx\r\n");
        var two = await GetJsonAsync<MailList>(host.Client, "api/messages?limit=2");
        Assert.That(two.Total, Is.EqualTo(5));
        Assert.That(two.Messages.Select(m => m.Subject), Is.EqualTo(new[] { "m4", "m3" }));
        var capped = await GetJsonAsync<MailList>(host.Client, "api/messages?limit=4");
        Assert.That(capped.Messages, Has.Count.EqualTo(3));
        var atCap = await GetJsonAsync<MailList>(host.Client, "api/messages");
        Assert.That(atCap.Messages, Has.Count.EqualTo(3));
        foreach (var bad in new[] { "0", "-1", "x", "" })
        {
            var response = await host.Client.GetAsync($"api/messages?limit={bad}").WaitAsync(Timeout);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), bad);
        }
    }

    [Test]
    public async Task Get_gives_headers_text_and_links_and_404_for_an_unknown_id()
    {
        await using var host = await MailUiTestHost.StartAsync();
        var mail = await host.AddAsync(Plain);
        var detail = await GetJsonAsync<MailDetail>(host.Client, $"api/messages/{mail.Id}");
        Assert.That(detail.Summary.From, Is.EqualTo("Alice <alice@example.com>"));
        Assert.That(detail.Text, Is.EqualTo("Hi there\n"), "text with LF line ends on every OS (MimeKit decodes it)");
        Assert.That(detail.HtmlUrl, Is.Null);
        Assert.That(detail.RawUrl, Is.EqualTo($"api/messages/{mail.Id}/raw"));
        Assert.That(detail.Headers.Select(h => h.Name), Is.EqualTo(new[] { "From", "To", "Subject" }));
        var missing = await host.Client.GetAsync("api/messages/nope").WaitAsync(Timeout);
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Raw_is_the_exact_bytes_as_an_eml_download()
    {
        await using var host = await MailUiTestHost.StartAsync();
        var mail = await host.AddAsync(Plain);
        var response = await host.Client.GetAsync($"api/messages/{mail.Id}/raw").WaitAsync(Timeout);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("message/rfc822"));
        Assert.That(response.Content.Headers.ContentDisposition!.FileName, Is.EqualTo($"{mail.Id}.eml"));
        Assert.That(await response.Content.ReadAsByteArrayAsync().WaitAsync(Timeout), Is.EqualTo(System.Text.Encoding.UTF8.GetBytes(Plain)));
        var inline = await host.Client.GetAsync($"api/messages/{mail.Id}/raw?inline=1").WaitAsync(Timeout);
        Assert.That(inline.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/plain"));
    }

    [Test]
    public async Task Html_part_is_served_sandboxed_with_remote_content_blocked()
    {
        await using var host = await MailUiTestHost.StartAsync();
        var mail = await host.AddAsync(Html);
        var detail = await GetJsonAsync<MailDetail>(host.Client, $"api/messages/{mail.Id}");
        Assert.That(detail.HtmlUrl, Is.EqualTo($"api/messages/{mail.Id}/html"));
        var response = await host.Client.GetAsync(detail.HtmlUrl).WaitAsync(Timeout);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.That(csp, Does.Contain("default-src 'none'").And.Contain("sandbox").And.Not.Contain("http"));
        Assert.That(await response.Content.ReadAsStringAsync().WaitAsync(Timeout), Does.StartWith("<base target=\"_blank\"><h1>News</h1>"), "links in the part open a new tab");
        var plain = await host.AddAsync(Plain);
        var noHtml = await host.Client.GetAsync($"api/messages/{plain.Id}/html").WaitAsync(Timeout);
        Assert.That(noHtml.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Attachment_index_past_the_end_is_404()
    {
        await using var host = await MailUiTestHost.StartAsync();
        var mail = await host.AddAsync(Plain);
        foreach (var index in new[] { "0", "x", "-1" })
        {
            var response = await host.Client.GetAsync($"api/messages/{mail.Id}/attachments/{index}").WaitAsync(Timeout);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), index);
        }
    }

    [Test]
    public async Task Delete_one_then_clear_all()
    {
        await using var host = await MailUiTestHost.StartAsync();
        var first = await host.AddAsync(Plain);
        await host.AddAsync(Html);
        await host.AddAsync(Plain);
        var deleted = await host.Client.DeleteAsync($"api/messages/{first.Id}").WaitAsync(Timeout);
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var again = await host.Client.DeleteAsync($"api/messages/{first.Id}").WaitAsync(Timeout);
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await host.Store.GetStatsAsync()).Messages, Is.EqualTo(2));
        var cleared = await host.Client.DeleteAsync("api/messages").WaitAsync(Timeout);
        Assert.That(cleared.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await host.Store.GetStatsAsync()).Messages, Is.Zero);
    }

    [Test]
    public async Task Wrong_method_gets_405_with_allow_and_unknown_route_404()
    {
        await using var host = await MailUiTestHost.StartAsync();
        var post = await host.Client.PostAsync("api/messages", new StringContent("")).WaitAsync(Timeout);
        Assert.That(post.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(post.Content.Headers.Allow, Is.EquivalentTo(new[] { "GET", "DELETE" }));
        var unknown = await host.Client.GetAsync("api/nothing").WaitAsync(Timeout);
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Wait_returns_a_message_already_there_at_once()
    {
        await using var host = await MailUiTestHost.StartAsync();
        await host.AddAsync(Plain, "alice@example.com", "bob@example.com");
        var found = await GetJsonAsync<MailSummary>(host.Client, "api/wait?to=bob&timeout=5");
        Assert.That(found.Subject, Is.EqualTo("Hello Bob"));
    }

    [Test]
    public async Task Wait_returns_when_a_matching_message_arrives_and_ignores_others()
    {
        await using var host = await MailUiTestHost.StartAsync();
        var waiting = host.Client.GetAsync("api/wait?subject=wanted&timeout=15");
        await Task.Delay(200);
        await host.AddAsync("Subject: other\r\n\r\nx\r\n");
        await host.AddAsync("Subject: the wanted one\r\n\r\nx\r\n");
        var response = await waiting.WaitAsync(Timeout);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var summary = await response.Content.ReadFromJsonAsync<MailSummary>(Web).WaitAsync(Timeout);
        Assert.That(summary!.Subject, Is.EqualTo("the wanted one"));
    }

    [Test]
    public async Task Wait_times_out_with_408_and_rejects_a_bad_timeout()
    {
        await using var host = await MailUiTestHost.StartAsync();
        var response = await host.Client.GetAsync("api/wait?subject=never&timeout=0.3").WaitAsync(Timeout);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestTimeout));
        foreach (var bad in new[] { "0", "-3", "soon" })
        {
            var refused = await host.Client.GetAsync($"api/wait?timeout={bad}").WaitAsync(Timeout);
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), bad);
        }
    }

    [Test]
    public async Task Wait_longer_than_the_maximum_is_capped()
    {
        await using var host = await MailUiTestHost.StartAsync(new CapturedMailOptions { MaxWait = TimeSpan.FromMilliseconds(300) });
        var response = await host.Client.GetAsync("api/wait?subject=never&timeout=3600").WaitAsync(Timeout);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestTimeout));
    }

    [Test]
    public async Task Events_stream_says_ready_then_pushes_added_deleted_and_cleared()
    {
        await using var host = await MailUiTestHost.StartAsync();
        using var response = await host.Client.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Timeout);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/event-stream"));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync().WaitAsync(Timeout));
        async Task<(string Event, string Data)> NextAsync()
        {
            string? name = null;
            while (true)
            {
                var line = await reader.ReadLineAsync().WaitAsync(Timeout) ?? throw new AssertionException("the stream ended");
                if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal) && name is not null && name != "stats") return (name, line[6..]);
            }
        }
        Assert.That((await NextAsync()).Event, Is.EqualTo("ready"));
        var mail = await host.AddAsync(Plain);
        var added = await NextAsync();
        Assert.That(added.Event, Is.EqualTo("added"));
        Assert.That(JsonSerializer.Deserialize<MailSummary>(added.Data, Web)!.Id, Is.EqualTo(mail.Id));
        await host.Store.DeleteAsync([mail.Id]);
        Assert.That(await NextAsync(), Is.EqualTo(("deleted", $"\"{mail.Id}\"")));
        await host.Store.ClearAsync();
        Assert.That((await NextAsync()).Event, Is.EqualTo("cleared"));
    }

    [Test]
    public async Task Stop_ends_open_streams_and_answers_pending_waits_with_503()
    {
        await using var host = await MailUiTestHost.StartAsync();
        using var events = await host.Client.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Timeout);
        var stream = await events.Content.ReadAsStreamAsync().WaitAsync(Timeout);
        using var reader = new StreamReader(stream);
        Assert.That(await reader.ReadLineAsync().WaitAsync(Timeout), Does.StartWith("retry:"));
        var waiting = host.Client.GetAsync("api/wait?subject=never&timeout=60");
        await Task.Delay(200);
        host.MailApp.Stop();
        Assert.That((await waiting.WaitAsync(Timeout)).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(await reader.ReadToEndAsync().WaitAsync(Timeout), Does.Contain("event: ready"));
    }

    [Test]
    public async Task Stats_report_messages_and_protocol_counters()
    {
        await using var host = await MailUiTestHost.StartAsync();
        await host.AddAsync(Plain);
        using (host.Metrics.ConnectionOpened("smtp")) host.Metrics.MessageTransferred("smtp", 70);
        var stats = await GetJsonAsync<MailStats>(host.Client, "api/stats");
        Assert.That(stats.Messages, Is.EqualTo(1));
        Assert.That(stats.Protocols.Single(), Is.EqualTo(new Protocols.Servers.Metrics.ProtocolTotals("smtp", 1, 0, 1, 70, 0)));
    }

    [Test]
    public async Task Page_is_html_with_a_nonce_csp_and_the_bare_path_redirects_to_the_slash()
    {
        await using var host = await MailUiTestHost.StartAsync();
        var page = await host.Client.GetAsync("").WaitAsync(Timeout);
        Assert.That(page.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/html"));
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        var nonce = System.Text.RegularExpressions.Regex.Match(csp, "'nonce-([^']+)'").Groups[1].Value;
        Assert.That(nonce, Is.Not.Empty);
        var html = await page.Content.ReadAsStringAsync().WaitAsync(Timeout);
        Assert.That(html, Does.Contain($"<script nonce=\"{nonce}\">").And.Not.Contain("{{nonce}}"));
        Assert.That(html, Does.Not.Match("(src|href|url)\\(?=?[\"']?https?:"), "no external assets");
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.Client.BaseAddress };
        var bare = await noRedirect.GetAsync("/_proto/mail").WaitAsync(Timeout);
        Assert.That(bare.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(bare.Headers.Location!.ToString(), Is.EqualTo("/_proto/mail/"));
    }
}
