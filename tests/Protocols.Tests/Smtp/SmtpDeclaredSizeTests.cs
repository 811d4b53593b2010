using System.Text;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Smtp;

/// <summary>
/// MAIL FROM SIZE= lets the server write DATA straight into the array the message keeps (no copy at the end): the
/// message stored is the one sent whatever the declared size says (exact, larger, smaller, past the one-array limit),
/// and the next message of the session, declared or not, is not touched by the one before.
/// </summary>
public class SmtpDeclaredSizeTests
{
    // 150 KiB of lines: more than two of the buffer's 64 KiB chunks.
    private static readonly string Body = Lines(150 * 1024);

    private static string Lines(int size)
    {
        var text = new StringBuilder("Subject: declared\r\n\r\n");
        for (var i = 0; text.Length < size; i++) text.Append("line ").Append(i).Append(" of the message body, to be kept byte for byte\r\n");
        return text.ToString();
    }

    private static async Task<string> SendAsync(SmtpSessionHarness h, string body, long? declared)
    {
        await h.CommandAsync("MAIL FROM:<a@example.org>" + (declared is { } d ? $" SIZE={d}" : ""), 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync(body + ".\r\n");
        await h.ExpectAsync(250);
        return h.Store.Messages[^1].RawText;
    }

    [TestCase(1.0, TestName = "DeclaredSizeExact")]
    [TestCase(1.5, TestName = "DeclaredSizeLarger")]
    [TestCase(3.0, TestName = "DeclaredSizeMuchLarger")]
    [TestCase(0.5, TestName = "DeclaredSizeSmaller")]
    [TestCase(0.0001, TestName = "DeclaredSizeTiny")]
    public async Task StoredMessageIsTheOneSent(double factor)
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        var stored = await SendAsync(h, Body, (long)Math.Max(1, Body.Length * factor));
        Assert.That(stored, Is.EqualTo(Body));
    }

    [Test]
    public async Task DeclaredSizeAtTheOneArrayLimitAndOnePastBothKeepTheMessage()
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        Assert.That(await SendAsync(h, Body, MessageBuffer.MaxExpected), Is.EqualTo(Body));
        Assert.That(await SendAsync(h, Body, MessageBuffer.MaxExpected + 1L), Is.EqualTo(Body));
    }

    [Test]
    public async Task NextMessageOfTheSessionIsItsOwn()
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        var small = Lines(300);
        Assert.That(await SendAsync(h, Body, Body.Length), Is.EqualTo(Body));
        Assert.That(await SendAsync(h, small, null), Is.EqualTo(small));
        Assert.That(await SendAsync(h, small, small.Length), Is.EqualTo(small));
        Assert.That(await SendAsync(h, Body, null), Is.EqualTo(Body));
        Assert.That(h.Store.Messages, Has.Count.EqualTo(4));
    }

    [Test]
    public async Task DeclaredSizeWithinTheLimitButMessagePastItIsRefused()
    {
        await using var h = await SmtpSessionHarness.StartAsync(new SmtpServerOptions { Limits = { MaxMessageSize = 1000 } });
        await h.CommandAsync("MAIL FROM:<a@example.org> SIZE=1000", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync(Body + ".\r\n");
        await h.ExpectAsync(552);
        Assert.That(h.Store.Messages, Is.Empty);
    }
}
