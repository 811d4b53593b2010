using System.Text;
using Protocols.Servers.Imap;
using Protocols.Servers.Mail;

namespace Protocols.Tests.Imap;

public class ImapSessionTests
{
    internal const string Simple = "From: Alice <alice@example.com>\r\nTo: bob@example.com\r\nSubject: hello there\r\nDate: Tue, 3 Nov 2026 12:00:00 +0000\r\nMessage-ID: <m1@example.com>\r\n\r\nfirst body line\r\nsecond line\r\n";

    internal static async Task<MemoryMailStore> StoreWithAsync(params string[] messages)
    {
        var store = new MemoryMailStore();
        foreach (var m in messages) await store.AppendAsync(new MailToAppend(Encoding.UTF8.GetBytes(m), "sender@example.com", ["bob@example.com"]));
        return store;
    }

    private static string Nth(int n) => Simple.Replace("hello there", "message " + n, StringComparison.Ordinal).Replace("<m1@", $"<m{n}@", StringComparison.Ordinal);

    [Test]
    public async Task Greeting_carries_capabilities_and_logout_says_bye()
    {
        await using var peer = await ImapTestPeer.StartAsync();
        Assert.That(peer.Greeting, Does.StartWith("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR").And.Contain("AUTH=PLAIN").And.Not.Contain("STARTTLS"));
        var lines = await peer.CommandAsync("LOGOUT");
        Assert.That(lines, Is.EqualTo(new[] { "* BYE Logging out", "OK LOGOUT completed" }));
        Assert.That(await peer.ReadToCloseAsync(), Is.Empty);
    }

    [Test]
    public async Task Commands_before_login_are_refused_and_login_opens_the_authenticated_state()
    {
        await using var peer = await ImapTestPeer.StartAsync();
        Assert.That((await peer.CommandAsync("SELECT INBOX"))[^1], Does.StartWith("BAD SELECT: log in first"));
        Assert.That((await peer.CommandAsync("NOOP"))[^1], Is.EqualTo("OK NOOP completed"));
        Assert.That((await peer.CommandAsync("LOGIN \"us\\\"er\" {4+}\r\npass"))[^1], Does.StartWith("OK [CAPABILITY"));
        Assert.That((await peer.CommandAsync("LOGIN again x"))[^1], Does.StartWith("BAD LOGIN: not valid"));
    }

    [Test]
    public async Task Authenticate_plain_with_an_initial_response_and_after_a_continuation()
    {
        await using (var peer = await ImapTestPeer.StartAsync())
        {
            Assert.That((await peer.CommandAsync("AUTHENTICATE PLAIN " + Protocols.Lines.Sasl.EncodePlain("u", "p")))[^1], Does.StartWith("OK"));
        }
        await using (var peer = await ImapTestPeer.StartAsync())
        {
            await peer.SendRawAsync("t1 AUTHENTICATE PLAIN\r\n");
            Assert.That(await peer.ReadLineAsync(), Is.EqualTo("+ "));
            await peer.SendRawAsync(Protocols.Lines.Sasl.EncodePlain("u", "p") + "\r\n");
            Assert.That((await peer.ReadUntilTaggedAsync("t1"))[^1], Does.StartWith("OK"));
        }
    }

    [Test]
    public async Task Failed_logins_are_answered_no_and_end_with_bye_past_the_budget()
    {
        var options = new ImapServerOptions { Authenticator = (u, p) => p == "right", MaxAuthFailures = 2 };
        await using var peer = await ImapTestPeer.StartAsync(options: options);
        Assert.That((await peer.CommandAsync("LOGIN u wrong"))[^1], Is.EqualTo("NO [AUTHENTICATIONFAILED] Authentication failed"));
        Assert.That((await peer.CommandAsync("LOGIN u wrong"))[^1], Is.EqualTo("NO [AUTHENTICATIONFAILED] Authentication failed"));
        Assert.That(await peer.ReadToCloseAsync(), Is.EqualTo(new[] { "* BYE [UNAVAILABLE] Too many failed logins, closing" }));
    }

