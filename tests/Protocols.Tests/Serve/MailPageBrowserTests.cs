using Microsoft.Playwright;
using MimeKit;
using Protocols.Cli.Serve;
using Protocols.Servers.Hosting;
using Protocols.Smtp;
using Protocols.Tests.Support;

namespace Protocols.Tests.Serve;

/// <summary>
/// The mail page as a person sees it: Debian's Chromium, headless, driven by Playwright for .NET (never a downloaded
/// browser). Starts the whole stack in-process, delivers a message over SMTP and watches it arrive without a reload.
/// </summary>
[Category("Slow")] // kill -9, browser, packaging or load: `dotnet test --filter "TestCategory!=Slow"` runs the fast suite
[NonParallelizable]
public class MailPageBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private const float Timeout = 15_000;

    [Test]
    public async Task New_mail_appears_live_and_opens_with_its_html_part_and_attachment()
    {
        Peers.Require(Chromium);
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var root = Directory.CreateTempSubdirectory("proto-browser-");
        try
        {
            await using var stack = await DevStack.StartAsync(new DevStackOptions { Root = root.FullName })
                .WaitAsync(TimeSpan.FromSeconds(20));
            using var playwright = await Playwright.CreateAsync().WaitAsync(TimeSpan.FromSeconds(60));
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
                Timeout = 60_000,
            }).WaitAsync(TimeSpan.FromSeconds(90));
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true, ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(Timeout);
            var finished = new List<string>();
            var failed = new List<string>();
            context.RequestFinished += (_, request) => { lock (finished) finished.Add(request.Url); };
            context.RequestFailed += (_, request) => { lock (failed) failed.Add(request.Url + " " + request.Failure); };
            var consoleErrors = new List<string>();
            page.Console += (_, message) => { if (message.Type == "error") lock (consoleErrors) consoleErrors.Add(message.Text); };

            await page.GotoAsync(stack.MailPage.ToString());
            await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("live");
            await Assertions.Expect(page.Locator("#empty")).ToBeVisibleAsync();

            // The HTML part loads an image from a server that would answer (our own HTTP endpoint): the CSP must stop it.
            await File.WriteAllBytesAsync(Path.Combine(root.FullName, "pixel.gif"), [0x47, 0x49, 0x46]);
            var pixel = $"http://127.0.0.1:{stack.Http.Port}/pixel.gif";
            var message = new MimeMessage { Subject = "Report für Q3" };
            message.From.Add(new MailboxAddress("Jürgen", "j@example.com"));
            message.To.Add(MailboxAddress.Parse("team@example.com"));
            var body = new BodyBuilder
            {
                TextBody = "The report is attached.\r\n",
                HtmlBody = $"<h1 id=\"title\">Quarterly report</h1><img src=\"{pixel}\">",
            };
            body.Attachments.Add("numbers.csv", "a,b\r\n1,2\r\n"u8.ToArray(), new ContentType("text", "csv"));
            message.Body = body.ToMessageBody();
            await using (var smtp = new SmtpClient())
            {
                await smtp.ConnectAsync("127.0.0.1", stack.Smtp.Port, SmtpEncryption.None).WaitAsync(TimeSpan.FromSeconds(10));
                var sent = await smtp.SendAsync(message).WaitAsync(TimeSpan.FromSeconds(10));
                Assert.That(sent.AllAccepted, Is.True);
                await smtp.DisconnectAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }

            var row = page.Locator("#rows tr", new() { HasText = "Report für Q3" });
            await Assertions.Expect(row).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#count")).ToHaveTextAsync("1 message");
            await row.ClickAsync();
            await Assertions.Expect(page.Locator("#m-subject")).ToHaveTextAsync("Report für Q3");
            await Assertions.Expect(page.Locator("#m-from")).ToContainTextAsync("Jürgen");

            var frame = page.FrameLocator("#html-frame");
            await Assertions.Expect(frame.Locator("#title")).ToHaveTextAsync("Quarterly report");
            Assert.That(await page.Locator("#html-frame").GetAttributeAsync("sandbox"), Is.EqualTo("allow-popups allow-popups-to-escape-sandbox"), "links may open a new tab; no scripts, forms or same-origin");

            var link = page.Locator("#m-attachment-links a");
            await Assertions.Expect(link).ToContainTextAsync("numbers.csv");
            var download = await page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
            Assert.That(download.SuggestedFilename, Is.EqualTo("numbers.csv"));
            var saved = Path.Combine(root.FullName, "downloaded.csv");
            await download.SaveAsAsync(saved);
            Assert.That(await File.ReadAllTextAsync(saved), Is.EqualTo("a,b\r\n1,2\r\n"), "text parts travel in canonical CRLF form");

            await page.Locator(".tabs button[data-tab=text]").ClickAsync();
            await Assertions.Expect(page.Locator("#pane pre")).ToContainTextAsync("The report is attached.");
            await page.Locator(".tabs button[data-tab=html]").ClickAsync();
            await Assertions.Expect(frame.Locator("#title")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#counters")).ToContainTextAsync("SMTP", new() { Timeout = 10_000 });

            var screenshot = Path.Combine(TestContext.CurrentContext.WorkDirectory, "mail-page.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
            TestContext.AddTestAttachment(screenshot, "the captured-mail page with a message open");

            lock (finished) Assert.That(finished, Has.None.Contains("pixel.gif"), "remote content in the HTML part must be blocked");
            lock (failed) Assert.That(failed, Has.Some.StartsWith(pixel).And.Contains("csp"));
            lock (consoleErrors) Assert.That(consoleErrors.Where(e => !e.Contains("pixel.gif", StringComparison.Ordinal)), Is.Empty);

            await context.CloseAsync();
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
