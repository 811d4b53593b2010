using Microsoft.Data.Sqlite;
using Npgsql;
using Protocols.Servers.Mail;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Smtp;

/// <summary>A store with no room left (a full disk, a quota) gets 452 4.3.1, any other store failure 451 4.3.0; the
/// session goes on either way.</summary>
public class StorageFullTests
{
    private static async Task<Protocols.Lines.Reply> SendThroughAsync(IMessageStore store)
    {
        await using var h = await SmtpSessionHarness.StartAsync(new SmtpServerOptions { Store = store });
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await h.CommandAsync("RCPT TO:<b@example.org>", 250);
        await h.CommandAsync("DATA", 354);
        await h.SendRawAsync("x\r\n.\r\n");
        var reply = await h.ReadAsync();
        await h.CommandAsync("MAIL FROM:<a@example.org>", 250); // the transaction was reset, the session goes on
        return reply;
    }

    [Test]
    public async Task ANoSpaceIOExceptionGets452()
    {
        var reply = await SendThroughAsync(new DelegateMessageStore((_, _) => throw new IOException("No space left on device", 28)));
        Assert.That((reply.Code, reply.Text), Is.EqualTo((452, "Insufficient system storage")));
        Assert.That(reply.EnhancedCode?.ToString(), Is.EqualTo("4.3.1"));
    }

    [Test]
    public async Task AStorageFullExceptionGets452()
    {
        var reply = await SendThroughAsync(new DelegateMessageStore((_, _) => throw new StorageFullException("quota")));
        Assert.That((reply.Code, reply.Text), Is.EqualTo((452, "Insufficient system storage")));
        Assert.That(reply.EnhancedCode?.ToString(), Is.EqualTo("4.3.1"));
    }

    [Test]
    public async Task AnyOtherIOExceptionStill451()
    {
        var reply = await SendThroughAsync(new DelegateMessageStore((_, _) => throw new IOException("Input/output error", 5)));
        Assert.That((reply.Code, reply.Text), Is.EqualTo((451, "Local error in processing")));
        Assert.That(reply.EnhancedCode?.ToString(), Is.EqualTo("4.3.0"));
    }

    [Test]
    public void TheEnginesDiskFullErrorsAreKnown()
    {
        Assert.That(MailStoreSmtpStore.IsDiskFull(new SqliteException("database or disk is full", 13)), Is.True);
        Assert.That(MailStoreSmtpStore.IsDiskFull(new InvalidOperationException("commit", new SqliteException("full", 13))), Is.True);
        Assert.That(MailStoreSmtpStore.IsDiskFull(new PostgresException("could not extend file", "ERROR", "ERROR", "53100")), Is.True);
        Assert.That(MailStoreSmtpStore.IsDiskFull(new SqliteException("database is locked", 5)), Is.False);
        Assert.That(MailStoreSmtpStore.IsDiskFull(new PostgresException("unique violation", "ERROR", "ERROR", "23505")), Is.False);
        Assert.That(StorageFullException.IsFull(new InvalidOperationException("x", new IOException("quota", 122))), Is.True);
        Assert.That(StorageFullException.IsFull(new IOException("eio", 5)), Is.False);
    }
}
