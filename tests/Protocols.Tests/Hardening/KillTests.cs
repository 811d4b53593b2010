using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Protocols.Net;

namespace Protocols.Tests.Hardening;

/// <summary>
/// kill -9 of an SMTP server storing to a directory (the SQLite mail store) in the middle of a message load: every
/// message whose 250 the client saw is in the store and byte-exact; no stored message is a half-written one; after a
/// restart on the same directory the server serves and stores again. <c>PROTOCOLS_KILL_MESSAGES</c> sets the load (500 here; the report script runs 10,000).
/// </summary>
[Category("Slow")] // kill -9, browser, packaging or load: `dotnet test --filter "TestCategory!=Slow"` runs the fast suite
public class KillTests
{
    private const int Workers = 8;

    [Test]
    public async Task Kill_9_mid_load_loses_no_acknowledged_message_and_shows_no_torn_file()
    {
        var planned = HardeningReport.Count("PROTOCOLS_KILL_MESSAGES", 500);
        var dir = Directory.CreateTempSubdirectory("proto-kill-").FullName;
        try
        {
            var messages = Enumerable.Range(0, planned).Select(Message).ToArray();
            var acknowledged = new ConcurrentDictionary<int, bool>();
            var watch = Stopwatch.StartNew();
            string description;
            var killedAt = 0;
            await using (var server = await ServerProcess.StartSmtpStoreAsync(dir))
            {
                description = server.Description;
                var next = -1;
                var killed = 0;
                var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
                {
                    try
                    {
                        await using var wire = await SmtpWire.OpenAsync(server.EndPoint);
                        int i;
                        while ((i = Interlocked.Increment(ref next)) < planned)
                        {
                            var reply = await wire.SendMessageAsync($"k{i}@kill.test", "sink@kill.test", messages[i]);
                            if (reply.Code != 250) Assert.Fail($"message {i} got {reply}");
                            acknowledged[i] = true;
                            if (acknowledged.Count >= planned / 2 && Interlocked.Exchange(ref killed, 1) == 0)
                            {
                                killedAt = acknowledged.Count;
                                server.Kill();
                            }
                        }
                    }
                    catch (IOException) when (Volatile.Read(ref killed) == 1)
                    {
                        // the server was killed under this session: expected, the check is on the disk
                    }
                })).ToArray();
                await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(10));
                Assert.That(killed, Is.EqualTo(1), "the load ended before the kill");
            }
            var elapsed = watch.Elapsed;

            var (intact, torn, temporary) = await InspectAsync(dir, messages);
            var (_, _, uidNextAfterKill, _, _) = await ReadStoreWithUidsAsync(dir);
            var lost = acknowledged.Keys.Count(i => !intact.Contains(i));
            HardeningReport.Row(HardeningReport.Fault, $"kill -9 of the SMTP server mid-load ({planned} planned)", acknowledged.Count, lost + torn, elapsed,
                $"{acknowledged.Count} acknowledged, {intact.Count} intact in the store, {torn} torn, {temporary} stored but never acknowledged; {description}");
            Assert.That(torn, Is.Zero, "a half-written file is presented as a message");
            Assert.That(lost, Is.Zero, "acknowledged messages missing or altered on disk");
            Assert.That(acknowledged.Count, Is.GreaterThanOrEqualTo(killedAt));

            // Restart on the same directory: it serves and stores again.
            await using var restarted = await ServerProcess.StartSmtpStoreAsync(dir);
            await using (var wire = await SmtpWire.OpenAsync(restarted.EndPoint))
            {
                var after = Encoding.ASCII.GetBytes("Subject: after restart\r\nX-Kill-Id: restart\r\n\r\nstill serving\r\n");
                Assert.That((await wire.SendMessageAsync("r@kill.test", "sink@kill.test", after)).Code, Is.EqualTo(250));
                var (_, _, _, bodies, newest) = await ReadStoreWithUidsAsync(dir);
                Assert.That(bodies.Any(b => b.AsSpan().SequenceEqual(after)), Is.True, "the message sent after the restart is not in the store");
                Assert.That(newest, Is.GreaterThanOrEqualTo(uidNextAfterKill), "the message after the restart got a UID not used before");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static byte[] Message(int i)
    {
        var random = new Random(i);
        var body = new StringBuilder();
        for (var line = 0; line < 40; line++)
        {
            var bytes = new byte[57];
            random.NextBytes(bytes);
            body.Append(Convert.ToBase64String(bytes)).Append("\r\n");
        }
        return Encoding.ASCII.GetBytes($"Subject: kill {i}\r\nX-Kill-Id: {i}\r\n\r\n{body}.leading dot\r\nEND {i}\r\n");
    }

    /// <summary>Which messages are in the store byte-exact; how many stored messages are not exactly one of the messages;
    /// how many are intact but were never acknowledged (in flight at the kill: allowed).</summary>
    private static async Task<(HashSet<int> Intact, int Torn, int Temporary)> InspectAsync(string dir, byte[][] messages)
    {
        var byHash = new Dictionary<string, int>();
        for (var i = 0; i < messages.Length; i++) byHash[Convert.ToHexString(SHA256.HashData(messages[i]))] = i;
        var intact = new HashSet<int>();
        var torn = 0;
        var (_, _, _, bodies) = await ReadStoreAsync(dir);
        foreach (var body in bodies)
        {
            if (byHash.TryGetValue(Convert.ToHexString(SHA256.HashData(body)), out var i)) intact.Add(i);
            else
            {
                torn++;
                TestContext.Out.WriteLine($"torn: {body.Length} bytes");
            }
        }
        return (intact, torn, 0);
    }

    /// <summary>Opens the store the server left (after the kill, so a recovery of its WAL) and reads every message.</summary>
    private static async Task<(int Count, long Bytes, long Uidnext, List<byte[]> Bodies)> ReadStoreAsync(string dir)
    {
        var (count, bytes, uidNext, bodies, _) = await ReadStoreWithUidsAsync(dir);
        return (count, bytes, uidNext, bodies);
    }

    /// <summary>As <see cref="ReadStoreAsync"/>, with the highest stored UID, which must be below the INBOX's UIDNEXT (the
    /// writer gives UIDs from it, in the commit: a kill between two commits must not make it hand one out twice).</summary>
    private static async Task<(int Count, long Bytes, long Uidnext, List<byte[]> Bodies, long MaxUid)> ReadStoreWithUidsAsync(string dir)
    {
        await using var store = await Protocols.Servers.Mail.Sqlite.SqliteMailStore.OpenAsync(dir);
        var bodies = new List<byte[]>();
        long after = 0, maxUid = 0;
        while (true)
        {
            var page = await store.ListByUidAsync("INBOX", after, 1000);
            foreach (var m in page)
            {
                maxUid = Math.Max(maxUid, m.Uid);
                await using var raw = (await store.OpenRawAsync(m.Id))!;
                using var copy = new MemoryStream();
                await raw.CopyToAsync(copy);
                bodies.Add(copy.ToArray());
            }
            if (page.Count < 1000) break;
            after = page[^1].Uid;
        }
        var stats = await store.GetStatsAsync();
        Assert.That(stats.Messages, Is.EqualTo(bodies.Count), "the totals match the rows");
        var uidNext = (await store.GetMailboxAsync("INBOX"))!.UidNext;
        Assert.That(uidNext, Is.GreaterThan(maxUid), "UIDNEXT is past every stored UID");
        // Every envelope names kill.test: every stored message is found by free text, those whose index rows the kill
        // left unwritten too (indexed again at the start).
        Assert.That((await store.ListAsync(new Protocols.Servers.Mail.MailQuery("kill"))).Matched, Is.EqualTo(bodies.Count), "found by free text");
        return (bodies.Count, stats.Bytes, uidNext, bodies, maxUid);
    }
}
