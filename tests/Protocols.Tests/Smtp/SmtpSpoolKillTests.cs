using Protocols.Servers.Mail.Sqlite;
using Protocols.Tests.Hardening;

namespace Protocols.Tests.Smtp;

/// <summary>
/// kill -9 of <c>proto smtp serve --store DIR</c> while a large message is being spooled into the store's directory:
/// after the kill the store shows only the message acknowledged before (byte-exact, its spool moved into place as its
/// file), never the half message, and opening the store sweeps the half spool file away.
/// </summary>
[Category("Slow")]
public class SmtpSpoolKillTests
{
    [Test]
    public async Task Kill_9_mid_spool_leaves_no_half_message_visible_and_the_spool_is_swept()
    {
        var dir = Directory.CreateTempSubdirectory("proto-spool-kill-").FullName;
        try
        {
            var whole = SmtpSpoolTests.Exact(3 * 1024 * 1024, "acknowledged");
            var half = SmtpSpoolTests.Exact(6 * 1024 * 1024, "half");
            var files = Path.Combine(dir, "messages");
            await using (var server = await ServerProcess.StartSmtpStoreAsync(dir))
            {
                await using (var wire = await SmtpWire.OpenAsync(server.EndPoint))
                {
                    Assert.That((await wire.SendMessageAsync("a@kill.test", "b@kill.test", whole)).Code, Is.EqualTo(250));
                }
                var cut = SmtpWire.DotStuff(half)[..(4 * 1024 * 1024)];
                await using var partial = await SmtpWire.OpenAsync(server.EndPoint);
                await partial.CommandAsync("MAIL FROM:<a@kill.test>", 250);
                await partial.CommandAsync("RCPT TO:<b@kill.test>", 250);
                await partial.CommandAsync("DATA", 354);
                await partial.SendRawAsync(cut);
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                while (!Directory.GetFiles(files, ".spool-*").Any(f => new FileInfo(f).Length > 1024 * 1024))
                {
                    if (DateTime.UtcNow > deadline) Assert.Fail("no spool file past 1 MiB appeared for the message in flight");
                    await Task.Delay(20);
                }
                server.Kill();
            }
            Assert.That(Directory.GetFiles(files, ".spool-*"), Is.Not.Empty, "the kill left the half spool file (what the sweep must remove)");
            await using var store = await SqliteMailStore.OpenAsync(dir);
            var stored = (await store.ListAsync(new Protocols.Servers.Mail.MailQuery())).Messages;
            Assert.That(stored.Select(m => m.Subject), Is.EqualTo(new[] { "acknowledged" }), "only the acknowledged message is visible");
            await using (var raw = (await store.OpenRawAsync(stored[0].Id))!)
            {
                using var copy = new MemoryStream();
                await raw.CopyToAsync(copy);
                Assert.That(copy.ToArray(), Is.EqualTo(whole));
            }
            Assert.That(Directory.GetFiles(files, ".spool-*"), Is.Empty, "opening the store sweeps the crash's spool file");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
