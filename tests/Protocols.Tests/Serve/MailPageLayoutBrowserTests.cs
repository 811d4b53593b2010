using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Protocols.Servers.Hosting;
using Protocols.Tests.Support;

namespace Protocols.Tests.Serve;

/// <summary>
/// The mail page as people expect it, in Debian's Chromium (headless, through Playwright): a link in an HTML part opens
/// a new tab and the message stays; the list fits at 1400, 800 and 420 px (no truncated sizes, no overlapping headers,
/// subjects get the room); new mail above the scroll position is announced; every message has its own address.
/// </summary>
[Category("Slow")] // browser: `dotnet test --filter "TestCategory!=Slow"` runs the fast suite
[NonParallelizable]
public class MailPageLayoutBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Test]
    public async Task A_link_in_the_html_part_opens_a_new_tab_without_opener_and_the_message_stays()
    {
        await using var run = await BrowserRun.StartAsync(1280, 800);
        await File.WriteAllTextAsync(Path.Combine(run.Root, "target.html"), "<!doctype html><title>target</title><p id=\"landed\">landed</p>");
        var target = $"http://127.0.0.1:{run.Stack.Http.Port}/target.html";
        await RawSmtp.SendAsync(run.Stack.Smtp, "a@example.com", "b@example.com",
            $"Subject: Click me\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<!DOCTYPE html><html><body><h1 id=\"title\">Newsletter</h1><a id=\"out\" href=\"{target}\">read more</a></body></html>\r\n");
        var page = await run.OpenMailPageAsync();
        await page.Locator("#rows tr", new() { HasText = "Click me" }).ClickAsync();
        var frame = page.FrameLocator("#html-frame");
        await Assertions.Expect(frame.Locator("#title")).ToHaveTextAsync("Newsletter");

        var popup = await page.Context.RunAndWaitForPageAsync(() => frame.Locator("#out").ClickAsync(), new() { Timeout = 10_000 });
        await popup.WaitForLoadStateAsync(LoadState.Load);
        Assert.That(popup.Url, Is.EqualTo(target), "the link opened in a tab of its own");
        await Assertions.Expect(popup.Locator("#landed")).ToHaveTextAsync("landed");
        Assert.That(await popup.EvaluateAsync<bool>("() => window.opener === null"), Is.True, "noopener: the new tab cannot reach back");
        await Assertions.Expect(frame.Locator("#title")).ToHaveTextAsync("Newsletter");
        Assert.That(page.Frames.Select(f => f.Url), Has.None.EqualTo(target), "the frame did not navigate away from the message");
        Assert.That(await page.Locator("#m-subject").TextContentAsync(), Is.EqualTo("Click me"));
    }

    [Test]
    public async Task The_list_fits_at_1400_800_and_420_px_without_truncated_sizes_or_overlapping_headers()
    {
        await using var run = await BrowserRun.StartAsync(1400, 900);
        // Sizes from bytes to ~1000 KiB, long names and subjects: the widest things the columns must hold.
        foreach (var (i, bytes) in new[] { (1, 200), (2, 137_000), (3, 1_040_000), (4, 9_999) })
        {
            var body = new StringBuilder();
            while (body.Length < bytes) body.Append(new string((char)('a' + i), 76)).Append("\r\n");
            await RawSmtp.SendAsync(run.Stack.Smtp, $"very.long.sender.name.number{i}@subdomain.example.com", "team-with-a-long-name@example.org",
                $"From: Somebody With A Long Name {i} <very.long.sender.name.number{i}@subdomain.example.com>\r\nTo: team-with-a-long-name@example.org\r\nSubject: Message {i}: a subject long enough to need most of the row to be read in full\r\n\r\n{body}");
        }
        var page = await run.OpenMailPageAsync();
        await Assertions.Expect(page.Locator("#rows tr")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("#matched")).ToHaveTextAsync("4 shown · 4 of 4");
        await Assertions.Expect(page.Locator("#more")).ToBeHiddenAsync(); // everything is shown: no "Load more"
        await page.Locator("#rows tr").First.ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToBeVisibleAsync();

        foreach (var width in new[] { 1400, 800, 420 })
        {
            await page.SetViewportSizeAsync(width, 900);
            await page.WaitForFunctionAsync($"() => window.innerWidth === {width}");
            var screenshot = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"mail-page-{width}.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot });
            TestContext.AddTestAttachment(screenshot, $"the mail page at {width} px");

            var layout = JsonDocument.Parse(await page.EvaluateAsync<string>(LayoutProbe)).RootElement;
            TestContext.Out.WriteLine($"{width} px: {layout}");
            Assert.That(layout.GetProperty("overflowing").EnumerateArray().Select(e => e.GetString()), Is.Empty, $"{width} px: sizes and column headers are never cut");
            Assert.That(layout.GetProperty("overlaps").EnumerateArray().Select(e => e.GetString()), Is.Empty, $"{width} px: header items and panes do not overlap");
            Assert.That(layout.GetProperty("pageWidth").GetInt32(), Is.LessThanOrEqualTo(width), $"{width} px: no sideways scrolling of the page");
            Assert.That(layout.GetProperty("subject").GetDouble(), Is.GreaterThanOrEqualTo(layout.GetProperty("from").GetDouble()), $"{width} px: the subject gets the room");
            Assert.That(layout.GetProperty("sizes").EnumerateArray().Select(e => e.GetString()), Has.Some.Contains("KiB").And.None.Contains("…"), $"{width} px: sizes in full");
        }
    }

    /// <summary>What must hold at every width, measured in the page: cells and headers that cut their text, boxes that overlap.</summary>
    private const string LayoutProbe = """
        () => {
          const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden"; };
          const name = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : "") + " '" + (e.textContent || "").trim().slice(0, 30) + "'";
          const overflowing = [...document.querySelectorAll("td.size, td.time, th, header > *, #matched")]
            .filter(visible).filter(e => e.scrollWidth > e.clientWidth).map(e => name(e) + " " + e.scrollWidth + ">" + e.clientWidth);
          const overlaps = [];
          const groups = [[...document.querySelectorAll("header > *")], [...document.querySelectorAll("thead th")], [...document.querySelector("main").children]];
          for (const group of groups) {
            const boxes = group.filter(visible).map(e => [e, e.getBoundingClientRect()]);
            for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
              const [a, ra] = boxes[i], [b, rb] = boxes[j];
              if (ra.left < rb.right - 0.5 && rb.left < ra.right - 0.5 && ra.top < rb.bottom - 0.5 && rb.top < ra.bottom - 0.5) overlaps.push(name(a) + " x " + name(b));
            }
          }
          const row = document.querySelector("#rows tr");
          return JSON.stringify({
            overflowing, overlaps, pageWidth: document.documentElement.scrollWidth,
            subject: row.querySelector("td.subject").getBoundingClientRect().width,
            from: row.cells[0].getBoundingClientRect().width,
            sizes: [...document.querySelectorAll("td.size")].map(e => e.textContent),
          });
        }
        """;

    [Test]
    public async Task The_list_pages_by_cursor_and_new_mail_above_the_scroll_position_is_announced_and_the_place_is_kept()
    {
        await using var run = await BrowserRun.StartAsync(1280, 600);
        for (var i = 0; i < 105; i++)
            await RawSmtp.SendAsync(run.Stack.Smtp, "a@example.com", "b@example.com", $"Subject: Old {i:D3}\r\n\r\nbody\r\n");
        var page = await run.OpenMailPageAsync();
        // The list pages by cursor: 100 first, then the rest on "Load more".
        await Assertions.Expect(page.Locator("#rows tr")).ToHaveCountAsync(100);
        await Assertions.Expect(page.Locator("#matched")).ToHaveTextAsync("100 shown · 105 of 105");
        await page.Locator("#more").ClickAsync();
        await Assertions.Expect(page.Locator("#rows tr")).ToHaveCountAsync(105);
        await Assertions.Expect(page.Locator("#more")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#notice")).ToBeHiddenAsync();
        await page.Locator("#list").EvaluateAsync("list => { list.scrollTop = 500; }");
        var before = await page.Locator("#list").EvaluateAsync<double>("list => list.scrollTop");
        Assert.That(before, Is.GreaterThan(100), "the list scrolls");

        await RawSmtp.SendAsync(run.Stack.Smtp, "a@example.com", "b@example.com", "Subject: New 1\r\n\r\nbody\r\n");
        await RawSmtp.SendAsync(run.Stack.Smtp, "a@example.com", "b@example.com", "Subject: New 2\r\n\r\nbody\r\n");
        // The reload keeps as many rows as were shown (newest first): the two oldest go back behind "Load more".
        await Assertions.Expect(page.Locator("#matched")).ToHaveTextAsync("105 shown · 107 of 107");
        await Assertions.Expect(page.Locator("#more")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#notice")).ToHaveTextAsync("↑ 2 new messages");
        var after = await page.Locator("#list").EvaluateAsync<double>("list => list.scrollTop");
        Assert.That(after, Is.GreaterThan(before), "the rows read before stay where they were: the list moved down by the new rows");

        await page.Locator("#notice").ClickAsync();
        await Assertions.Expect(page.Locator("#notice")).ToBeHiddenAsync();
        Assert.That(await page.Locator("#list").EvaluateAsync<double>("list => list.scrollTop"), Is.EqualTo(0));
        await Assertions.Expect(page.Locator("#rows tr").First).ToContainTextAsync("New 2");
    }

    [Test]
    public async Task Each_message_has_its_own_address_that_opens_it_on_load_and_the_file_root_links_the_page()
    {
        await using var run = await BrowserRun.StartAsync(1280, 800);
        await RawSmtp.SendAsync(run.Stack.Smtp, "a@example.com", "b@example.com", "Subject: First\r\n\r\none\r\n");
        await RawSmtp.SendAsync(run.Stack.Smtp, "a@example.com", "b@example.com", "Subject: Second\r\n\r\ntwo\r\n");

        // From the file server's root listing, one click to the mail page.
        var page = await run.Context.NewPageAsync();
        await page.GotoAsync($"http://127.0.0.1:{run.Stack.Http.Port}/");
        await page.Locator("a#mail").ClickAsync();
        await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("live");
        Assert.That(page.Url, Does.StartWith(run.Stack.MailPage.ToString()));

        var row = page.Locator("#rows tr", new() { HasText = "First" });
        var id = await row.GetAttributeAsync("data-id") ?? throw new AssertionException("a row carries its message id");
        await row.ClickAsync();
        await Assertions.Expect(page.Locator("#m-subject")).ToHaveTextAsync("First");
        Assert.That(page.Url, Is.EqualTo(run.Stack.MailPage + "#" + Uri.EscapeDataString(id)), "the address bar names the open message");

        foreach (var address in new[] { page.Url, run.Stack.MailPage + "?id=" + Uri.EscapeDataString(id) })
        {
            var fresh = await run.Context.NewPageAsync();
            await fresh.GotoAsync(address);
            await Assertions.Expect(fresh.Locator("#m-subject")).ToHaveTextAsync("First");
            await Assertions.Expect(fresh.Locator("#rows tr.selected")).ToContainTextAsync("First");
            await fresh.CloseAsync();
        }
    }

    private sealed class BrowserRun : IAsyncDisposable
    {
        private IPlaywright? _playwright;
        private IBrowser? _browser;
        private readonly DirectoryInfo _root;

        private BrowserRun(DirectoryInfo root, DevStack stack) { _root = root; Stack = stack; }

        public DevStack Stack { get; }
        public string Root => _root.FullName;
        public IBrowserContext Context { get; private set; } = null!;

        public static async Task<BrowserRun> StartAsync(int width, int height)
        {
            Peers.Require(Chromium);
            Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
            var root = Directory.CreateTempSubdirectory("proto-layout-");
            var stack = await DevStack.StartAsync(new DevStackOptions { Root = root.FullName }).WaitAsync(TimeSpan.FromSeconds(20));
            var run = new BrowserRun(root, stack);
            try
            {
                run._playwright = await Playwright.CreateAsync().WaitAsync(TimeSpan.FromSeconds(60));
                run._browser = await run._playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
                {
                    ExecutablePath = Chromium,
                    Headless = true,
                    Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
                    Timeout = 60_000,
                }).WaitAsync(TimeSpan.FromSeconds(90));
                run.Context = await run._browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, Locale = "en-GB" });
                run.Context.SetDefaultTimeout(15_000);
                return run;
            }
            catch
            {
                await run.DisposeAsync();
                throw;
            }
        }

        public async Task<IPage> OpenMailPageAsync()
        {
            var page = await Context.NewPageAsync();
            await page.GotoAsync(Stack.MailPage.ToString());
            await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("live");
            return page;
        }

        public async ValueTask DisposeAsync()
        {
            if (_browser is not null) await _browser.DisposeAsync();
            _playwright?.Dispose();
            await Stack.DisposeAsync();
            _root.Delete(recursive: true);
        }
    }
}