    [Test]
    public async Task Select_reports_exists_flags_uidvalidity_and_uidnext()
    {
        var store = await StoreWithAsync(Nth(1), Nth(2), Nth(3));
        await using var peer = await ImapTestPeer.StartAsync(store);
        await peer.OkAsync("LOGIN u p");
        var lines = await peer.OkAsync("SELECT INBOX");
        Assert.That(lines, Does.Contain("* 3 EXISTS"));
        Assert.That(lines, Does.Contain("* OK [UIDVALIDITY 1700000000] UIDs valid"));
        Assert.That(lines, Does.Contain("* OK [UIDNEXT 4] Predicted next UID"));
        Assert.That(lines, Does.Contain("* OK [UNSEEN 1] First unseen"));
        Assert.That(lines[^1], Is.EqualTo("OK [READ-WRITE] SELECT completed"));
        Assert.That((await peer.OkAsync("EXAMINE inbox"))[^1], Is.EqualTo("OK [READ-ONLY] EXAMINE completed"));
    }

    [Test]
    public async Task Fetch_flags_size_uid_envelope_and_bodystructure()
    {
        var store = await StoreWithAsync(Simple);
        await using var peer = await ImapTestPeer.SelectedAsync(store);
        var lines = await peer.OkAsync("FETCH 1 (UID FLAGS RFC822.SIZE ENVELOPE BODYSTRUCTURE)");
        Assert.That(lines[0], Is.EqualTo(
            $"* 1 FETCH (UID 1 FLAGS () RFC822.SIZE {Simple.Length} ENVELOPE (\"Tue, 3 Nov 2026 12:00:00 +0000\" \"hello there\" " +
            "((\"Alice\" NIL \"alice\" \"example.com\")) ((\"Alice\" NIL \"alice\" \"example.com\")) ((\"Alice\" NIL \"alice\" \"example.com\")) " +
            "((NIL NIL \"bob\" \"example.com\")) NIL NIL NIL \"<m1@example.com>\") " +
            "BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 30 2 NIL NIL NIL NIL))"));
    }

    [Test]
    public async Task Body_sections_partials_and_peek()
    {
        var store = await StoreWithAsync(Simple);
        await using var peer = await ImapTestPeer.SelectedAsync(store);
        var header = Simple[..(Simple.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)];
        var lines = await peer.OkAsync("FETCH 1 (BODY.PEEK[HEADER] BODY.PEEK[TEXT]<6.4> BODY.PEEK[HEADER.FIELDS (subject FROM)])");
        Assert.That(lines[0], Is.EqualTo($"* 1 FETCH (BODY[HEADER] {{{header.Length}}}\r\n{header} BODY[TEXT]<6> {{4}}\r\nbody " +
            "BODY[HEADER.FIELDS (SUBJECT FROM)] {57}\r\nFrom: Alice <alice@example.com>\r\nSubject: hello there\r\n\r\n)"));
        lines = await peer.OkAsync("FETCH 1 FLAGS");
        Assert.That(lines[0], Is.EqualTo("* 1 FETCH (FLAGS ())"), "PEEK leaves \\Seen alone");
        lines = await peer.OkAsync("FETCH 1 BODY[1]");
        Assert.That(lines[0], Is.EqualTo("* 1 FETCH (BODY[1] {30}\r\nfirst body line\r\nsecond line\r\n FLAGS (\\Seen))"));
        lines = await peer.OkAsync("UID FETCH 1 RFC822");
        Assert.That(lines[0], Is.EqualTo($"* 1 FETCH (UID 1 RFC822 {{{Simple.Length}}}\r\n{Simple})"));
    }

