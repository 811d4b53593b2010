using System.Net;
using System.Text.Json;
using Protocols.Tests.Cli;
using Protocols.Tests.Support;

namespace Protocols.Tests.Serve;

/// <summary>
/// Issue 16.4 and 13.14 through the real processes: <c>api/wait</c>'s parameters (unknown ones refused, <c>since=</c>),
/// <c>proto serve --exit-after/--timeout</c>, <c>proto smtp serve --print</c> read back by Python's mailbox module,
/// and <c>proto mail wait</c> against a running <c>proto serve</c>.
/// </summary>
[TestFixture]
[Category("Cli")]
public class CatcherCiTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static Task SendAsync(IPEndPoint smtp, string subject, string body = "hello\r\n") =>
        RawSmtp.SendAsync(smtp, "alice@example.com", "bob@example.com",
            $"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: {subject}\r\n\r\n{body}");

    private static async Task<(HttpStatusCode Status, JsonElement Json)> GetAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url).WaitAsync(Timeout);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Test]
    public async Task ApiWait_RefusesAnUnknownParameterByName_AndAcceptsSinceAnIdOrATime()
    {
        await using var serve = await RunningServe.StartAsync();
        using var http = new HttpClient { BaseAddress = serve.MailPage, Timeout = Timeout };
        await SendAsync(serve.Smtp, "first");

        // A typo (subjet=) used to be ignored and matched the newest message.
        var (status, json) = await GetAsync(http, "api/wait?subjet=nothing&timeout=1");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(json.GetProperty("error").GetString(), Does.Contain("unknown parameter 'subjet'"));

        var (okStatus, first) = await GetAsync(http, "api/wait?timeout=5");
        Assert.That(okStatus, Is.EqualTo(HttpStatusCode.OK));
        var firstId = first.GetProperty("id").GetString()!;

        // since=<id>: the first message is not after itself; the wait times out, then sees the second.
        (status, _) = await GetAsync(http, $"api/wait?since={firstId}&timeout=0.5");
        Assert.That(status, Is.EqualTo(HttpStatusCode.RequestTimeout));
        var waiting = GetAsync(http, $"api/wait?since={firstId}&timeout=20");
        await Task.Delay(300);
        Assert.That(waiting.IsCompleted, Is.False, "the wait must block until a later message arrives");
        await SendAsync(serve.Smtp, "second");
        var (secondStatus, second) = await waiting;
        Assert.That(secondStatus, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(second.GetProperty("subject").GetString(), Is.EqualTo("second"));

        // since=<time>: only mail received after that instant.
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        (status, _) = await GetAsync(http, $"api/wait?since={now}&timeout=0.5");
        Assert.That(status, Is.EqualTo(HttpStatusCode.RequestTimeout));
        var byTime = GetAsync(http, $"api/wait?since={now}&subject=third&timeout=20");
        await SendAsync(serve.Smtp, "third");
        var (thirdStatus, third) = await byTime;
        Assert.That(thirdStatus, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(third.GetProperty("subject").GetString(), Is.EqualTo("third"));

        (status, json) = await GetAsync(http, "api/wait?since=nosuchid&timeout=1");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(json.GetProperty("error").GetString(), Does.Contain("'nosuchid'"));
    }

    [Test]
    public async Task ServeExitAfter_ExitsZeroAfterNMessages_AndOneAfterTheTimeout()
    {
        await using (var serve = await RunningServe.StartAsync("--exit-after", "2", "--timeout", "50s"))
        {
            await SendAsync(serve.Smtp, "one");
            await SendAsync(serve.Smtp, "two");
            Assert.That(await serve.Process.WaitForExitAsync(Timeout), Is.Zero, serve.Process.Stderr);
            Assert.That(serve.Process.Stdout, Does.Contain(": one (").And.Contain(": two ("));
        }
        await using (var serve = await RunningServe.StartAsync("--exit-after", "2", "--timeout", "2"))
        {
            await SendAsync(serve.Smtp, "only one");
            Assert.That(await serve.Process.WaitForExitAsync(Timeout), Is.EqualTo(1));
            Assert.That(serve.Process.Stderr, Does.Contain("timed out after").And.Contain("1 of 2 messages arrived"));
        }
        var alone = await ProtoProcess.RunAsync(["serve", "--timeout", "5s"]);
        Assert.That(alone.ExitCode, Is.EqualTo(2));
        Assert.That(alone.Stderr, Does.Contain("--timeout goes with --exit-after"));
        var zero = await ProtoProcess.RunAsync(["serve", "--exit-after", "0"]);
        Assert.That(zero.ExitCode, Is.EqualTo(2));
        Assert.That(zero.Stderr, Does.Contain("--exit-after must be at least 1"));
        var bad = await ProtoProcess.RunAsync(["serve", "--exit-after", "1", "--timeout", "soon"]);
        Assert.That(bad.ExitCode, Is.EqualTo(2));
        Assert.That(bad.Stderr, Does.Contain("--timeout: not a duration: soon"));
    }

    [Test]
    public async Task SmtpServePrint_WritesEachMessageAsMbox_ThatPythonReadsBack()
    {
        await using var smtp = ProtoProcess.Start(["smtp", "serve", "--port", "0", "--print"]);
        await smtp.WaitForStderrAsync("Ctrl+C to stop");
        var endPoint = IPEndPoint.Parse(System.Text.RegularExpressions.Regex.Match(smtp.Stderr, @"SMTP on (\S+?)[ ;,]").Groups[1].Value);
        await SendAsync(endPoint, "printed one", "From the start of a line\r\nsecond line\r\n");
        await SendAsync(endPoint, "printed two", ">From quoted already\r\n");
        await smtp.WaitForStdoutAsync("printed two");
        await smtp.WaitForStdoutAsync("quoted already\n\n");
        await smtp.InterruptAsync();
        Assert.That(await smtp.WaitForExitAsync(Timeout), Is.Zero);
        Assert.That(smtp.Stderr, Does.Contain("from <alice@example.com> to <bob@example.com>"), "the summaries go to stderr");

        var mbox = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(mbox, smtp.Stdout);
            var read = await PeerRunner.PythonAsync(
                "import mailbox,sys\nfor m in mailbox.mbox(sys.argv[1]):\n  print(m['Subject'] + '|' + m.get_payload().replace('\\n','/'))", mbox);
            Assert.That(read.ExitCode, Is.Zero, read.Stderr);
            // Two messages, split where they should be; Python keeps the quoting (an mboxrd reader such as mutt removes one '>').
            Assert.That(read.Stdout, Is.EqualTo("printed one|>From the start of a line/second line/\nprinted two|>>From quoted already/\n"),
                "mboxrd quoting: a line starting with From (or >From) gets one more '>'");
        }
        finally
        {
            File.Delete(mbox);
        }
    }

    [Test]
    public async Task MailWait_BlocksUntilAMatchArrives_PrintsItsId_AndTimesOut()
    {
        await using var serve = await RunningServe.StartAsync();
        await SendAsync(serve.Smtp, "old news");
        var server = serve.MailPage.ToString();

        await using var waiting = ProtoProcess.Start(["mail", "wait", "--server", server, "--query", "subject:\"welcome\"", "--timeout", "40s"]);
        await Task.Delay(500);
        await SendAsync(serve.Smtp, "welcome aboard");
        Assert.That(await waiting.WaitForExitAsync(Timeout), Is.Zero, waiting.Stderr);
        Assert.That(waiting.Stdout, Does.Match(@"^[0-9A-Za-z-]+ alice@example\.com -> bob@example\.com: welcome aboard \(\d+ bytes\)\n$"));

        var timedOut = await ProtoProcess.RunAsync(["mail", "wait", "--server", server, "--query", "subject:never", "--timeout", "1"]);
        Assert.That(timedOut.ExitCode, Is.EqualTo(1));
        Assert.That(timedOut.Stderr, Does.Contain("no matching message arrived within 1s"));
        Assert.That(timedOut.Stdout, Is.Empty);

        var id = waiting.Stdout.Split(' ')[0];
        var since = await ProtoProcess.RunAsync(["mail", "wait", "--server", server, "--since", id, "--timeout", "1", "--json"]);
        Assert.That(since.ExitCode, Is.EqualTo(1), "nothing arrived after the welcome message");

        var badQuery = await ProtoProcess.RunAsync(["mail", "wait", "--server", server, "--query", "before:yesterday", "--timeout", "5"]);
        Assert.That(badQuery.ExitCode, Is.EqualTo(2));
        Assert.That(badQuery.Stderr, Does.Contain("'yesterday' is not a date"));

        var nobody = await ProtoProcess.RunAsync(["mail", "wait", "--server", "http://127.0.0.1:1/", "--timeout", "5"]);
        Assert.That(nobody.ExitCode, Is.EqualTo(1));
        Assert.That(nobody.Stderr, Does.Contain("127.0.0.1:1: cannot connect"));
    }
}
