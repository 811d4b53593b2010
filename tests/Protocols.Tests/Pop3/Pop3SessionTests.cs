using Protocols.Servers.Metrics;
using Protocols.Servers.Pop3;

namespace Protocols.Tests.Pop3;

public class Pop3SessionTests
{
    private const string First = "From: a@example.com\r\nSubject: one\r\n\r\nline 1\r\n.dotted\r\nline 3\r\n";
    private const string Second = "Subject: two\r\n\r\nbody\r\n";

    private static InMemoryPop3Mailbox Mailbox()
    {
        var mailbox = new InMemoryPop3Mailbox();
        mailbox.Add(First);
        mailbox.Add(Second);
        return mailbox;
    }

    [Test]
    public async Task Capa_before_login_lists_user_and_pipelining_but_no_stls_without_a_certificate()
    {
        await using var peer = await Pop3TestPeer.StartAsync(Mailbox());
        var capabilities = await peer.MultiLineCommandAsync("CAPA");
        Assert.That(capabilities, Is.SupersetOf(new[] { "TOP", "UIDL", "USER", "PIPELINING", "RESP-CODES", "AUTH-RESP-CODE" }));
        Assert.That(capabilities, Does.Not.Contain("STLS"));
    }

    [Test]
    public async Task Login_then_stat_list_and_uidl_describe_the_maildrop()
    {
        await using var peer = await Pop3TestPeer.LoggedInAsync(Mailbox());
        Assert.That(await peer.CommandAsync("STAT"), Is.EqualTo($"+OK 2 {First.Length + Second.Length}"));
        Assert.That(await peer.MultiLineCommandAsync("LIST"), Is.EqualTo(new[] { $"1 {First.Length}", $"2 {Second.Length}" }));
        Assert.That(await peer.CommandAsync("LIST 2"), Is.EqualTo($"+OK 2 {Second.Length}"));
        Assert.That(await peer.MultiLineCommandAsync("UIDL"), Is.EqualTo(new[] { "1 m1", "2 m2" }));
        Assert.That(await peer.CommandAsync("UIDL 1"), Is.EqualTo("+OK 1 m1"));
    }

    [Test]
    public async Task Retr_sends_the_message_dot_stuffed()
    {
        await using var peer = await Pop3TestPeer.LoggedInAsync(Mailbox());
        var lines = await peer.MultiLineCommandAsync("RETR 1");
        Assert.That(lines, Is.EqualTo(new[] { "From: a@example.com", "Subject: one", "", "line 1", "..dotted", "line 3" }));
    }

    [Test]
    public async Task Retr_of_a_message_without_a_final_line_end_still_ends_with_crlf_dot_crlf()
    {
        var mailbox = new InMemoryPop3Mailbox();
        mailbox.Add("Subject: x\r\n\r\nno newline");
        await using var peer = await Pop3TestPeer.LoggedInAsync(mailbox);
        Assert.That(await peer.MultiLineCommandAsync("RETR 1"), Is.EqualTo(new[] { "Subject: x", "", "no newline" }));
    }