    [Test]
    public async Task Fetch_of_a_sequence_number_past_the_end_is_bad_and_a_uid_past_the_end_is_empty()
    {
        var store = await StoreWithAsync(Simple);
        await using var peer = await ImapTestPeer.SelectedAsync(store);
        Assert.That((await peer.CommandAsync("FETCH 2 FLAGS"))[^1], Does.StartWith("BAD FETCH: no message has sequence number 2"));
        Assert.That(await peer.CommandAsync("UID FETCH 5:7 FLAGS"), Is.EqualTo(new[] { "OK UID FETCH completed" }));
        Assert.That((await peer.CommandAsync("FETCH 1 (BODY.PEEK[1.2.3])"))[0], Is.EqualTo("* 1 FETCH (BODY[1.2.3] \"\")"));
        Assert.That((await peer.CommandAsync("FETCH 1 (NONSENSE)"))[^1], Does.StartWith("BAD FETCH: unknown FETCH item"));
    }

    [Test]
    public async Task Search_keys_and_esearch()
    {
        var store = await StoreWithAsync(Nth(1), Nth(2), Nth(3), Nth(4));
        await using var peer = await ImapTestPeer.SelectedAsync(store);
        await peer.OkAsync("STORE 2 +FLAGS.SILENT (\\Flagged \\Seen)");
        Assert.That((await peer.OkAsync("SEARCH ALL"))[0], Is.EqualTo("* SEARCH 1 2 3 4"));
        Assert.That((await peer.OkAsync("SEARCH SUBJECT \"message 3\""))[0], Is.EqualTo("* SEARCH 3"));
        Assert.That((await peer.OkAsync("SEARCH FLAGGED"))[0], Is.EqualTo("* SEARCH 2"));
        Assert.That((await peer.OkAsync("SEARCH UNSEEN NOT 4"))[0], Is.EqualTo("* SEARCH 1 3"));
        Assert.That((await peer.OkAsync("SEARCH OR 1 3 FROM alice"))[0], Is.EqualTo("* SEARCH 1 3"));
        Assert.That((await peer.OkAsync("UID SEARCH UID 2:* BODY \"FIRST body\""))[0], Is.EqualTo("* SEARCH 2 3 4"));
        Assert.That((await peer.OkAsync("SEARCH HEADER Message-ID <m4@"))[0], Is.EqualTo("* SEARCH 4"));
        Assert.That((await peer.OkAsync("SEARCH TEXT \"message 1\""))[0], Is.EqualTo("* SEARCH 1"));
        Assert.That((await peer.OkAsync("SEARCH LARGER 10 SMALLER 100000 SENTON 3-Nov-2026"))[0], Is.EqualTo("* SEARCH 1 2 3 4"));
        Assert.That((await peer.OkAsync("SEARCH SENTBEFORE 3-Nov-2026"))[0], Is.EqualTo("* SEARCH"));
        Assert.That((await peer.OkAsync("SEARCH SINCE 1-Jan-2000 BEFORE 1-Jan-2100"))[0], Is.EqualTo("* SEARCH 1 2 3 4"));
        var tagged = await peer.OkAsync("UID SEARCH RETURN (MIN MAX COUNT ALL) NOT 2");
        Assert.That(tagged[0], Does.EndWith(" UID MIN 1 MAX 4 ALL 1,3:4 COUNT 3"));
        Assert.That((await peer.CommandAsync("SEARCH BEFORE 31-Feb-2026"))[^1], Does.StartWith("BAD SEARCH: BEFORE takes a date"));
        Assert.That((await peer.CommandAsync("SEARCH CHARSET KOI8-R ALL"))[^1], Does.StartWith("NO [BADCHARSET"));
    }

