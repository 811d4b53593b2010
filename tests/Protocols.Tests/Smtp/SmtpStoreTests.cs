using System.Net;
using System.Text;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Smtp;

public class SmtpStoreTests
{
    private static ReceivedMessage Message(string id, string body = "x\r\n") =>
        new(id, new SmtpEnvelope("a@example.org", new Dictionary<string, string?>(), [new SmtpRecipient("b@example.org", new Dictionary<string, string?>())]),
            Encoding.UTF8.GetBytes(body), DateTimeOffset.UtcNow, new IPEndPoint(IPAddress.Loopback, 1));

    [Test]
    public async Task InMemoryStoreCapacityKeepsTheNewest()
    {
        var store = new InMemoryMessageStore(capacity: 2);
        for (var i = 0; i < 3; i++) await store.SaveAsync(Message($"m{i}"), CancellationToken.None);
        Assert.That(store.Messages.Select(m => m.Id), Is.EqualTo(new[] { "m1", "m2" }));
        Assert.That(store.TotalCount, Is.EqualTo(3));
    }

    [Test]
    public async Task WaitForMessageSeesPastAndFutureMessages()
    {
        var store = new InMemoryMessageStore();
        await store.SaveAsync(Message("first"), CancellationToken.None);
        Assert.That((await store.WaitForMessageAsync(m => m.Id == "first", TimeSpan.FromSeconds(5))).Id, Is.EqualTo("first"));
        var waiting = store.WaitForMessageAsync(m => m.Id == "later", TimeSpan.FromSeconds(10));
        Assert.That(waiting.IsCompleted, Is.False);
        await store.SaveAsync(Message("other"), CancellationToken.None);
        await store.SaveAsync(Message("later"), CancellationToken.None);
        Assert.That((await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Id, Is.EqualTo("later"));
    }

    [Test]
    public void RejectReasonTableCoversEveryReasonWithAValidReply()
    {
        foreach (var reason in Enum.GetValues<SmtpRejectReason>())
        {
            var e = SmtpRejectReasons.Get(reason);
            Assert.That(e.Code, Is.InRange(400, 599), reason.ToString());
            Assert.That(e.Enhanced, Does.Match(@"^[45]\.\d{1,3}\.\d{1,3}$"), reason.ToString());
            Assert.That(e.Enhanced![0] - '0', Is.EqualTo(e.Code / 100), $"{reason}: class of the enhanced code matches the reply");
        }
    }

    [Test]
    public void LimitsValidateTheirSetters()
    {
        var limits = new SmtpServerLimits();
        Assert.That(limits.MaxCommandLineLength, Is.EqualTo(512));
        Assert.That(limits.MaxTextLineLength, Is.EqualTo(1000));
        Assert.That(limits.MaxRecipients, Is.EqualTo(100));
        Assert.That(limits.CommandTimeout, Is.EqualTo(TimeSpan.FromMinutes(5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => limits.MaxRecipients = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => limits.CommandTimeout = TimeSpan.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => limits.MaxMessageSize = -1);
    }
}
