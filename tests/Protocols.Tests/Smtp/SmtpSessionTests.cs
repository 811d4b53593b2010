using System.Text;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Smtp;

public class SmtpSessionTests
{
    private static SmtpServerOptions Options(Action<SmtpServerOptions>? configure = null)
    {
        var o = new SmtpServerOptions();
        configure?.Invoke(o);
        return o;
    }

    [Test]
    public async Task GreetingAndEhloListExtensions()
    {
        await using var h = new SmtpSessionHarness(Options());
        var greeting = await h.ExpectAsync(220);
        Assert.That(greeting.Text, Does.StartWith("localhost"));
        await h.SendAsync("EHLO client.example");
        var ehlo = await h.ExpectAsync(250);
        Assert.That(ehlo.Lines, Does.Contain("PIPELINING").And.Contain("SIZE 10240000").And.Contain("8BITMIME")
            .And.Contain("SMTPUTF8").And.Contain("ENHANCEDSTATUSCODES").And.Contain("CHUNKING").And.Contain("DSN"));
        Assert.That(ehlo.Lines, Has.None.StartsWith("STARTTLS"), "no certificate, no STARTTLS");
        Assert.That(ehlo.Lines, Has.None.StartsWith("AUTH"), "no authenticator, no AUTH");
    }

    [Test]
    public async Task ExtensionsCanBeSwitchedOff()
    {
        await using var h = new SmtpSessionHarness(Options(o => o.Extensions = SmtpExtensions.None));
        await h.ExpectAsync(220);
        await h.SendAsync("EHLO c");
        var ehlo = await h.ExpectAsync(250);
        Assert.That(ehlo.Lines, Has.Count.EqualTo(2)); // greeting line and HELP
        await h.CommandAsync("MAIL FROM:<a@example.org> SIZE=10", 555);
        await h.CommandAsync("MAIL FROM:<a@example.org> BODY=8BITMIME", 555);
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("BDAT 3 LAST", 502);
    }

    [Test]
    public async Task OneMessageArrivesWithEnvelopeAndExactBytes()
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        await h.CommandAsync("MAIL FROM:<alice@example.org> BODY=8BITMIME RET=HDRS ENVID=abc", 250);
        await h.CommandAsync("RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.org", 250);
        await h.CommandAsync("RCPT TO:<carol@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync("Subject: hi\r\n\r\n..dotted\r\nbody\r\n.\r\n");
        var ok = await h.ExpectAsync(250);
        Assert.That(ok.Text, Does.Contain("queued as"));
        var m = h.Store.Messages.Single();
        Assert.That(m.RawText, Is.EqualTo("Subject: hi\r\n\r\n.dotted\r\nbody\r\n"));
        Assert.That(m.From, Is.EqualTo("alice@example.org"));
        Assert.That(m.To, Is.EqualTo(new[] { "bob@example.org", "carol@example.org" }));
        Assert.That(m.Envelope.Body, Is.EqualTo("8BITMIME"));
        Assert.That(m.Envelope.Ret, Is.EqualTo("HDRS"));
        Assert.That(m.Envelope.EnvelopeId, Is.EqualTo("abc"));
        Assert.That(m.Envelope.Recipients[0].Notify, Is.EqualTo("SUCCESS,FAILURE"));
        Assert.That(m.Envelope.Recipients[0].OriginalRecipient, Is.EqualTo("rfc822;bob@example.org"));
        Assert.That(m.HeloName, Is.EqualTo("client.example"));
        Assert.That(m.IsTls, Is.False);
        Assert.That(m.GetHeader("subject"), Is.EqualTo("hi"));
        Assert.That(ok.EnhancedCode?.ToString(), Is.EqualTo("2.0.0"));
        await h.CommandAsync("QUIT", 221);
        await h.ExpectClosedAsync();
    }

    [Test]
    public async Task NullSenderIsAccepted()
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        await h.CommandAsync("MAIL FROM:<>", 250);
        await h.CommandAsync("RCPT TO:<postmaster>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync("x\r\n.\r\n");
        await h.ExpectAsync(250);
        Assert.That(h.Store.Messages.Single().From, Is.Empty);
    }