    [Test]
    public async Task Store_replace_add_remove_and_expunge()
    {
        var store = await StoreWithAsync(Nth(1), Nth(2), Nth(3));
        await using var peer = await ImapTestPeer.SelectedAsync(store);
        Assert.That((await peer.OkAsync("STORE 1:2 +FLAGS (\\Deleted $Label1)"))[..2], Is.EqualTo(new[] { "* 1 FETCH (FLAGS (\\Deleted $Label1))", "* 2 FETCH (FLAGS (\\Deleted $Label1))" }));
        Assert.That((await peer.OkAsync("UID STORE 2 -FLAGS ($Label1)"))[0], Is.EqualTo("* 2 FETCH (UID 2 FLAGS (\\Deleted))"));
        Assert.That((await peer.OkAsync("STORE 3 FLAGS (\\Seen)"))[0], Is.EqualTo("* 3 FETCH (FLAGS (\\Seen))"));
        Assert.That((await peer.CommandAsync("STORE 3 FLAGS (\\Recent)"))[^1], Does.StartWith("BAD STORE: not a settable flag"));
        Assert.That(await peer.OkAsync("UID EXPUNGE 2"), Is.EqualTo(new[] { "* 2 EXPUNGE", "OK UID EXPUNGE completed" }));
        Assert.That(await peer.OkAsync("EXPUNGE"), Is.EqualTo(new[] { "* 1 EXPUNGE", "OK EXPUNGE completed" }));
        Assert.That((await peer.OkAsync("FETCH 1 UID"))[0], Is.EqualTo("* 1 FETCH (UID 3)"));
        Assert.That((await store.GetStatsAsync()).Messages, Is.EqualTo(1));
    }

    [Test]
    public async Task Append_with_a_synchronizing_literal_answers_appenduid_and_the_selected_session_sees_exists()
    {
        var store = await StoreWithAsync(Nth(1));
        await using var peer = await ImapTestPeer.SelectedAsync(store);
        var message = Nth(2);
        await peer.SendRawAsync($"t1 APPEND INBOX (\\Seen) \"05-Nov-2026 10:00:00 +0100\" {{{message.Length}}}\r\n");
        Assert.That(await peer.ReadLineAsync(), Is.EqualTo("+ Ready for literal data"));
        await peer.SendRawAsync(message + "\r\n");
        var lines = await peer.ReadUntilTaggedAsync("t1");
        Assert.That(lines, Is.EqualTo(new[] { "* 2 EXISTS", "OK [APPENDUID 1700000000 2] APPEND completed" }));
        Assert.That((await peer.OkAsync("FETCH 2 (FLAGS INTERNALDATE)"))[0], Is.EqualTo("* 2 FETCH (FLAGS (\\Seen) INTERNALDATE \"05-Nov-2026 10:00:00 +0100\")"));
    }

    [Test]
    public async Task A_literal_past_the_limit_is_refused_with_toobig_and_the_session_goes_on()
    {
        var options = new ImapServerOptions { MaxLiteralSize = 10, MaxAppendSize = 100 };
        await using var peer = await ImapTestPeer.StartAsync(options: options);
        Assert.That((await peer.CommandAsync("LOGIN {10+}\r\n0123456789 p"))[^1], Does.StartWith("OK"), "a literal at the limit");
        await using var second = await ImapTestPeer.StartAsync(options: options);
        Assert.That((await second.CommandAsync("LOGIN {11}"))[^1], Does.StartWith("BAD [TOOBIG] a literal is larger than 10"));
        Assert.That((await second.CommandAsync("LOGIN {11+}\r\n01234567890 p"))[^1], Does.StartWith("BAD [TOOBIG]"));
        Assert.That((await second.CommandAsync("NOOP"))[^1], Is.EqualTo("OK NOOP completed"));
        Assert.That((await second.CommandAsync("LOGIN u p"))[^1], Does.StartWith("OK"));
        Assert.That((await second.CommandAsync("APPEND INBOX {101}"))[^1], Does.StartWith("NO [TOOBIG] the message is larger than the APPENDLIMIT of 100"));
    }

    [Test]
    public async Task A_line_past_the_limit_is_refused_and_a_line_at_it_is_served()
    {
        var options = new ImapServerOptions { MaxCommandLength = 1024 };
        await using var peer = await ImapTestPeer.StartAsync(options: options);
        var atLimit = "NOOP " + new string('x', 1024 - "a1 NOOP ".Length - 2);
        Assert.That((await peer.CommandAsync(atLimit))[^1], Is.EqualTo("OK NOOP completed"));
        await peer.SendRawAsync("a9 NOOP " + new string('x', 1024) + "\r\n");
        Assert.That(await peer.ReadLineAsync(), Does.StartWith("* BAD [TOOBIG] a command line is longer than 1024"));
        Assert.That((await peer.CommandAsync("NOOP"))[^1], Is.EqualTo("OK NOOP completed"));
    }

