using System.Text;
using Protocols.Servers.Mail;
using Protocols.Servers.Mail.Sqlite;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Smtp;

/// <summary>
/// A message past <see cref="SmtpServerLimits.SpoolThreshold"/> goes to a spool file while it arrives (memory per
/// in-flight message bounded): at the threshold it stays in memory, one byte past it is spooled, both byte-exact; the
/// spool file never outlives the message (250 to a store that did not take it, 451, 5xx from a hook, 552 overflow, a
/// client that leaves mid-DATA); the SQLite store moves it into place as the message's .eml file.
/// </summary>
public class SmtpSpoolTests
{
    private const int Threshold = 64 * 1024;

    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("proto-spool-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    /// <summary>A message of exactly <paramref name="size"/> bytes: a header, 80-byte lines, a last line padded to fit.</summary>
    internal static byte[] Exact(int size, string subject = "spooled")
    {
        var text = new StringBuilder($"Subject: {subject}\r\n\r\nwordinthebody\r\n");
        while (text.Length + 80 + 2 < size) text.Append('a', 78).Append("\r\n");
        text.Append('b', size - text.Length - 2).Append("\r\n");
        var bytes = Encoding.ASCII.GetBytes(text.ToString());
        Assert.That(bytes, Has.Length.EqualTo(size));
        return bytes;
    }

    private sealed class RecordingStore(string directory, Exception? failure = null) : IMessageStore
    {
        public List<(bool Spooled, byte[] Bytes)> Saved { get; } = [];

        public string? SpoolDirectory => directory;

        public async ValueTask SaveAsync(ReceivedMessage message, CancellationToken cancellationToken)
        {
            await using var stream = message.OpenRead();
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, cancellationToken);
            Assert.That(copy.Length, Is.EqualTo(message.Size));
            lock (Saved) Saved.Add((message.Content.IsSpooled, copy.ToArray()));
            if (failure is not null) throw failure;
        }
    }

    private SmtpServerOptions Options(IMessageStore store, long maxSize = 10_240_000, ISmtpHandler? handler = null) => new()
    {
        Store = store,
        Limits = { SpoolThreshold = Threshold, MaxMessageSize = maxSize },
        Handler = handler ?? SmtpHandler.AcceptAll,
    };

    private static async Task<Protocols.Lines.Reply> SendAsync(SmtpSessionHarness h, byte[] message)
    {
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync(message);
        await h.SendRawAsync(".\r\n");
        return await h.ReadAsync();
    }

    private string[] SpoolFiles() => Directory.GetFiles(_dir, "*", SearchOption.AllDirectories);

    [Test]
    public async Task At_the_threshold_the_message_stays_in_memory_and_one_past_it_is_spooled()
    {
        var store = new RecordingStore(_dir);
        await using var h = await SmtpSessionHarness.StartAsync(Options(store));
        var at = Exact(Threshold);
        var past = Exact(Threshold + 1);
        Assert.That((await SendAsync(h, at)).Code, Is.EqualTo(250));
        Assert.That((await SendAsync(h, past)).Code, Is.EqualTo(250));
        Assert.That(store.Saved.Select(s => s.Spooled), Is.EqualTo(new[] { false, true }));
        Assert.That(store.Saved[0].Bytes, Is.EqualTo(at));
        Assert.That(store.Saved[1].Bytes, Is.EqualTo(past));
        Assert.That(SpoolFiles(), Is.Empty, "the spool file outlived its message");
    }

    [Test]
    public async Task A_large_message_is_spooled_and_kept_byte_exact_with_dots_unstuffed()
    {
        var store = new RecordingStore(_dir);
        await using var h = await SmtpSessionHarness.StartAsync(Options(store));
        var body = new StringBuilder("Subject: dots\r\n\r\n");
        for (var i = 0; body.Length < 5 * Threshold; i++) body.Append(i % 7 == 0 ? ".starts with a dot " : "plain ").Append(i).Append("\r\n");
        var original = Encoding.ASCII.GetBytes(body.ToString());
        var reply = await SendAsync(h, Hardening.SmtpWire.DotStuff(original));
        Assert.That(reply.Code, Is.EqualTo(250));
        Assert.That(store.Saved, Has.Count.EqualTo(1));
        Assert.That(store.Saved[0].Spooled, Is.True);
        Assert.That(store.Saved[0].Bytes, Is.EqualTo(original));
    }

    [Test]
    public async Task Bdat_chunks_past_the_threshold_are_spooled()
    {
        var store = new RecordingStore(_dir);
        await using var h = await SmtpSessionHarness.StartAsync(Options(store));
        var message = Exact(3 * Threshold);
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        var half = message.Length / 2;
        await h.SendRawAsync(Encoding.ASCII.GetBytes($"BDAT {half}\r\n").Concat(message[..half]).ToArray());
        await h.ExpectAsync(250);
        await h.SendRawAsync(Encoding.ASCII.GetBytes($"BDAT {message.Length - half} LAST\r\n").Concat(message[half..]).ToArray());
        await h.ExpectAsync(250);
        Assert.That(store.Saved.Single().Spooled, Is.True);
        Assert.That(store.Saved.Single().Bytes, Is.EqualTo(message));
        Assert.That(SpoolFiles(), Is.Empty);
    }

