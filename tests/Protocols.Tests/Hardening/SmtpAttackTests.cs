using System.Diagnostics;
using System.Net.Security;
using System.Text;
using Protocols.Net;
using Protocols.Servers.Smtp;
using Protocols.Servers.Testing;

namespace Protocols.Tests.Hardening;

/// <summary>The attacks SMTP servers have been hurt by, end to end on a real socket against <see cref="SmtpTestServer"/>.</summary>
public class SmtpAttackTests
{
    private static readonly TimeSpan Wait = SmtpWire.Wait;

    private static byte[] B(string s) => Encoding.Latin1.GetBytes(s);

    /// <summary>The published smuggling end-of-data forms (bare LF, bare CR, NUL tricks). None may end the data:
    /// the whole text, smuggled commands included, is one message, and the session stays in step.</summary>
    [TestCase("\n.\n")]
    [TestCase("\n.\r\n")]
    [TestCase("\r.\r")]
    [TestCase("\r.\r\n")]
    [TestCase("\r\n.\n")]
    [TestCase("\r\n.\r")]
    [TestCase("\n.\r")]
    [TestCase("\r\n\0.\r\n")]
    [TestCase("\r\n.\0\r\n")]
    [TestCase("\0\r\n.\r\n\0")] // the NUL is before CRLF.CRLF: a real end, the next NUL is a bad command
    [TestCase("\r\n\x00.\x00\r\n")]
    public async Task Smuggling_forms_never_split_a_message(string marker)
    {
        var watch = Stopwatch.StartNew();
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var wire = await SmtpWire.OpenAsync(smtp.EndPoint);
        await wire.CommandAsync("MAIL FROM:<honest@a.test>", 250);
        await wire.CommandAsync("RCPT TO:<bob@b.test>", 250);
        await wire.CommandAsync("DATA", 354);
        var isRealEnd = marker.Contains("\r\n.\r\n", StringComparison.Ordinal);
        await wire.SendRawAsync(B($"Subject: one\r\n\r\nbody{marker}MAIL FROM:<evil@a.test>\r\nRCPT TO:<victim@b.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n"));
        if (isRealEnd)
        {
            // A real end marker with NULs around it: the smuggled lines are then plain commands of the same client.
            await wire.ExpectAsync(250);
            // "\0MAIL FROM" is not MAIL: it and the RCPT and DATA after it are all refused.
            for (var i = 0; i < 3; i++) Assert.That((await wire.ReadAsync()).Code, Is.GreaterThanOrEqualTo(500));
            Assert.That(smtp.Messages, Has.Count.EqualTo(1));
            Assert.That(smtp.Messages[0].From, Is.EqualTo("honest@a.test"));
            HardeningReport.Row(HardeningReport.Attack, $"SMTP smuggling {Escape(marker)}", 1, 0, watch.Elapsed, "NUL-prefixed commands refused");
            return;
        }
        await wire.ExpectAsync(250);
        await wire.CommandAsync("NOOP", 250);
        Assert.That(smtp.Messages, Has.Count.EqualTo(1), "the smuggled end marker split the message");
        var message = smtp.Messages[0];
        Assert.That(message.From, Is.EqualTo("honest@a.test"));
        Assert.That(message.To, Is.EqualTo(new[] { "bob@b.test" }));
        Assert.That(message.RawText, Does.Contain("MAIL FROM:<evil@a.test>"), "the smuggled commands must stay inside the first message");
        HardeningReport.Row(HardeningReport.Attack, $"SMTP smuggling {Escape(marker)}", 1, 0, watch.Elapsed, "one message, session in step");
    }

