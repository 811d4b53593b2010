using System.Net;
using System.Text.Json;
using Protocols.Tests.Messages;

namespace Protocols.Tests.MailUi;

/// <summary><c>GET api/messages/{id}/report</c>: the HTML and link report as JSON, through Kestrel.</summary>
public class MailReportApiTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Test]
    public async Task The_report_of_a_message_lists_its_findings_as_json()
    {
        await using var host = await MailUiTestHost.StartAsync();
        var raw = System.Text.Encoding.UTF8.GetString(MailFixtures.Read("html-report/broken-links.eml"));
        var id = (await host.AddAsync(raw)).Id;
        using var response = await host.Client.GetAsync($"api/messages/{id}/report").WaitAsync(Timeout);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync().WaitAsync(Timeout));
        var root = json.RootElement;
        Assert.That(root.GetProperty("hasHtml").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("hasText").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("truncated").GetBoolean(), Is.False);
        var findings = root.GetProperty("findings").EnumerateArray().ToDictionary(f => f.GetProperty("check").GetString()!);
        Assert.That(findings.Keys, Is.EquivalentTo(new[] { "broken-anchor", "missing-cid" }));
        Assert.That(findings["broken-anchor"].GetProperty("count").GetInt32(), Is.EqualTo(2));
        Assert.That(findings["broken-anchor"].GetProperty("examples")[0].GetString(), Is.EqualTo("#missing"));
        Assert.That(findings["missing-cid"].TryGetProperty("source", out _), Is.False, "null fields are left out");

        var features = System.Text.Encoding.UTF8.GetString(MailFixtures.Read("html-report/features.eml"));
        var featureId = (await host.AddAsync(features)).Id;
        using var featureJson = JsonDocument.Parse(await host.Client.GetStringAsync($"api/messages/{featureId}/report").WaitAsync(Timeout));
        var flex = featureJson.RootElement.GetProperty("findings").EnumerateArray().Single(f => f.TryGetProperty("feature", out var fid) && fid.GetString() == "css-display-flex");
        Assert.That(flex.GetProperty("check").GetString(), Is.EqualTo("feature"));
        Assert.That(flex.GetProperty("clients").EnumerateArray().Select(c => c.GetString()), Does.Contain("Outlook for Windows"));
        Assert.That(flex.GetProperty("source").GetString(), Is.EqualTo("https://www.caniemail.com/features/css-display-flex/"));
    }

    [Test]
    public async Task A_message_without_html_reports_nothing_to_check_and_reading_the_report_leaves_it_unread()
    {
        await using var host = await MailUiTestHost.StartAsync();
        var id = (await host.AddAsync("From: a@example.com\r\nSubject: plain\r\n\r\njust text\r\n")).Id;
        using var json = JsonDocument.Parse(await host.Client.GetStringAsync($"api/messages/{id}/report").WaitAsync(Timeout));
        Assert.That(json.RootElement.GetProperty("hasHtml").GetBoolean(), Is.False);
        Assert.That(json.RootElement.GetProperty("findings").GetArrayLength(), Is.Zero);
        var stored = await host.Store.GetAsync(id);
        Assert.That(stored!.Summary.Flags.HasFlag(Protocols.Servers.Mail.MailFlags.Seen), Is.False);
    }

    [Test]
    public async Task Unknown_ids_get_404_and_other_methods_405()
    {
        await using var host = await MailUiTestHost.StartAsync();
        using var missing = await host.Client.GetAsync("api/messages/no-such-id/report").WaitAsync(Timeout);
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var id = (await host.AddAsync("Subject: x\r\n\r\nx\r\n")).Id;
        using var post = await host.Client.PostAsync($"api/messages/{id}/report", new StringContent("")).WaitAsync(Timeout);
        Assert.That(post.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
    }
}
