using System.Text;
using Protocols.Servers.Mail;
using Protocols.Servers.Smtp;
using Protocols.Servers.Testing;

namespace Protocols.Tests.Mail;

/// <summary>
/// <see cref="SmtpTestServer.Messages"/> keeps the newest messages as received, bounded by
/// <see cref="SmtpTestMessages.RecentCapacity"/> messages and <see cref="SmtpTestMessages.RecentMaxBytes"/> bytes: at
/// each limit everything stays, one past it the oldest goes (from the list only: the store keeps every message).
/// </summary>
public class SmtpTestMessagesLimitTests
{
    private static readonly Dictionary<string, string?> None = [];

    private static ReceivedMessage Received(string id, byte[] raw) =>
        new(id, new SmtpEnvelope("a@example.org", None, [new SmtpRecipient("b@example.org", None)]), raw, DateTimeOffset.UtcNow);

    private static byte[] Small(string id) => Encoding.ASCII.GetBytes($"Subject: {id}\r\n\r\nx\r\n");

    /// <summary>Exactly <paramref name="size"/> bytes: a header and a body of x lines.</summary>
    private static byte[] OfSize(int size)
    {
        var raw = new byte[size];
        "Subject: big\r\n\r\n"u8.CopyTo(raw);
        raw.AsSpan(16).Fill((byte)'x');
        raw[^2] = (byte)'\r';
        raw[^1] = (byte)'\n';
        return raw;
    }

    [Test]
    public async Task At_1000_messages_all_stay_one_past_the_oldest_goes_from_the_list_not_the_store()
    {
        await using var mail = await MailStores.OpenAsync(null);
        using var messages = new SmtpTestMessages(mail);
        for (var i = 0; i < SmtpTestMessages.RecentCapacity; i++) await messages.SaveAsync(Received("m" + i, Small("m" + i)), CancellationToken.None);
        Assert.That(messages.Recent, Has.Count.EqualTo(1000));
        Assert.That(messages.Recent[0].Id, Is.EqualTo("m0"));

        await messages.SaveAsync(Received("m1000", Small("m1000")), CancellationToken.None);
        Assert.That(messages.Recent, Has.Count.EqualTo(1000));
        Assert.That(messages.Recent[0].Id, Is.EqualTo("m1"), "the oldest went");
        Assert.That(messages.Recent[^1].Id, Is.EqualTo("m1000"));
        Assert.That((await mail.GetStatsAsync()).Messages, Is.EqualTo(1001), "the store keeps every message");
        Assert.That((await messages.WaitAsync(m => m.Id == "m0", TimeSpan.FromSeconds(10), CancellationToken.None)).Id, Is.EqualTo("m0"),
            "a wait still finds the one the list dropped, read back from the store");
    }

    [Test]
    public async Task At_64_MiB_all_stay_one_byte_past_the_oldest_goes()
    {
        await using var mail = await MailStores.OpenAsync(null);
        using var messages = new SmtpTestMessages(mail);
        const int mib = 1024 * 1024;
        var count = (int)(SmtpTestMessages.RecentMaxBytes / mib);
        for (var i = 0; i < count; i++) await messages.SaveAsync(Received("b" + i, OfSize(mib)), CancellationToken.None);
        Assert.That(messages.Recent, Has.Count.EqualTo(64), "64 x 1 MiB is exactly the limit");
        Assert.That(messages.Recent.Sum(m => (long)m.Raw.Length), Is.EqualTo(SmtpTestMessages.RecentMaxBytes));

        await messages.SaveAsync(Received("one-byte", "x"u8.ToArray()), CancellationToken.None);
        Assert.That(messages.Recent.Select(m => m.Id), Is.EqualTo(Enumerable.Range(1, count - 1).Select(i => "b" + i).Append("one-byte")),
            "one byte past: the oldest went, the rest stayed");
        Assert.That((await mail.GetStatsAsync()).Messages, Is.EqualTo(count + 1));
    }
}