    [TestCase("MAIL FROM:<a@example.org>", 503, TestName = "MAIL before EHLO")]
    [TestCase("RCPT TO:<a@example.org>", 503, TestName = "RCPT before MAIL")]
    [TestCase("DATA", 503, TestName = "DATA before MAIL")]
    [TestCase("FOO bar", 500, TestName = "Unknown verb")]
    [TestCase("EXPN list", 502, TestName = "EXPN not implemented")]
    [TestCase("VRFY bob", 252, TestName = "VRFY answers 252")]
    [TestCase("VRFY", 501, TestName = "VRFY without argument")]
    [TestCase("NOOP", 250, TestName = "NOOP")]
    [TestCase("HELP", 214, TestName = "HELP")]
    [TestCase("RSET", 250, TestName = "RSET")]
    [TestCase("HELO", 501, TestName = "HELO without a name")]
    [TestCase("STARTTLS", 454, TestName = "STARTTLS without a certificate")]
    [TestCase("AUTH PLAIN", 502, TestName = "AUTH without an authenticator")]
    public async Task CommandsBeforeAHandshakeGetTheRightCode(string command, int code)
    {
        await using var h = await SmtpSessionHarness.StartAsync(ehlo: command.StartsWith("MAIL", StringComparison.Ordinal) ? false : command.StartsWith("STARTTLS", StringComparison.Ordinal) || command.StartsWith("AUTH", StringComparison.Ordinal));
        await h.CommandAsync(command, code);
    }