    [Test]
    public async Task Garbage_gets_bad_and_the_budget_ends_with_bye()
    {
        await using var peer = await ImapTestPeer.StartAsync(options: new ImapServerOptions { MaxBadCommands = 3 });
        await peer.SendRawAsync("\r\n");
        Assert.That(await peer.ReadLineAsync(), Is.EqualTo("* BAD syntax error: a command is a tag, a space and a name"));
        Assert.That((await peer.CommandAsync("FROB"))[^1], Is.EqualTo("BAD unknown command FROB"));
        Assert.That((await peer.CommandAsync("LOGIN \"unterminated"))[^1], Does.StartWith("BAD"));
        await peer.SendRawAsync("a9 FROB\r\n");
        Assert.That(await peer.ReadToCloseAsync(), Is.EqualTo(new[] { "* BYE [UNAVAILABLE] Too many bad commands, closing" }), "past the budget: BYE instead of BAD");
    }

    [Test]
    public async Task Idle_announces_a_new_message_and_a_flag_change_from_another_session()
    {
        var store = await StoreWithAsync(Nth(1));
        var server = new ImapServer(store);
        await using var idler = await ImapTestPeer.SelectedAsync(store, server: server);
        await using var other = await ImapTestPeer.SelectedAsync(store, server: server);
        await idler.SendRawAsync("i1 IDLE\r\n");
        Assert.That(await idler.ReadLineAsync(), Is.EqualTo("+ idling"));
        await store.AppendAsync(new MailToAppend(Encoding.UTF8.GetBytes(Nth(2)), "x@example.com", ["bob@example.com"]));
        Assert.That(await idler.ReadLineAsync(), Is.EqualTo("* 2 EXISTS"));
        await other.OkAsync("STORE 1 +FLAGS (\\Flagged)");
        Assert.That(await idler.ReadLineAsync(), Is.EqualTo("* 1 FETCH (FLAGS (\\Flagged))"));
        await idler.SendRawAsync("DONE\r\n");
        Assert.That((await idler.ReadUntilTaggedAsync("i1"))[^1], Is.EqualTo("OK IDLE terminated"));
    }

    [Test]
    public async Task Expunge_by_another_session_waits_until_noop_and_is_never_sent_during_fetch()
    {
        var store = await StoreWithAsync(Nth(1), Nth(2));
        var server = new ImapServer(store);
        await using var one = await ImapTestPeer.SelectedAsync(store, server: server);
        await using var two = await ImapTestPeer.SelectedAsync(store, server: server);
        await two.OkAsync("STORE 1 +FLAGS.SILENT (\\Deleted)");
        await two.OkAsync("EXPUNGE");
        var fetch = await one.OkAsync("FETCH 1:2 UID");
        Assert.That(fetch, Has.None.Contains("EXPUNGE"));
        Assert.That(fetch, Does.Contain("* 1 FETCH (FLAGS (\\Deleted))").Or.Contain("* 1 FETCH (UID 1)"));
        var noop = await one.OkAsync("NOOP");
        Assert.That(noop, Does.Contain("* 1 EXPUNGE"));
        Assert.That((await one.OkAsync("FETCH 1 UID"))[0], Is.EqualTo("* 1 FETCH (UID 2)"));
    }

