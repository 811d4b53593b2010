using System.Text;
using Protocols.Servers.Lines;

namespace Protocols.Tests.Smtp;

/// <summary>Each captured message gets the session's opening and its own transaction, whatever came before it.</summary>
public class SessionTranscriptTests
{
    private static void Transaction(SessionTranscript transcript, int n)
    {
        transcript.Client(Encoding.UTF8.GetBytes($"MAIL FROM:<m{n}@example.org>"));
        transcript.Server("250 ok"u8);
        transcript.Client("DATA"u8);
        transcript.Server("354 go"u8);
    }

    [Test]
    public void EachMessageKeepsTheOpeningAndOnlyItsOwnTransaction()
    {
        var transcript = new SessionTranscript();
        transcript.Server("220 hi"u8);
        transcript.Client("EHLO client.test"u8);
        transcript.Server("250 hello"u8);
        Transaction(transcript, 1);
        var first = transcript.TakeForMessage();
        transcript.Server("250 queued as m1"u8);
        Transaction(transcript, 2);
        var second = transcript.TakeForMessage();

        Assert.That(first, Is.EqualTo("S: 220 hi\r\nC: EHLO client.test\r\nS: 250 hello\r\nC: MAIL FROM:<m1@example.org>\r\nS: 250 ok\r\nC: DATA\r\nS: 354 go\r\n"));
        Assert.That(second, Is.EqualTo("S: 220 hi\r\nC: EHLO client.test\r\nS: 250 hello\r\n... (1 earlier message of this session left out)\r\n"
            + "S: 250 queued as m1\r\nC: MAIL FROM:<m2@example.org>\r\nS: 250 ok\r\nC: DATA\r\nS: 354 go\r\n"));
    }

    [Test]
    public void TheCapAppliesPerMessageNotPerSession()
    {
        var transcript = new SessionTranscript();
        transcript.Client("EHLO client.test"u8);
        string last = "";
        // 1,000 transactions of about 100 characters: 100 KB of session, past the 32 KiB cap.
        for (var i = 0; i < 1000; i++)
        {
            Transaction(transcript, i);
            last = transcript.TakeForMessage();
        }
        Assert.That(last, Does.Contain("C: MAIL FROM:<m999@example.org>").And.Contain("999 earlier messages").And.Not.Contain("transcript cut"));
        Assert.That(last, Has.Length.LessThan(300));
    }

    [Test]
    public void OneMessagePastTheCapIsCut()
    {
        var transcript = new SessionTranscript();
        transcript.Client("EHLO client.test"u8);
        transcript.Client("MAIL FROM:<a@example.org>"u8);
        var line = new string('x', 1000);
        for (var i = 0; i < SessionTranscript.MaxLength / 1000 + 1; i++) transcript.Client(line);
        var text = transcript.TakeForMessage();
        Assert.That(text, Does.EndWith($"... (transcript cut at {SessionTranscript.MaxLength} characters)\r\n"));
        Assert.That(text, Has.Length.LessThanOrEqualTo(SessionTranscript.MaxLength + 64));
    }
}