    [Test]
    public async Task Large_message_streams_whole()
    {
        var body = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"line {i} {new string('x', 60)}\r\n"));
        var mailbox = new InMemoryPop3Mailbox();
        mailbox.Add("Subject: big\r\n\r\n" + body);
        await using var peer = await Pop3TestPeer.LoggedInAsync(mailbox);
        var lines = await peer.MultiLineCommandAsync("RETR 1");
        Assert.That(lines, Has.Count.EqualTo(2 + 20_000));
        Assert.That(lines[^1], Does.StartWith("line 19999 "));
    }

    [TestCase(0, new[] { "From: a@example.com", "Subject: one", "" })]
    [TestCase(2, new[] { "From: a@example.com", "Subject: one", "", "line 1", "..dotted" })]
    [TestCase(99, new[] { "From: a@example.com", "Subject: one", "", "line 1", "..dotted", "line 3" })]
    public async Task Top_sends_the_header_and_n_body_lines(int count, string[] expected)
    {
        await using var peer = await Pop3TestPeer.LoggedInAsync(Mailbox());
        Assert.That(await peer.MultiLineCommandAsync($"TOP 1 {count}"), Is.EqualTo(expected));
    }

    [Test]
    public void Top_cut_works_when_fed_byte_by_byte()
    {
        var message = System.Text.Encoding.ASCII.GetBytes(First);
        var cut = new TopCut(1);
        var taken = 0;
        foreach (var b in message)
        {
            taken += cut.Take([b]);
            if (cut.Done) break;
        }
        Assert.That(System.Text.Encoding.ASCII.GetString(message, 0, taken), Is.EqualTo("From: a@example.com\r\nSubject: one\r\n\r\nline 1\r\n"));
    }

    [Test]
    public async Task Dele_hides_the_message_rset_restores_it_and_quit_deletes_only_what_is_marked()
    {
        var mailbox = Mailbox();
        var peer = await Pop3TestPeer.LoggedInAsync(mailbox);
        Assert.That(await peer.CommandAsync("DELE 1"), Is.EqualTo("+OK message 1 deleted"));
        Assert.That(await peer.CommandAsync("DELE 1"), Is.EqualTo("-ERR message 1 already deleted"));
        Assert.That(await peer.CommandAsync("RETR 1"), Does.StartWith("-ERR"));
        Assert.That(await peer.CommandAsync("STAT"), Is.EqualTo($"+OK 1 {Second.Length}"));
        Assert.That(await peer.MultiLineCommandAsync("LIST"), Is.EqualTo(new[] { $"2 {Second.Length}" }));
        Assert.That(await peer.CommandAsync("RSET"), Does.StartWith("+OK maildrop has 2"));
        Assert.That(await peer.CommandAsync("DELE 2"), Does.StartWith("+OK"));
        Assert.That(await peer.CommandAsync("QUIT"), Is.EqualTo("+OK bye (1 messages left)"));
        await peer.ExpectClosedAsync();
        await peer.DisposeAsync();
        var left = await mailbox.ListAsync();
        Assert.That(left.Select(m => m.UniqueId), Is.EqualTo(new[] { "m1" }));
    }

    [Test]
    public async Task Dropping_the_connection_without_quit_deletes_nothing()
    {
        var mailbox = Mailbox();
        var peer = await Pop3TestPeer.LoggedInAsync(mailbox);
        Assert.That(await peer.CommandAsync("DELE 1"), Does.StartWith("+OK"));
        await peer.DisposeAsync();
        Assert.That(mailbox.Count, Is.EqualTo(2));
    }

    [Test]
    public async Task Messages_arriving_after_login_do_not_change_the_numbering()
    {
        var mailbox = Mailbox();
        await using var peer = await Pop3TestPeer.LoggedInAsync(mailbox);
        mailbox.Add("Subject: three\r\n\r\n3\r\n");
        Assert.That(await peer.CommandAsync("STAT"), Does.StartWith("+OK 2 "));
        Assert.That(await peer.CommandAsync("RETR 3"), Is.EqualTo("-ERR no such message"));
    }

    [Test]
    public async Task Wrong_password_is_refused_with_the_auth_code()
    {
        var metrics = new ProtocolsMetrics();
        await using var peer = await Pop3TestPeer.StartAsync(Mailbox(), metrics: metrics);
        Assert.That(await peer.CommandAsync("USER alice"), Does.StartWith("+OK"));
        Assert.That(await peer.CommandAsync("PASS wrong"), Is.EqualTo("-ERR [AUTH] invalid user name or password"));
        Assert.That(await peer.CommandAsync("STAT"), Is.EqualTo("-ERR command not valid in this state"));
        Assert.That(metrics.Snapshot().Single().Rejections, Is.EqualTo(2));
    }

    [Test]
    public async Task Pass_must_follow_user_at_once()
    {
        await using var peer = await Pop3TestPeer.StartAsync(Mailbox());
        Assert.That(await peer.CommandAsync("PASS secret"), Is.EqualTo("-ERR send USER first"));
        Assert.That(await peer.CommandAsync("USER alice"), Does.StartWith("+OK"));
        Assert.That((await peer.MultiLineCommandAsync("CAPA")), Does.Contain("TOP"));
        Assert.That(await peer.CommandAsync("PASS secret"), Is.EqualTo("-ERR send USER first"));
    }

    [Test]
    public async Task Password_may_hold_spaces()
    {
        var mailbox = Mailbox();
        var provider = Pop3MailboxProvider.Shared(mailbox, "bob", "two words");
        await using var peer = await Pop3TestPeer.StartAsync(mailbox, provider: provider);
        Assert.That(await peer.CommandAsync("USER bob"), Does.StartWith("+OK"));
        Assert.That(await peer.CommandAsync("PASS two words"), Does.StartWith("+OK maildrop has 2"));
    }

    [TestCase("RETR")]
    [TestCase("RETR x")]
    [TestCase("RETR -1")]
    [TestCase("RETR 0")]
    [TestCase("RETR 3")]
    [TestCase("RETR 99999999999999")]
    [TestCase("TOP 1")]
    [TestCase("TOP 1 x")]
    [TestCase("DELE 7")]
    [TestCase("LIST 0")]
    public async Task Bad_message_arguments_get_an_error_and_the_session_goes_on(string command)
    {
        await using var peer = await Pop3TestPeer.LoggedInAsync(Mailbox());
        Assert.That(await peer.CommandAsync(command), Does.StartWith("-ERR "));
        Assert.That(await peer.CommandAsync("NOOP"), Is.EqualTo("+OK"));
    }

    [Test]
    public async Task Verbs_are_case_insensitive()
    {
        await using var peer = await Pop3TestPeer.StartAsync(Mailbox());
        Assert.That(await peer.CommandAsync("user alice"), Does.StartWith("+OK"));
        Assert.That(await peer.CommandAsync("pass secret"), Does.StartWith("+OK"));
        Assert.That(await peer.CommandAsync("stat"), Does.StartWith("+OK 2"));
    }

    [Test]
    public async Task Command_at_the_length_limit_is_read_and_one_past_it_is_refused_without_losing_sync()
    {
        var options = new Pop3ServerOptions { MaxCommandLength = 32 };
        await using var peer = await Pop3TestPeer.StartAsync(Mailbox(), options);
        var atLimit = "USER " + new string('a', 32 - 2 - 5);
        Assert.That(await peer.CommandAsync(atLimit), Is.EqualTo("+OK send PASS"));
        Assert.That(await peer.CommandAsync(atLimit + "a"), Is.EqualTo("-ERR line too long"));
        Assert.That(await peer.CommandAsync("USER alice"), Does.StartWith("+OK"));
        Assert.That(await peer.CommandAsync("PASS secret"), Does.StartWith("+OK"));
    }

    [Test]
    public async Task Bad_command_budget_closes_the_session()
    {
        var options = new Pop3ServerOptions { MaxBadCommands = 3 };
        await using var peer = await Pop3TestPeer.StartAsync(Mailbox(), options);
        for (var i = 0; i < 3; i++) Assert.That(await peer.CommandAsync("BOGUS"), Is.EqualTo("-ERR unknown command"));
        Assert.That(await peer.CommandAsync("BOGUS"), Is.EqualTo("-ERR [SYS/PERM] too many errors, closing"));
        await peer.ExpectClosedAsync();
    }

    [Test]
    public async Task Idle_client_is_logged_out()
    {
        var options = new Pop3ServerOptions { IdleTimeout = TimeSpan.FromMilliseconds(200) };
        await using var peer = await Pop3TestPeer.StartAsync(Mailbox(), options);
        Assert.That(await peer.ReadLineAsync(), Is.EqualTo("-ERR autologout: idle for too long"));
        await peer.ExpectClosedAsync();
    }

    [Test]
    public async Task Pipelined_commands_are_answered_in_order()
    {
        await using var peer = await Pop3TestPeer.StartAsync(Mailbox());
        await peer.Client.Writer.WriteAsync("USER alice\r\nPASS secret\r\nSTAT\r\nUIDL 2\r\nQUIT\r\n"u8.ToArray()).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(await peer.ReadLineAsync(), Is.EqualTo("+OK send PASS"));
        Assert.That(await peer.ReadLineAsync(), Does.StartWith("+OK maildrop has 2"));
        Assert.That(await peer.ReadLineAsync(), Does.StartWith("+OK 2 "));
        Assert.That(await peer.ReadLineAsync(), Is.EqualTo("+OK 2 m2"));
        Assert.That(await peer.ReadLineAsync(), Does.StartWith("+OK bye"));
        await peer.ExpectClosedAsync();
    }

    [Test]
    public async Task Plaintext_login_can_be_disabled()
    {
        var options = new Pop3ServerOptions { AllowPlaintextLogin = false };
        await using var peer = await Pop3TestPeer.StartAsync(Mailbox(), options);
        Assert.That(await peer.MultiLineCommandAsync("CAPA"), Does.Not.Contain("USER"));
        Assert.That(await peer.CommandAsync("USER alice"), Does.StartWith("-ERR [AUTH] plaintext login is disabled"));
    }

    [Test]
    public async Task Transactions_count_messages_and_bytes_in_the_metrics()
    {
        var metrics = new ProtocolsMetrics();
        var peer = await Pop3TestPeer.LoggedInAsync(Mailbox(), metrics: metrics);
        await peer.MultiLineCommandAsync("RETR 1");
        await peer.MultiLineCommandAsync("RETR 2");
        Assert.That(await peer.CommandAsync("QUIT"), Does.StartWith("+OK"));
        await peer.ExpectClosedAsync();
        await peer.DisposeAsync();
        var totals = metrics.Snapshot().Single();
        Assert.That(totals, Is.EqualTo(new ProtocolTotals("pop3", 1, 0, 2, First.Length + Second.Length, 0)));
    }
}
