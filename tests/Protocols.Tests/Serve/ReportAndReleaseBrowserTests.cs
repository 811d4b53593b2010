using System.Text.Json;
using Microsoft.Playwright;
using Protocols.Servers.Hosting;
using Protocols.Servers.Testing;
using Protocols.Tests.Messages;
using Protocols.Tests.Support;

namespace Protocols.Tests.Serve;

/// <summary>
/// Issue 16.6 and 16.2 in Chromium: the message view's Analysis tab lists the HTML report's findings; the Release form
/// sends a captured message to an SMTP server (an in-process <see cref="SmtpTestServer"/>), shows its reply, and
/// shows the refusal when the server says no, never the password.
/// </summary>
[Category("Slow")]
[NonParallelizable]
public class ReportAndReleaseBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    private static async Task<(IPlaywright Playwright, IBrowser Browser, IPage Page)> OpenAsync(Uri url)
    {
        Peers.Require(Chromium);
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium, Headless = true, Timeout = 60_000,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        }).WaitAsync(TimeSpan.FromSeconds(90));
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        page.SetDefaultTimeout(15_000);
        await page.GotoAsync(url.ToString());
        await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("live");
        return (playwright, browser, page);
    }

    private static async Task<T> WithStackAsync<T>(Func<DevStack, Task<T>> test)
    {
        var root = Directory.CreateTempSubdirectory("proto-report-page-");
        try
        {
            await using var stack = await DevStack.StartAsync(new DevStackOptions { Root = root.FullName }).WaitAsync(TimeSpan.FromSeconds(20));
            return await test(stack);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Test]
    public Task The_analysis_tab_lists_unsupported_features_broken_links_and_a_missing_text_part() => WithStackAsync(async stack =>
    {
        const string html = "<p style=\"display:flex\"><a href=\"#nowhere\">jump</a> <img src=\"https://example.com/x.png\"></p>";
        await RawSmtp.SendAsync(stack.Smtp, "designer@example.com", "bob@example.com",
            $"From: designer@example.com\r\nTo: bob@example.com\r\nSubject: check my html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n");
        await RawSmtp.SendAsync(stack.Smtp, "shop@example.com", "bob@example.com",
            System.Text.Encoding.UTF8.GetString(MailFixtures.Read("html-report/clean.eml")));
        var (playwright, browser, page) = await OpenAsync(stack.MailPage);
        using (playwright)
        await using (browser)
        {
            await page.Locator("#rows tr", new() { HasText = "check my html" }).ClickAsync();
            await page.Locator(".tabs button[data-tab=report]").ClickAsync();
            var report = page.Locator("#report");
            await Assertions.Expect(report.Locator(".report-summary")).ToHaveTextAsync("4 findings");
            var flex = report.Locator("li[data-feature=css-display-flex]");
            await Assertions.Expect(flex).ToContainTextAsync("display:flex");
            await Assertions.Expect(flex).ToContainTextAsync("Not supported in: Outlook for Windows");
            await Assertions.Expect(flex.Locator("a")).ToHaveAttributeAsync("href", "https://www.caniemail.com/features/css-display-flex/");
            await Assertions.Expect(report.Locator("li[data-check=broken-anchor]")).ToContainTextAsync("#nowhere");
            await Assertions.Expect(report.Locator("li[data-check=image-without-alt]")).ToContainTextAsync("https://example.com/x.png");
            await Assertions.Expect(report.Locator("li[data-check=no-text-part]")).ToBeVisibleAsync();

            // The tab stays chosen for the next message: the clean newsletter has nothing to report.
            await page.Locator("#rows tr", new() { HasText = "A clean newsletter" }).ClickAsync();
            await Assertions.Expect(page.Locator("#report .report-summary")).ToHaveTextAsync("No problems found.");
            await Assertions.Expect(page.Locator("#report li")).ToHaveCountAsync(0);
        }
        return 0;
    });

    [Test]
    public Task The_release_form_sends_the_message_shows_the_reply_and_shows_a_refusal_without_the_password() => WithStackAsync(async stack =>
    {
        await using var target = await SmtpTestServer.StartAsync();
        await RawSmtp.SendAsync(stack.Smtp, "alice@example.com", "bob@example.com",
            "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: release me\r\n\r\nhello\r\n");
        var (playwright, browser, page) = await OpenAsync(stack.MailPage);
        using (playwright)
        await using (browser)
        {
            await page.Locator("#rows tr", new() { HasText = "release me" }).ClickAsync();
            await Assertions.Expect(page.Locator("#release")).ToBeHiddenAsync();
            await page.Locator("#m-release").ClickAsync();
            await Assertions.Expect(page.Locator("#release")).ToBeVisibleAsync();
            await page.Locator("#r-host").FillAsync("127.0.0.1");
            await page.Locator("#r-port").FillAsync(target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await page.Locator("#r-tls").SelectOptionAsync("none");
            await page.Locator("#r-recipients").FillAsync("carol@example.com");
            await page.Locator("#r-send").ClickAsync();
            var result = page.Locator("#release-result");
            await Assertions.Expect(result).ToHaveClassAsync("ok");
            await Assertions.Expect(result).ToContainTextAsync($"Released to 127.0.0.1:{target.Port} for carol@example.com: 250");
            var received = await target.WaitForMessageAsync(TimeSpan.FromSeconds(10));
            Assert.That(received.Envelope.From, Is.EqualTo("alice@example.com"));
            Assert.That(received.Envelope.Recipients.Select(r => r.Address), Is.EqualTo(new[] { "carol@example.com" }));
            Assert.That(System.Text.Encoding.UTF8.GetString(received.Raw.Span), Does.Contain("Subject: release me"));
            await Assertions.Expect(page.Locator("#m-session")).ToContainTextAsync($"relay to 127.0.0.1:{target.Port}: 250");

            // The server refuses the recipient: the page shows its reply; the password typed is never on the page.
            target.Faults.Reply("RCPT", 550, "no such user here", enhancedCode: "5.1.1");
            await page.Locator("#r-user").FillAsync("releaser");
            await page.Locator("#r-password").FillAsync("pa55-never-shown");
            await page.Locator("#r-send").ClickAsync();
            await Assertions.Expect(result).ToHaveClassAsync("bad");
            await Assertions.Expect(result).ToContainTextAsync("Not released: 127.0.0.1:" + target.Port + " answered:");
            var text = await result.TextContentAsync();
            await Assertions.Expect(page.Locator("#m-session")).ToContainTextAsync("failed:");
            var body = await page.Locator("body").InnerTextAsync();
            Assert.That(body, Does.Not.Contain("pa55-never-shown"), "the password is never shown");
            TestContext.Out.WriteLine("refusal shown: " + text);

            // A refusal at RCPT, without AUTH offered by the target, is what the page shows: one more, with no user.
            await page.Locator("#r-user").FillAsync("");
            await page.Locator("#r-password").FillAsync("");
            await page.Locator("#r-send").ClickAsync();
            await Assertions.Expect(result).ToContainTextAsync("no such user here");

            // A bad field gets the API's one-line reason.
            await page.Locator("#r-port").FillAsync("0");
            await page.Locator("#r-port").EvaluateAsync("e => e.removeAttribute('min')");
            await page.Locator("#r-send").ClickAsync();
            await Assertions.Expect(result).ToHaveTextAsync("Not released: port: a number 1..65535 is required");
        }
        using var http = new HttpClient { BaseAddress = stack.MailPage, Timeout = TimeSpan.FromSeconds(20) };
        var list = JsonDocument.Parse(await http.GetStringAsync("api/messages"));
        Assert.That(list.RootElement.GetProperty("total").GetInt64(), Is.EqualTo(1), "releasing does not capture anything new");
        return 0;
    });
}