    [Test]
    public async Task List_status_namespace_enable_id_and_close()
    {
        var store = await StoreWithAsync(Nth(1), Nth(2));
        await using var peer = await ImapTestPeer.StartAsync(store);
        await peer.OkAsync("LOGIN u p");
        var list = await peer.OkAsync("LIST \"\" *");
        Assert.That(list, Is.EqualTo(new[] { "* LIST (\\HasNoChildren \\All) \"/\" INBOX", "* LIST (\\HasNoChildren) \"/\" bob@example.com", "OK LIST completed" }));
        Assert.That((await peer.OkAsync("LIST \"\" \"\""))[0], Is.EqualTo("* LIST (\\Noselect) \"/\" \"\""));
        Assert.That((await peer.OkAsync("LSUB \"\" %"))[0], Does.StartWith("* LSUB (\\HasNoChildren \\All) \"/\" INBOX"));
        Assert.That((await peer.OkAsync("STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)"))[0], Is.EqualTo("* STATUS INBOX (MESSAGES 2 UIDNEXT 3 UIDVALIDITY 1700000000 UNSEEN 2)"));
        Assert.That((await peer.CommandAsync("STATUS nowhere (MESSAGES)"))[^1], Does.StartWith("NO [NONEXISTENT]"));
        Assert.That((await peer.OkAsync("NAMESPACE"))[0], Is.EqualTo("* NAMESPACE ((\"\" \"/\")) NIL NIL"));
        Assert.That((await peer.OkAsync("ENABLE IMAP4rev2"))[0], Is.EqualTo("* ENABLED IMAP4rev2"));
        Assert.That((await peer.OkAsync("ID NIL"))[0], Does.StartWith("* ID ("));
        Assert.That(await peer.OkAsync("SELECT INBOX"), Has.None.Contains("RECENT"), "IMAP4rev2 has no \\Recent");
        Assert.That((await peer.OkAsync("SEARCH 1"))[0], Does.StartWith("* ESEARCH (TAG \"a"), "IMAP4rev2 answers SEARCH with ESEARCH");
        await peer.OkAsync("CLOSE");
        Assert.That((await peer.CommandAsync("FETCH 1 UID"))[^1], Does.StartWith("BAD FETCH: select a mailbox first"));
    }

    [Test]
    public async Task Per_recipient_mode_shows_each_login_only_its_own_mail()
    {
        var store = new MemoryMailStore();
        await store.AppendAsync(new MailToAppend(Encoding.UTF8.GetBytes(Nth(1)), "s@example.com", ["alice@example.com"]));
        await store.AppendAsync(new MailToAppend(Encoding.UTF8.GetBytes(Nth(2)), "s@example.com", ["Bob@example.com"]));
        var options = new ImapServerOptions { PerRecipient = true };
        await using var peer = await ImapTestPeer.StartAsync(store, options);
        Assert.That((await peer.CommandAsync("LOGIN notanaddress p"))[^1], Does.StartWith("NO [AUTHENTICATIONFAILED] in per-recipient mode"));
        await peer.OkAsync("LOGIN bob@example.com p");
        Assert.That(await peer.OkAsync("LIST \"\" *"), Is.EqualTo(new[] { "* LIST (\\HasNoChildren) \"/\" INBOX", "OK LIST completed" }));
        Assert.That(await peer.OkAsync("SELECT INBOX"), Does.Contain("* 1 EXISTS"));
        Assert.That((await peer.OkAsync("FETCH 1 (UID ENVELOPE)"))[0], Does.Contain("UID 2 ").And.Contain("\"message 2\""));
        await using var nobody = await ImapTestPeer.StartAsync(store, options);
        await nobody.OkAsync("LOGIN carol@example.com p");
        Assert.That(await nobody.OkAsync("SELECT INBOX"), Does.Contain("* 0 EXISTS"));
    }

    [Test]
    public async Task Copy_and_move_answer_copyuid()
    {
        var store = await StoreWithAsync(Nth(1), Nth(2));
        await using var peer = await ImapTestPeer.SelectedAsync(store);
        Assert.That((await peer.OkAsync("COPY 1 bob@example.com"))[^1], Does.StartWith("OK [COPYUID 1700000000 1 3]"));
        var move = await peer.OkAsync("UID MOVE 2 INBOX");
        Assert.That(move, Does.Contain("* OK [COPYUID 1700000000 2 4] Moved"));
        Assert.That(move, Does.Contain("* 2 EXPUNGE"));
        Assert.That((await peer.CommandAsync("COPY 1 nowhere"))[^1], Does.StartWith("NO [TRYCREATE]"));
    }
}