    [TestCase("MAIL FROM:a@example.org", 501)]
    [TestCase("MAIL FROM:<a@example.org", 501)]
    [TestCase("MAIL TO:<a@example.org>", 501)]
    [TestCase("MAIL FROM:<not an address>", 553)]
    [TestCase("MAIL FROM:<jörg@example.org>", 553)]
    [TestCase("MAIL FROM:<a@example.org> FOO=BAR", 555)]
    [TestCase("MAIL FROM:<a@example.org> SIZE=abc", 501)]
    [TestCase("MAIL FROM:<a@example.org> BODY=BINARYMIME", 555)]
    [TestCase("MAIL FROM:<a@example.org> RET=SOME", 501)]
    [TestCase("MAIL FROM: <a@example.org>", 250)]
    [TestCase("mail from:<@relay.example:a@example.org>", 250)]
    [TestCase("MAIL FROM:<jörg@example.org> SMTPUTF8", 250)]
    [TestCase("MAIL FROM:<\"a b\"@example.org>", 250)]
    public async Task MailArguments(string command, int code)
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        await h.CommandAsync(command, code);
    }

    [Test]
    public async Task DeclaredSizeAtTheLimitIsAcceptedAndOnePastIsRefused()
    {
        await using var h = await SmtpSessionHarness.StartAsync(Options(o => o.Limits.MaxMessageSize = 1000));
        await h.CommandAsync("MAIL FROM:<a@example.org> SIZE=1001", 552);
        await h.CommandAsync("MAIL FROM:<a@example.org> SIZE=1000", 250);
    }

    [Test]
    public async Task MessageAtTheSizeLimitIsStoredAndOnePastGets552AfterTheEndMarker()
    {
        await using var h = await SmtpSessionHarness.StartAsync(Options(o => o.Limits.MaxMessageSize = 100));
        var exact = new string('a', 98) + "\r\n";
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync(exact + ".\r\n");
        await h.ExpectAsync(250);

        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync("a" + exact + new string('b', 5000) + "\r\n.\r\n");
        var refused = await h.ExpectAsync(552);
        Assert.That(refused.EnhancedCode?.ToString(), Is.EqualTo("5.3.4"));
        await h.CommandAsync("NOOP", 250); // still in sync
        Assert.That(h.Store.Messages, Has.Count.EqualTo(1));
        Assert.That(h.Store.Messages[0].Raw.Length, Is.EqualTo(100));
    }

    [TestCase("\n.\n")]
    [TestCase("\n.\r\n")]
    [TestCase("\r\n.\n")]
    [TestCase("\r.\r")]
    [TestCase("\r\n.\r")]
    public async Task SmugglingVariantsNeverEndTheData(string marker)
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        var body = "Subject: one\r\n\r\nfirst" + marker + "MAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\n";
        await h.SendRawAsync(body + "\r\n.\r\n");
        await h.ExpectAsync(250);
        await h.CommandAsync("NOOP", 250);
        var m = h.Store.Messages.Single();
        Assert.That(m.From, Is.EqualTo("a@example.org"));
        Assert.That(m.RawText, Does.Contain("MAIL FROM:<evil@example.org>"));
    }

    [Test]
    public async Task BareLineEndsCanBeRefused()
    {
        await using var h = await SmtpSessionHarness.StartAsync(Options(o => o.Limits.RejectBareLineEnds = true));
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync("a\nb\r\n.\r\n");
        await h.ExpectAsync(554);
        Assert.That(h.Store.Messages, Is.Empty);
    }

    [Test]
    public async Task LongTextLinesAtTheLimitPassAndPastItAreRefusedWhenAskedFor()
    {
        await using var h = await SmtpSessionHarness.StartAsync(Options(o => o.Limits.RejectLongTextLines = true));
        foreach (var (length, code) in new[] { (998, 250), (999, 500) })
        {
            await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
            await h.CommandAsync("RCPT TO:<b@example.org>", 250);
            await h.CommandAsync("DATA", 354);
            await h.SendRawAsync(new string('x', length) + "\r\n.\r\n");
            await h.ExpectAsync(code);
        }
    }

    [Test]
    public async Task CommandLineAtTheLimitIsReadAndOnePastGets500AndTheSessionGoesOn()
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        var atLimit = "NOOP " + new string('x', 512 - 2 - 5); // 510 + CRLF = 512
        await h.CommandAsync(atLimit, 250);
        await h.CommandAsync(atLimit + "x", 500);
        await h.CommandAsync("NOOP " + new string('x', 5000), 500);
        await h.CommandAsync("NOOP", 250);
    }

    [Test]
    public async Task RecipientLimitAtAndPast()
    {
        await using var h = await SmtpSessionHarness.StartAsync(Options(o => o.Limits.MaxRecipients = 3));
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        for (var i = 0; i < 3; i++) await h.CommandAsync($"RCPT TO:<r{i}@example.org>", 250);
        var refused = await h.CommandAsync("RCPT TO:<r3@example.org>", 452);
        Assert.That(refused.EnhancedCode?.ToString(), Is.EqualTo("4.5.3"));
    }

    [Test]
    public async Task BadCommandBudgetEndsTheSessionWith421()
    {
        await using var h = await SmtpSessionHarness.StartAsync(Options(o => o.Limits.MaxBadCommands = 3));
        for (var i = 0; i < 3; i++) await h.CommandAsync("BOGUS", 500);
        await h.CommandAsync("BOGUS", 421);
        await h.ExpectClosedAsync();
    }

    [Test]
    public async Task RepeatLimitEndsTheSessionWith421()
    {
        await using var h = await SmtpSessionHarness.StartAsync(Options(o => o.Limits.MaxCommandRepeats = 5));
        for (var i = 0; i < 5; i++) await h.CommandAsync("NOOP", 250);
        await h.CommandAsync("NOOP", 421);
        await h.ExpectClosedAsync();
    }

    [Test]
    public async Task PipelinedCommandsGetRepliesInOrder()
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        await h.SendRawAsync("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<bad address>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n");
        await h.ExpectAsync(250);
        await h.ExpectAsync(250);
        await h.ExpectAsync(553);
        await h.ExpectAsync(250);
        await h.ExpectAsync(354);
        await h.SendRawAsync("hello\r\n.\r\nMAIL FROM:<x@example.org>\r\nRCPT TO:<y@example.org>\r\nDATA\r\nsecond\r\n.\r\nQUIT\r\n");
        await h.ExpectAsync(250);
        await h.ExpectAsync(250);
        await h.ExpectAsync(250);
        await h.ExpectAsync(354);
        await h.ExpectAsync(250);
        await h.ExpectAsync(221);
        Assert.That(h.Store.Messages.Select(m => m.RawText), Is.EqualTo(new[] { "hello\r\n", "second\r\n" }));
        Assert.That(h.Store.Messages[0].To, Is.EqualTo(new[] { "b@example.org", "c@example.org" }));
    }

    [Test]
    public async Task BdatChunksAssembleTheMessage()
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.SendRawAsync("BDAT 7\r\nHello, ");
        await h.ExpectAsync(250);
        await h.CommandAsync("DATA", 503);
        await h.SendRawAsync("BDAT 8 LAST\r\n.world\r\n");
        await h.ExpectAsync(250);
        Assert.That(h.Store.Messages.Single().RawText, Is.EqualTo("Hello, .world\r\n"));
    }

    [Test]
    public async Task BdatWithoutTransactionStillConsumesTheChunk()
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        await h.SendRawAsync("BDAT 10 LAST\r\nNOOP\r\nNOOP");
        await h.ExpectAsync(503);
        await h.CommandAsync("NOOP", 250);
    }

    [Test]
    public async Task BdatOverTheSizeLimitGets552()
    {
        await using var h = await SmtpSessionHarness.StartAsync(Options(o => o.Limits.MaxMessageSize = 10));
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.SendRawAsync("BDAT 11 LAST\r\n" + new string('z', 11));
        await h.ExpectAsync(552);
        await h.CommandAsync("NOOP", 250);
        Assert.That(h.Store.Messages, Is.Empty);
    }

    [Test]
    public async Task HooksRejectSenderRecipientAndMessage()
    {
        var handler = new SmtpHandler
        {
            MailFrom = (_, from, _) => from.StartsWith("spam", StringComparison.Ordinal) ? SmtpResponse.For(SmtpRejectReason.SenderRejected) : null,
            Recipient = (_, r) => r.Address == "nobody@example.org" ? new SmtpResponse(550, "No such user", "5.1.1") : null,
            Message = (_, m) => m.RawText.Contains("virus", StringComparison.Ordinal) ? new SmtpResponse(554, "Infected", "5.7.1") : null,
        };
        await using var h = await SmtpSessionHarness.StartAsync(Options(o => o.Handler = handler));
        await h.CommandAsync("MAIL FROM:<spam@example.org>", 550);
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        var no = await h.CommandAsync("RCPT TO:<nobody@example.org>", 550);
        Assert.That(no.Text, Does.Contain("No such user"));
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync("a virus\r\n.\r\n");
        await h.ExpectAsync(554);
        Assert.That(h.Store.Messages, Is.Empty);
    }

    [Test]
    public async Task AStoreThatFailsGets451AndTheSessionGoesOn()
    {
        var store = new DelegateMessageStore((_, _) => throw new IOException("disk full"));
        await using var h = await SmtpSessionHarness.StartAsync(Options(o => o.Store = store));
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync("x\r\n.\r\n");
        var reply = await h.ExpectAsync(451);
        Assert.That(reply.Text, Does.Not.Contain("disk full"), "exception text is never sent");
        await h.CommandAsync("NOOP", 250);
    }

    [Test]
    public async Task IdleClientGets421Timeout()
    {
        await using var h = await SmtpSessionHarness.StartAsync(Options(o => o.Limits.CommandTimeout = TimeSpan.FromMilliseconds(200)));
        var reply = await h.ReadAsync();
        Assert.That(reply.Code, Is.EqualTo(421));
        await h.ExpectClosedAsync();
    }

    [Test]
    public async Task ClientVanishingMidDataEndsTheSessionQuietly()
    {
        var h = await SmtpSessionHarness.StartAsync();
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync("partial");
        await h.Client.CloseAsync();
        await h.Run.WaitAsync(SmtpSessionHarness.Timeout);
        Assert.That(h.Store.Messages, Is.Empty);
        await h.DisposeAsync();
    }

    [Test]
    public async Task Utf8AddressesNeedSmtpUtf8()
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<δοκιμή@παράδειγμα.δοκιμή>", 553);
        await h.CommandAsync("RSET", 250);
        await h.CommandAsync("MAIL FROM:<a@example.org> SMTPUTF8", 250);
        await h.CommandAsync("RCPT TO:<δοκιμή@παράδειγμα.δοκιμή>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync(Encoding.UTF8.GetBytes("Subject: ünïcödé\r\n\r\nß\r\n.\r\n"));
        await h.ExpectAsync(250);
        Assert.That(h.Store.Messages.Single().To.Single(), Is.EqualTo("δοκιμή@παράδειγμα.δοκιμή"));
        Assert.That(h.Store.Messages.Single().RawText, Is.EqualTo("Subject: ünïcödé\r\n\r\nß\r\n"));
    }
}
