using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Protocols.Servers.Smtp;
using Protocols.Servers.Testing;

using Protocols.Tests.Smtp;

namespace Protocols.Tests.Hardening;

/// <summary>
/// The faults of issue 11 (command smuggling through BDAT, trickling clients, slow connections filling the limits,
/// free AUTH guessing, no-op floods) and the small SMTP ones of issues 13 and 14, each failing on the code before the kernel.
/// </summary>
public class SmtpKernelAttackTests
{
    private static readonly TimeSpan T = SmtpSessionHarness.Timeout;

    private static async Task<SmtpSessionHarness> InTransactionAsync(SmtpServerOptions? options = null)
    {
        var h = await SmtpSessionHarness.StartAsync(options);
        await h.CommandAsync("MAIL FROM:<a@b.test>", 250);
        await h.CommandAsync("RCPT TO:<c@d.test>", 250);
        return h;
    }

    [Test]
    public async Task Bdat_with_a_bad_last_token_is_answered_and_its_chunk_consumed_never_executed()
    {
        await using var h = await InTransactionAsync();
        const string chunk = "MAIL FROM:<evil@x.test>\r\n";
        await h.SendRawAsync($"BDAT {chunk.Length} NOTLAST\r\n{chunk}NOOP\r\n");
        await h.ExpectAsync(501);
        var next = await h.ExpectAsync(250);
        Assert.That(next.Text, Is.EqualTo("Ok"), "the reply after the 501 is NOOP's: the chunk was not read as a MAIL command");
        await h.CommandAsync("RSET", 250);
        HardeningReport.Row(HardeningReport.Attack, "SMTP command smuggled in a malformed BDAT chunk", 1, 0, TimeSpan.Zero, "501, chunk consumed, never executed");
    }

    [Test]
    public async Task Bdat_with_an_unreadable_size_is_answered_and_the_session_ends_before_the_chunk()
    {
        await using var h = await InTransactionAsync();
        await h.SendRawAsync("BDAT 12x LAST\r\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<c@d.test>\r\n");
        var reply = await h.ExpectAsync(501);
        Assert.That(reply.Text, Does.Contain("BDAT"));
        await h.ExpectClosedAsync();
        Assert.That(h.Store.Messages, Is.Empty);
    }

