using System.Text;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Smtp;

/// <summary>
/// A large message kept by a store that keeps messages in memory is handed over in the buffer's own chunks (no copy
/// into one array): the bytes, the stream, the headers and the joined <see cref="ReceivedMessage.Raw"/> are the ones
/// sent, at one chunk (one exact array, as before), one byte past it (two blocks, the last one copied small) and
/// with the last chunk more than half full; a store with a spool directory still gets one block.
/// </summary>
public class SmtpLargeMessageTests
{
    private static string Message(int size)
    {
        var text = new StringBuilder("Subject: large\r\nX-Size: ").Append(size).Append("\r\n\r\n");
        for (var i = 0; text.Length < size - 2; i++) text.Append(i % 10);
        text.Length = size - 2;
        return text.Append("\r\n").ToString();
    }

    private static async Task<ReceivedMessage> SendAsync(SmtpSessionHarness h, string body)
    {
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync(body + ".\r\n");
        await h.ExpectAsync(250);
        return h.Store.Messages[^1];
    }

    private static string ReadAll(ReceivedMessage message)
    {
        using var stream = message.OpenRead();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [TestCase(MessageBuffer.ChunkSize, false, TestName = "OneChunkIsOneArray")]
    [TestCase(MessageBuffer.ChunkSize + 1, true, TestName = "OneBytePastAChunkIsKeptInBlocks")]
    [TestCase(2 * MessageBuffer.ChunkSize - 10, true, TestName = "LastChunkMoreThanHalfFull")]
    [TestCase(5 * MessageBuffer.ChunkSize + 77, true, TestName = "ManyChunks")]
    public async Task InMemoryStoreKeepsTheMessageAsSent(int size, bool inBlocks)
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        var body = Message(size);
        var message = await SendAsync(h, body);
        Assert.That(message.Size, Is.EqualTo(size));
        Assert.That(message.Content.IsContiguous, Is.EqualTo(!inBlocks));
        Assert.That(ReadAll(message), Is.EqualTo(body));
        Assert.That(message.GetHeader("X-Size"), Is.EqualTo(size.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(message.Content.IsContiguous, Is.EqualTo(!inBlocks), "reading the stream and the headers joins nothing");
        Assert.That(message.RawText, Is.EqualTo(body));
        Assert.That(message.Content.IsContiguous, Is.True);
        Assert.That(ReadAll(message), Is.EqualTo(body));
    }

    [Test]
    public async Task NextMessagesOfTheSessionAreTheirOwn()
    {
        await using var h = await SmtpSessionHarness.StartAsync();
        var large = Message(3 * MessageBuffer.ChunkSize + 5);
        var other = Message(3 * MessageBuffer.ChunkSize + 5).Replace('1', '7');
        var first = await SendAsync(h, large);
        var second = await SendAsync(h, other);
        var small = await SendAsync(h, Message(300));
        Assert.That(ReadAll(first), Is.EqualTo(large));
        Assert.That(ReadAll(second), Is.EqualTo(other));
        Assert.That(small.RawText, Is.EqualTo(Message(300)));
    }

    [Test]
    public async Task StoreWithASpoolDirectoryGetsOneBlock()
    {
        var seen = new List<(bool Contiguous, string Text)>();
        var store = new DelegateMessageStore((m, _) =>
        {
            seen.Add((m.Content.IsContiguous, m.RawText));
            return ValueTask.CompletedTask;
        });
        await using var h = await SmtpSessionHarness.StartAsync(new SmtpServerOptions { Store = store });
        var body = Message(2 * MessageBuffer.ChunkSize + 3);
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync(body + ".\r\n");
        await h.ExpectAsync(250);
        Assert.That(seen, Is.EqualTo(new[] { (true, body) }));
    }
}
