using System.Text.Json;
using Microsoft.Playwright;
using Protocols.Servers.Hosting;
using Protocols.Servers.Mail;
using Protocols.Servers.Testing;
using Protocols.Tests.Support;

namespace Protocols.Tests.Serve;

/// <summary>Issue 16.2 in Chromium: a failed automatic relay shows the server's reply in the page's message view.</summary>
[Category("Slow")]
[NonParallelizable]
public class RelayPageBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Test]
    public async Task A_failed_relay_shows_the_servers_reply_in_the_page()
    {
        Peers.Require(Chromium);
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        await using var target = await SmtpTestServer.StartAsync();
        target.Faults.Reply("RCPT", 550, "no such user at the relay", enhancedCode: "5.1.1");
        var root = Directory.CreateTempSubdirectory("proto-relay-page-");
        try
        {
            await using var stack = await DevStack.StartAsync(new DevStackOptions
            {
                Root = root.FullName, RelayTo = new MailRelayTarget("127.0.0.1", target.Port), RelayMatch = ".",
            }).WaitAsync(TimeSpan.FromSeconds(20));
            await RawSmtp.SendAsync(stack.Smtp, "alice@example.com", "bob@example.com",
                "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: relay me\r\n\r\nhi\r\n");
            using var http = new HttpClient { BaseAddress = stack.MailPage, Timeout = TimeSpan.FromSeconds(20) };
            var id = JsonDocument.Parse(await http.GetStringAsync("api/wait?timeout=10")).RootElement.GetProperty("id").GetString();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (JsonDocument.Parse(await http.GetStringAsync($"api/messages/{id}")).RootElement.GetProperty("relay").ValueKind == JsonValueKind.Null)
            {
                if (DateTime.UtcNow > deadline) Assert.Fail("the relay result never appeared in the detail");
                await Task.Delay(100);
            }

            using var playwright = await Playwright.CreateAsync().WaitAsync(TimeSpan.FromSeconds(60));
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium, Headless = true, Timeout = 60_000,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            }).WaitAsync(TimeSpan.FromSeconds(90));
            var page = await browser.NewPageAsync();
            page.SetDefaultTimeout(15_000);
            await page.GotoAsync(stack.MailPage.ToString());
            await page.Locator("#rows tr", new() { HasText = "relay me" }).ClickAsync();
            await Assertions.Expect(page.Locator("#m-session")).ToContainTextAsync("relay to 127.0.0.1:" + target.Port + " failed:");
            await Assertions.Expect(page.Locator("#m-session")).ToContainTextAsync("no such user at the relay");
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