    [Test]
    public async Task A_store_failure_answers_451_and_removes_the_spool_file()
    {
        var store = new RecordingStore(_dir, new IOException("disk on fire"));
        await using var h = await SmtpSessionHarness.StartAsync(Options(store));
        Assert.That((await SendAsync(h, Exact(2 * Threshold))).Code, Is.EqualTo(451));
        Assert.That(store.Saved.Single().Spooled, Is.True, "the store saw a spooled message");
        Assert.That(SpoolFiles(), Is.Empty);
    }

    [Test]
    public async Task A_hook_refusal_answers_5xx_and_removes_the_spool_file()
    {
        var store = new RecordingStore(_dir);
        var seen = false;
        var handler = new SmtpHandler
        {
            Message = (_, m) =>
            {
                seen = m.Content.IsSpooled && File.Exists(m.Content.FilePath);
                return new SmtpResponse(550, "no thanks", "5.7.1");
            },
        };
        await using var h = await SmtpSessionHarness.StartAsync(Options(store, handler: handler));
        Assert.That((await SendAsync(h, Exact(2 * Threshold))).Code, Is.EqualTo(550));
        Assert.That(seen, Is.True, "the hook saw the spool file");
        Assert.That(store.Saved, Is.Empty);
        Assert.That(SpoolFiles(), Is.Empty);
    }

    [Test]
    public async Task Past_the_size_limit_the_spool_file_goes_at_once_and_the_answer_is_552()
    {
        var store = new RecordingStore(_dir);
        await using var h = await SmtpSessionHarness.StartAsync(Options(store, maxSize: 4 * Threshold));
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        var message = Exact(8 * Threshold);
        await h.SendRawAsync(message[..(3 * Threshold)]);
        await WaitForAsync(() => SpoolFiles().Length == 1, "a spool file while the message arrives");
        await h.SendRawAsync(message[(3 * Threshold)..]);
        await h.SendRawAsync(".\r\n");
        await h.ExpectAsync(552);
        Assert.That(store.Saved, Is.Empty);
        Assert.That(SpoolFiles(), Is.Empty);
    }

    [Test]
    public async Task A_client_that_leaves_mid_data_leaves_no_spool_file()
    {
        var store = new RecordingStore(_dir);
        var h = await SmtpSessionHarness.StartAsync(Options(store));
        await using (h)
        {
            await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
            await h.CommandAsync("RCPT TO:<b@example.org>", 250);
            await h.CommandAsync("DATA", 354);
            await h.SendRawAsync(Exact(3 * Threshold));
            await WaitForAsync(() => SpoolFiles().Length == 1, "a spool file while the message arrives");
            await h.Client.DisposeAsync();
            await h.Run.WaitAsync(SmtpSessionHarness.Timeout);
        }
        Assert.That(store.Saved, Is.Empty);
        Assert.That(SpoolFiles(), Is.Empty);
    }

    [Test]
    public async Task The_in_memory_store_keeps_messages_in_memory_so_nothing_is_spooled()
    {
        var store = new InMemoryMessageStore();
        await using var h = await SmtpSessionHarness.StartAsync(new SmtpServerOptions { Store = store, Limits = { SpoolThreshold = Threshold } });
        var message = Exact(3 * Threshold);
        Assert.That((await SendAsync(h, message)).Code, Is.EqualTo(250));
        Assert.That(store.Messages.Single().Content.IsSpooled, Is.False);
        Assert.That(store.Messages.Single().Raw.ToArray(), Is.EqualTo(message));
    }

    [Test]
    public async Task The_sqlite_store_moves_the_spool_file_into_place_and_indexes_it_from_the_file()
    {
        await using var mail = await SqliteMailStore.OpenAsync(_dir, new SqliteMailStoreOptions { InlineLimit = Threshold });
        await using var h = await SmtpSessionHarness.StartAsync(new SmtpServerOptions
        {
            Store = new MailStoreSmtpStore(mail),
            Limits = { SpoolThreshold = Threshold },
        });
        var message = Exact(5 * Threshold, "from the spool");
        Assert.That((await SendAsync(h, message)).Code, Is.EqualTo(250));
        var summary = (await mail.ListAsync(new MailQuery())).Messages.Single();
        Assert.That(summary.Subject, Is.EqualTo("from the spool"));
        Assert.That(summary.Size, Is.EqualTo(message.Length));
        await using (var raw = (await mail.OpenRawAsync(summary.Id))!)
        {
            using var copy = new MemoryStream();
            await raw.CopyToAsync(copy);
            Assert.That(copy.ToArray(), Is.EqualTo(message));
        }
        Assert.That(Directory.GetFiles(Path.Combine(_dir, "messages")).Select(Path.GetFileName), Is.EqualTo(new[] { summary.Id + ".eml" }));
        Assert.That((await mail.ListAsync(new MailQuery("wordinthebody"))).Messages.Select(m => m.Id), Is.EqualTo(new[] { summary.Id }));
    }

    [Test]
    public async Task A_spool_file_left_by_a_crash_is_never_a_message_and_is_swept_at_start()
    {
        var files = Path.Combine(_dir, "messages");
        Directory.CreateDirectory(files);
        var leftover = Path.Combine(files, ".spool-1-1-1.tmp");
        await File.WriteAllBytesAsync(leftover, Exact(2 * Threshold)[..Threshold]); // half a message
        await using var mail = await SqliteMailStore.OpenAsync(_dir);
        Assert.That((await mail.GetStatsAsync()).Messages, Is.Zero);
        Assert.That(File.Exists(leftover), Is.False, "the start-up sweep should remove the crash's spool file");
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + SmtpSessionHarness.Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("timed out waiting for " + what);
            await Task.Delay(10);
        }
    }
}