    [Test]
    public async Task Starttls_plaintext_injection_is_discarded()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var wire = await SmtpWire.OpenAsync(smtp.EndPoint);
        // STARTTLS and an injected command in one packet: the injected command must never run.
        await wire.SendRawAsync("STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\n");
        await wire.ExpectAsync(220);
        await wire.Connection.UpgradeToTlsAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }, PlaintextPolicy.Reject).WaitAsync(Wait);
        await wire.CommandAsync("EHLO after.tls", 250);
        // Had the injected MAIL run, this MAIL would be out of sequence (503).
        await wire.CommandAsync("MAIL FROM:<real@a.test>", 250);
        await wire.CommandAsync("RCPT TO:<bob@b.test>", 250);
        await wire.CommandAsync("DATA", 354);
        await wire.SendRawAsync(SmtpWire.DotStuff(B("Subject: tls\r\n\r\nx\r\n")));
        await wire.ExpectAsync(250);
        Assert.That(smtp.Messages.Single().From, Is.EqualTo("real@a.test"));
        Assert.That(smtp.Messages.Single().IsTls, Is.True);
        HardeningReport.Row(HardeningReport.Attack, "SMTP STARTTLS plaintext injection", 1, 0, TimeSpan.Zero, "injected command discarded");
    }

    [Test]
    public async Task Auth_guessing_ends_the_session_at_the_failure_limit_and_the_server_still_serves()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o =>
        {
            o.Authenticator = SmtpAuthenticator.Single("user", "right");
            o.AllowInsecureAuth = true;
        });
        var limit = smtp.Options.Limits.MaxAuthFailures;
        await using (var guesser = await SmtpWire.OpenAsync(smtp.EndPoint))
        {
            for (var i = 1; i < limit; i++)
                await guesser.CommandAsync("AUTH PLAIN " + Convert.ToBase64String(B($"\0user\0guess{i}")), 535);
            await guesser.CommandAsync("AUTH PLAIN " + Convert.ToBase64String(B("\0user\0last-guess")), 421);
            Assert.That(await guesser.IsClosedAsync(), Is.True, "the server must hang up after the last allowed failure");
        }
        await using var honest = await SmtpWire.OpenAsync(smtp.EndPoint);
        await honest.CommandAsync("AUTH PLAIN " + Convert.ToBase64String(B("\0user\0right")), 235);
        HardeningReport.Row(HardeningReport.Attack, "SMTP AUTH guessing", limit, 0, TimeSpan.Zero, $"421 and close after {limit} failures");
    }

    [TestCase(600)]
    [TestCase(1024 * 1024)]
    public async Task Over_long_command_gets_500_and_the_session_goes_on(int length)
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var wire = await SmtpWire.OpenAsync(smtp.EndPoint);
        await wire.SendRawAsync(B("NOOP " + new string('a', length) + "\r\n"));
        await wire.ExpectAsync(500);
        await wire.CommandAsync("NOOP", 250);
        // A too-long line inside a transaction does not lose the transaction's place either.
        await wire.CommandAsync("MAIL FROM:<a@a.test>", 250);
        // MAIL and RCPT get room for parameters past the command limit: go past that too.
        await wire.SendRawAsync(B("RCPT TO:<" + new string('b', Math.Max(length, 2000)) + "@b.test>\r\n"));
        await wire.ExpectAsync(500);
        await wire.CommandAsync("RCPT TO:<b@b.test>", 250);
        await wire.CommandAsync("DATA", 354);
        await wire.SendRawAsync(SmtpWire.DotStuff(B("Subject: after a long line\r\n\r\nx\r\n")));
        await wire.ExpectAsync(250);
        Assert.That(smtp.Messages, Has.Count.EqualTo(1));
        HardeningReport.Row(HardeningReport.Attack, $"SMTP command line of {length} bytes", 2, 0, TimeSpan.Zero, "500, session goes on");
    }

    [Test]
    public async Task Over_size_message_gets_552_after_the_end_marker_and_the_session_stays_in_step()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Limits.MaxMessageSize = 10_000);
        await using var wire = await SmtpWire.OpenAsync(smtp.EndPoint);
        await wire.CommandAsync("MAIL FROM:<a@a.test> SIZE=10001", 552);
        var big = B("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('x', 70) + "\r\n", 2000)));
        Assert.That(await wire.SendMessageAsync("a@a.test", "b@b.test", big), Has.Property("Code").EqualTo(552));
        await wire.CommandAsync("NOOP", 250);
        var exact = B("Subject: fits\r\n\r\n" + new string('y', 10_000 - 19) + "\r\n");
        Assert.That(exact, Has.Length.EqualTo(10_000));
        Assert.That(await wire.SendMessageAsync("a@a.test", "b@b.test", exact), Has.Property("Code").EqualTo(250));
        Assert.That(smtp.Messages.Single().Raw.ToArray(), Is.EqualTo(exact));
        HardeningReport.Row(HardeningReport.Attack, "SMTP over-size message", 2, 0, TimeSpan.Zero, "552 in step; message at the limit stored");
    }

    [Test]
    public async Task Too_many_recipients_get_452_and_the_accepted_ones_still_get_the_message()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Limits.MaxRecipients = 5);
        await using var wire = await SmtpWire.OpenAsync(smtp.EndPoint);
        await wire.CommandAsync("MAIL FROM:<a@a.test>", 250);
        for (var i = 0; i < 5; i++) await wire.CommandAsync($"RCPT TO:<r{i}@b.test>", 250);
        for (var i = 5; i < 50; i++) await wire.CommandAsync($"RCPT TO:<r{i}@b.test>", 452);
        await wire.CommandAsync("DATA", 354);
        await wire.SendRawAsync(SmtpWire.DotStuff(B("Subject: r\r\n\r\nx\r\n")));
        await wire.ExpectAsync(250);
        Assert.That(smtp.Messages.Single().To.Count(), Is.EqualTo(5));
        HardeningReport.Row(HardeningReport.Attack, "SMTP too many recipients", 50, 0, TimeSpan.Zero, "452 past 5; 5 delivered");
    }

    [Test]
    public async Task Pipelined_flood_of_transactions_is_answered_in_order_and_every_message_stored()
    {
        const int Transactions = 300;
        var watch = Stopwatch.StartNew();
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var wire = await SmtpWire.OpenAsync(smtp.EndPoint);
        var flood = new MemoryStream();
        for (var i = 0; i < Transactions; i++)
        {
            flood.Write(B($"MAIL FROM:<a{i}@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\n"));
            flood.Write(SmtpWire.DotStuff(B($"Subject: {i}\r\n\r\n.line starting with a dot {i}\r\n")));
        }
        flood.Write(B("QUIT\r\n"));
        // Write it all at once while reading replies, as a flooding client would.
        var writing = wire.SendRawAsync(flood.ToArray());
        var codes = new List<int>();
        for (var i = 0; i < Transactions * 4 + 1; i++) codes.Add((await wire.ReadAsync()).Code);
        await writing.WaitAsync(Wait);
        var expected = Enumerable.Range(0, Transactions).SelectMany(_ => new[] { 250, 250, 354, 250 }).Append(221);
        Assert.That(codes, Is.EqualTo(expected));
        Assert.That(smtp.Messages, Has.Count.EqualTo(Transactions));
        Assert.That(smtp.Messages.Select(m => m.From), Is.EquivalentTo(Enumerable.Range(0, Transactions).Select(i => $"a{i}@a.test")));
        HardeningReport.Row(HardeningReport.Attack, "SMTP pipelined flood", Transactions, Transactions - smtp.Messages.Count, watch.Elapsed, "replies in order");
    }

    [Test]
    public async Task Flood_of_repeated_commands_hits_the_repeat_budget_with_421()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var wire = await SmtpWire.OpenAsync(smtp.EndPoint);
        var limit = smtp.Options.Limits.MaxCommandRepeats;
        var writing = wire.SendRawAsync(B(string.Concat(Enumerable.Repeat("NOOP\r\n", 10_000))));
        for (var i = 0; i < limit; i++) await wire.ExpectAsync(250);
        await wire.ExpectAsync(421);
        Assert.That(await wire.IsClosedAsync(), Is.True);
        // The writer may be told the peer went away; either way it must finish.
        await Task.WhenAny(writing, Task.Delay(Wait));
        Assert.That(writing.IsCompleted, Is.True, "the flooding write never finished");
        HardeningReport.Row(HardeningReport.Attack, "SMTP NOOP flood", 10_000, 0, TimeSpan.Zero, $"421 after {limit}");
    }

    [Test]
    public async Task Eight_bit_data_without_8bitmime_is_refused_at_mail_and_kept_byte_exact_otherwise()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Extensions &= ~SmtpExtensions.EightBitMime);
        await using var wire = await SmtpWire.ConnectAsync(smtp.EndPoint);
        await wire.ExpectAsync(220);
        var ehlo = await wire.CommandAsync("EHLO a.test", 250);
        Assert.That(ehlo.Lines, Has.None.EqualTo("8BITMIME"));
        var refused = await wire.CommandAsync("MAIL FROM:<a@a.test> BODY=8BITMIME", 555);
        Assert.That(refused.Code, Is.EqualTo(555));
        var data = B("Subject: 8bit\r\n\r\n\u00e9\u00ff\u0080 high bytes\r\n");
        Assert.That(await wire.SendMessageAsync("a@a.test", "b@b.test", data), Has.Property("Code").EqualTo(250));
        await wire.CommandAsync("NOOP", 250);
        Assert.That(smtp.Messages.Single().Raw.ToArray(), Is.EqualTo(data), "8-bit bytes must be stored as sent, never altered");
        HardeningReport.Row(HardeningReport.Attack, "SMTP 8-bit data without 8BITMIME", 2, 0, TimeSpan.Zero, "BODY=8BITMIME 555; bytes kept");
    }

    private static string Escape(string marker) =>
        marker.Replace("\r", "CR ", StringComparison.Ordinal).Replace("\n", "LF ", StringComparison.Ordinal).Replace("\0", "NUL ", StringComparison.Ordinal).TrimEnd();
}
