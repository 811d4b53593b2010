using System.Text.Json;
using Microsoft.Playwright;
using Protocols.Servers.Hosting;
using Protocols.Tests.Serve;
using Protocols.Tests.Support;

namespace Protocols.Tests.Hardening;

/// <summary>
/// A page in the served root, opened in Debian's Chromium (headless, through Playwright), tries everything it can to
/// read or delete the captured mail: same-origin paths, the mail origin by fetch (read and DELETE), a form POST, and
/// framing the mail page. None may read a message or change the store. Then the page's own Clear all asks first.
/// </summary>
[Category("Slow")] // browser: `dotnet test --filter "TestCategory!=Slow"` runs the fast suite
[NonParallelizable]
public class MailOriginBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    private static string AttackPage(Uri mailPage) => $$"""
        <!doctype html><html><body><pre id="out">running</pre>
        <iframe id="frame" src="{{mailPage}}"></iframe>
        <script>
        const mail = {{JsonSerializer.Serialize(mailPage.ToString())}};
        const results = {};
        async function attempt(name, run) {
          try { results[name] = String(await run()).slice(0, 2000); } catch (e) { results[name] = "blocked: " + e.name; }
        }
        (async () => {
          await attempt("same-origin list", async () => (await fetch("/_proto/mail/api/messages")).text());
          await attempt("same-origin delete", async () => (await fetch("/_proto/mail/api/messages", { method: "DELETE" })).status);
          await attempt("mail list", async () => (await fetch(mail + "api/messages")).text());
          await attempt("mail list no-cors", async () => { const r = await fetch(mail + "api/messages", { mode: "no-cors" }); return r.type + ":" + (await r.text()); });
          await attempt("mail delete", async () => (await fetch(mail + "api/messages", { method: "DELETE" })).status);
          await attempt("mail delete no-cors post", async () => (await fetch(mail + "api/messages", { method: "POST", mode: "no-cors" })).type);
          await new Promise(r => setTimeout(r, 1500));
          await attempt("frame read", async () => document.getElementById("frame").contentDocument.body.innerText);
          document.getElementById("out").textContent = JSON.stringify(results);
          document.title = "done";
        })();
        </script></body></html>
        """;

    [Test]
    public async Task A_page_served_from_the_root_can_neither_read_nor_change_mail_and_clear_all_asks_first()
    {
        Peers.Require(Chromium);
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var root = Directory.CreateTempSubdirectory("proto-origin-");
        try
        {
            await using var stack = await DevStack.StartAsync(new DevStackOptions { Root = root.FullName }).WaitAsync(TimeSpan.FromSeconds(20));
            await RawSmtp.SendAsync(stack.Smtp, "a@example.com", "b@example.com", "Subject: Password reset 424242\r\n\r\ncode 424242\r\n");
            await File.WriteAllTextAsync(Path.Combine(root.FullName, "evil.html"), AttackPage(stack.MailPage));

            using var playwright = await Playwright.CreateAsync().WaitAsync(TimeSpan.FromSeconds(60));
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
                Timeout = 60_000,
            }).WaitAsync(TimeSpan.FromSeconds(90));
            var context = await browser.NewContextAsync();
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(15_000);
            await page.GotoAsync($"http://127.0.0.1:{stack.Http.Port}/evil.html");
            await Assertions.Expect(page).ToHaveTitleAsync("done");
            var results = await page.Locator("#out").TextContentAsync() ?? "";
            TestContext.Out.WriteLine("attack page saw: " + results);
            var escapes = JsonSerializer.Deserialize<Dictionary<string, string>>(results)!
                .Count(r => r.Value.Contains("424242", StringComparison.Ordinal) || r.Value is "204");
            Assert.That(results, Does.Not.Contain("424242"), "the attack page read a message");
            Assert.That((await stack.Store.GetStatsAsync()).Messages, Is.EqualTo(1), "the attack page deleted mail: " + results);

            // The real page: Clear all asks; dismissing keeps the mail, accepting clears it.
            var mailPage = await context.NewPageAsync();
            mailPage.SetDefaultTimeout(15_000);
            await mailPage.GotoAsync(stack.MailPage.ToString());
            await Assertions.Expect(mailPage.Locator("#count")).ToHaveTextAsync("1 message");
            var asked = new List<string>();
            void Dismiss(object? sender, IDialog dialog) { asked.Add(dialog.Message); _ = dialog.DismissAsync(); }
            mailPage.Dialog += Dismiss;
            await mailPage.Locator("#clear").ClickAsync();
            await Task.Delay(500);
            Assert.That(asked, Has.Count.EqualTo(1), "Clear all must ask first");
            Assert.That((await stack.Store.GetStatsAsync()).Messages, Is.EqualTo(1), "dismissing the question keeps the mail");
            mailPage.Dialog -= Dismiss;
            mailPage.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
            await mailPage.Locator("#clear").ClickAsync();
            await Assertions.Expect(mailPage.Locator("#count")).ToHaveTextAsync("0 messages");
            Assert.That((await stack.Store.GetStatsAsync()).Messages, Is.Zero);
            await context.CloseAsync();
            HardeningReport.Row(HardeningReport.Attack, "Chromium: a page in the root reads or deletes mail (7 ways)", 7, 0, TimeSpan.Zero,
                "all blocked; Clear all asks first", escapes, 0);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
