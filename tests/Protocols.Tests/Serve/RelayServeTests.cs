using System.Net;
using System.Text;
using System.Text.Json;
using Protocols.Servers.Testing;
using Protocols.Tests.Cli;

namespace Protocols.Tests.Serve;

/// <summary>Issue 16.2 through the real process: <c>proto serve --relay-to --relay-match</c> relays matching messages
/// after capture (the 250 does not wait), only to the matching recipients; a refusal is logged and shown in the detail.</summary>
[TestFixture]
[Category("Cli")]
public class RelayServeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string Message(string subject) => $"From: alice@example.com\r\nTo: bob@relay.test\r\nSubject: {subject}\r\n\r\nhello\r\n";

    private static async Task<JsonElement> DetailAsync(HttpClient http, string subject)
    {
        var found = JsonDocument.Parse(await http.GetStringAsync($"api/wait?subject={subject}&timeout=10").WaitAsync(Timeout)).RootElement;
        return JsonDocument.Parse(await http.GetStringAsync($"api/messages/{found.GetProperty("id").GetString()}").WaitAsync(Timeout)).RootElement.Clone();
    }

    [Test]
    public async Task Matching_messages_are_relayed_after_capture_to_the_matching_recipients_only()
    {
        await using var target = await SmtpTestServer.StartAsync();
        target.Faults.Delay("MAIL", TimeSpan.FromSeconds(2)); // the target is slow; capture must not wait for it
        await using var serve = await RunningServe.StartAsync("--relay-to", $"127.0.0.1:{target.Port}", "--relay-match", @"[@.]relay\.test$");
        Assert.That(serve.Process.Stdout, Does.Contain("Relay: messages to recipients matching"));
        using var http = new HttpClient { BaseAddress = serve.MailPage, Timeout = Timeout };

        await RawSmtp.SendAsync(serve.Smtp, "alice@example.com", "bob@example.com", Message("unmatched"));
        await RawSmtp.SendAsync(serve.Smtp, "alice@example.com", "bob@relay.test", Message("matched"));
        Assert.That(target.Messages, Is.Empty, "the 250 came before the relay finished");

        var relayed = await target.WaitForMessageAsync(Timeout);
        Assert.That(relayed.Envelope.Recipients.Select(r => r.Address), Is.EqualTo(new[] { "bob@relay.test" }));
        Assert.That(Encoding.UTF8.GetString(relayed.Raw.Span), Does.Contain("Subject: matched"));
        var detail = await DetailAsync(http, "matched");
        Assert.That(detail.GetProperty("relay").GetProperty("ok").GetBoolean(), Is.True);
        Assert.That(detail.GetProperty("relay").GetProperty("code").GetInt32(), Is.EqualTo(250));
        var unmatched = await DetailAsync(http, "unmatched");
        Assert.That(unmatched.GetProperty("relay").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(target.Messages, Has.Count.EqualTo(1), "the unmatched message was not relayed");
    }

    [Test]
    public async Task A_refused_relay_is_logged_and_shown_in_the_detail()
    {
        await using var target = await SmtpTestServer.StartAsync();
        target.Faults.Reply("RCPT", 550, "mailbox unavailable here", enhancedCode: "5.1.1");
        await using var serve = await RunningServe.StartAsync("--relay-to", $"127.0.0.1:{target.Port}", "--relay-match", ".");
        using var http = new HttpClient { BaseAddress = serve.MailPage, Timeout = Timeout };
        await RawSmtp.SendAsync(serve.Smtp, "alice@example.com", "bob@relay.test", Message("refused"));
        await serve.Process.WaitForStderrAsync("mailbox unavailable here", Timeout);
        var detail = await DetailAsync(http, "refused");
        var relay = detail.GetProperty("relay");
        Assert.That(relay.GetProperty("ok").GetBoolean(), Is.False);
        Assert.That(relay.GetProperty("reply").GetString(), Does.Contain("550").And.Contain("mailbox unavailable here"));
    }

    [TestCase("--relay-to", "nohost", "--relay-match", ".", "--relay-to must be host:port")]
    [TestCase("--relay-to", "127.0.0.1:0", "--relay-match", ".", "--relay-to must be host:port")]
    [TestCase("--relay-to", "127.0.0.1:25", "--relay-match", "(", "--relay-match is not a regular expression")]
    [TestCase("--relay-to", "127.0.0.1:25", "--ftp-port", "0", "go together")]
    public async Task Bad_relay_options_exit_2_with_one_line(string a, string b, string c, string d, string message)
    {
        var result = await ProtoProcess.RunAsync(["serve", "--smtp-port", "0", a, b, c, d]);
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Stderr, Does.Contain(message));
    }
}