    [Test]
    public async Task Bdat_out_of_sequence_has_its_chunk_consumed()
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        const string chunk = "MAIL FROM:<evil@x.test>\r\n";
        await h.SendRawAsync($"BDAT {chunk.Length} LAST\r\n{chunk}NOOP\r\n");
        await h.ExpectAsync(503);
        await h.ExpectAsync(250);
        await h.CommandAsync("MAIL FROM:<a@b.test>", 250); // still no transaction: the chunk's MAIL never ran
    }

    [Test]
    public async Task A_one_byte_at_a_time_client_is_closed_at_the_command_deadline()
    {
        var options = new SmtpServerOptions();
        options.Limits.CommandTimeout = TimeSpan.FromSeconds(1);
        await using var h = await SmtpSessionHarness.StartAsync(options);
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var trickle = Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < 40 && !stop.IsCancellationRequested; i++)
                {
                    await h.Client.Writer.WriteAsync("N"u8.ToArray(), stop.Token); // never a line end
                    await Task.Delay(200, stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // closed by the server, as expected
            }
        });
        var reply = await h.ExpectAsync(421);
        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        await trickle.WaitAsync(T);
        Assert.That(reply.EnhancedCode?.ToString(), Is.EqualTo("4.4.2"));
        Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(6)), "closed at the deadline (1 s) while bytes kept coming (8 s of them), not per read");
        HardeningReport.Row(HardeningReport.Attack, "SMTP one byte per 200 ms (command deadline 1 s)", 1, 0, elapsed, "421 4.4.2 at the deadline");
    }

    [Test]
    public async Task Two_hundred_slow_connections_from_other_addresses_do_not_keep_a_normal_client_out()
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Limits.StressIdleTimeout = TimeSpan.FromSeconds(1));
        var slow = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        try
        {
            for (var i = 0; i < 200; i++)
            {
                var c = new TcpClient(new IPEndPoint(IPAddress.Parse($"127.0.{1 + (i + 1) / 250}.{2 + (i + 1) % 250}"), 0));
                await c.ConnectAsync(smtp.Host, smtp.Port).WaitAsync(T);
                slow.Add(c);
            }
            var trickle = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    foreach (var c in slow)
                    {
                        try { await c.GetStream().WriteAsync("E"u8.ToArray(), stop.Token); }
                        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException) { }
                    }
                    await Task.Delay(300, stop.Token).ContinueWith(_ => { });
                }
            });
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // the slow ones are now past the stress idle limit

            using var client = new TcpClient(new IPEndPoint(IPAddress.Loopback, 0));
            await client.ConnectAsync(smtp.Host, smtp.Port).WaitAsync(T);
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.ASCII);
            async Task<string?> Say(string line)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n")).AsTask().WaitAsync(T);
                string? reply;
                do reply = await reader.ReadLineAsync().WaitAsync(T);
                while (reply is { Length: > 3 } && reply[3] == '-');
                return reply;
            }
            Assert.That(await reader.ReadLineAsync().WaitAsync(T), Does.StartWith("220"), "the normal client is greeted");
            Assert.That(await Say("EHLO normal.test"), Does.StartWith("250"));
            Assert.That(await Say("MAIL FROM:<a@b.test>"), Does.StartWith("250"));
            Assert.That(await Say("RCPT TO:<c@d.test>"), Does.StartWith("250"));
            Assert.That(await Say("DATA"), Does.StartWith("354"));
            Assert.That(await Say("Subject: served\r\n\r\nhello\r\n."), Does.StartWith("250"));
            Assert.That(await Say("QUIT"), Does.StartWith("221"));
            Assert.That(smtp.Messages, Has.Count.EqualTo(1));
            HardeningReport.Row(HardeningReport.Attack, "SMTP 200 slow connections from 200 loopback addresses", 200, 0, TimeSpan.Zero, "a normal client is served (stale sessions evicted)");
            await stop.CancelAsync();
            await trickle.WaitAsync(T);
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var c in slow) c.Dispose();
        }
    }

    [Test]
    public async Task Auth_guessing_is_slowed_per_address_across_connections()
    {
        var options = new SmtpServerOptions { Authenticator = SmtpAuthenticator.Single("alice", "right"), AllowInsecureAuth = true };
        options.AuthThrottle.BaseDelay = TimeSpan.FromMilliseconds(200);
        var guess = "AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0wrong"));
        await using (var first = await SmtpSessionHarness.StartAsync(options))
        {
            for (var i = 0; i < 3; i++) await first.CommandAsync(guess, 535);
        }
        await using var second = await SmtpSessionHarness.StartAsync(options); // a new connection from the same address
        var clock = Stopwatch.StartNew();
        await second.CommandAsync(guess, 535);
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(1500)),
            "the fourth failure from this address waits 200 ms doubled three times, though it is the first on this connection");
        await second.CommandAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0right")), 235);
        HardeningReport.Row(HardeningReport.Attack, "SMTP AUTH guessing over new connections", 4, 0, clock.Elapsed, "4th failure from the address waits 1.6 s");
    }

    [Test]
    public async Task A_flood_of_bdat_0_ends_with_421()
    {
        await using var h = await InTransactionAsync();
        var flood = new StringBuilder();
        for (var i = 0; i < 101; i++) flood.Append("BDAT 0\r\n");
        await h.SendRawAsync(flood.ToString());
        for (var i = 0; i < 100; i++) await h.ExpectAsync(250);
        await h.ExpectAsync(421);
        await h.ExpectClosedAsync();
        HardeningReport.Row(HardeningReport.Attack, "SMTP BDAT 0 flood", 101, 0, TimeSpan.Zero, "421 after 100");
    }

    [Test]
    public async Task A_flood_of_refused_recipients_ends_with_421()
    {
        var options = new SmtpServerOptions { Handler = new SmtpHandler { Recipient = (_, r) => r.Address.StartsWith("no", StringComparison.Ordinal) ? new SmtpResponse(550, "no such user", "5.1.1") : null } };
        await using var h = await SmtpSessionHarness.StartAsync(options);
        await h.CommandAsync("MAIL FROM:<a@b.test>", 250);
        var flood = new StringBuilder();
        for (var i = 0; i < 101; i++) flood.Append(System.Globalization.CultureInfo.InvariantCulture, $"RCPT TO:<no{i}@d.test>\r\n");
        await h.SendRawAsync(flood.ToString());
        for (var i = 0; i < 100; i++) await h.ExpectAsync(550);
        await h.ExpectAsync(421);
        await h.ExpectClosedAsync();
        HardeningReport.Row(HardeningReport.Attack, "SMTP refused-RCPT flood", 101, 0, TimeSpan.Zero, "421 after 100");
    }

    [Test]
    public async Task Recipients_past_the_limit_are_a_flood_too()
    {
        var options = new SmtpServerOptions();
        options.Limits.MaxRecipients = 1;
        options.Limits.MaxNoopCommands = 3;
        await using var h = await InTransactionAsync(options);
        for (var i = 0; i < 3; i++) await h.CommandAsync($"RCPT TO:<x{i}@d.test>", 452);
        await h.CommandAsync("RCPT TO:<y@d.test>", 421);
    }

    [TestCase("EHLO x\rInjected: yes")]
    [TestCase("EHLO x\0y")]
    [TestCase("HELO x\u001by")]
    public async Task Control_characters_in_the_greeting_name_get_501(string line)
    {
        await using var h = await SmtpSessionHarness.StartAsync(ehlo: false);
        await h.SendRawAsync(line + "\r\n");
        var reply = await h.ExpectAsync(501);
        Assert.That(reply.Text, Does.Not.Contain("Injected"));
        await h.CommandAsync("EHLO clean.test", 250);
    }

    [TestCase("b@x..test")]
    [TestCase("b@-x.test")]
    [TestCase("b@x-.test")]
    [TestCase("b@x.test.")]
    [TestCase("b@x_y.test")]
    public async Task Malformed_domains_in_rcpt_are_refused(string address)
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        await h.CommandAsync("MAIL FROM:<a@b.test>", 250);
        await h.CommandAsync($"RCPT TO:<{address}>", 553);
        await h.CommandAsync("RCPT TO:<b@x-y.test>", 250);
        await h.CommandAsync("RCPT TO:<b@[127.0.0.1]>", 250);
    }

    [Test]
    public async Task Auth_plain_with_another_authorization_identity_is_refused()
    {
        var options = new SmtpServerOptions { Authenticator = SmtpAuthenticator.Single("alice", "pw"), AllowInsecureAuth = true };
        options.AuthThrottle.BaseDelay = TimeSpan.FromMilliseconds(1);
        await using var h = await SmtpSessionHarness.StartAsync(options);
        await h.CommandAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("mallory\0alice\0pw")), 535);
        await h.CommandAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice\0alice\0pw")), 235);
    }

    [Test]
    public async Task A_non_ascii_address_without_smtputf8_gets_553_5_6_7_saying_so()
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        var reply = await h.CommandAsync("MAIL FROM:<jos\u00e9@b.test>", 553);
        Assert.That(reply.EnhancedCode?.ToString(), Is.EqualTo("5.6.7"));
        Assert.That(reply.Text, Does.Contain("SMTPUTF8"));
        await h.CommandAsync("MAIL FROM:<jos\u00e9@b.test> SMTPUTF8", 250);
        reply = await h.CommandAsync("RCPT TO:<b@b.test>", 250);
    }

    [Test]
    public async Task A_non_ascii_recipient_without_smtputf8_gets_553_5_6_7()
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        await h.CommandAsync("MAIL FROM:<a@b.test>", 250);
        var reply = await h.CommandAsync("RCPT TO:<\u00fc@b.test>", 553);
        Assert.That(reply.EnhancedCode?.ToString(), Is.EqualTo("5.6.7"));
    }

    [TestCase("SIZE=abc", "SIZE")]
    [TestCase("BODY", "BODY")]
    [TestCase("XFOO=1", "XFOO")]
    [TestCase("SIZE=1 SIZE=2", "SIZE")]
    public async Task A_mail_parameter_error_names_the_parameter(string parameters, string name)
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        await h.SendAsync($"MAIL FROM:<a@b.test> {parameters}");
        var reply = await h.ReadAsync();
        Assert.That(reply.Code, Is.AnyOf(501, 555));
        Assert.That(reply.Text, Does.Contain(name));
    }

    [Test]
    public async Task A_repeated_smtputf8_parameter_is_accepted_as_postfix_does()
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        await h.CommandAsync("MAIL FROM:<jos\u00e9@b.test> SMTPUTF8 SMTPUTF8", 250);
    }
}
