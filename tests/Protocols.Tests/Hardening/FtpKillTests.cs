using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Protocols.Tests.Hardening;

/// <summary>
/// kill -9 of <c>proto ftp serve</c> in the middle of an upload load: every file whose 226 the client saw is on disk
/// byte-exact, and no file is shown under its name unless it is complete (partial uploads live under a temporary
/// name). After a restart on the same root the server takes uploads again. <c>PROTOCOLS_KILL_FILES</c> sets the load.
/// </summary>
[Category("Slow")] // kill -9, browser, packaging or load: `dotnet test --filter "TestCategory!=Slow"` runs the fast suite
public class FtpKillTests
{
    private const int Workers = 8;

    [Test]
    public async Task Kill_9_mid_upload_load_loses_no_acknowledged_file_and_shows_no_partial_one()
    {
        var planned = HardeningReport.Count("PROTOCOLS_KILL_FILES", 300);
        var root = Directory.CreateTempSubdirectory("proto-ftp-kill-").FullName;
        try
        {
            var files = Enumerable.Range(0, planned).Select(Content).ToArray();
            var acknowledged = new ConcurrentDictionary<int, bool>();
            var watch = Stopwatch.StartNew();
            await using (var server = await ServerProcess.StartFtpAsync(root))
            {
                var next = -1;
                var killed = 0;
                var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
                {
                    try
                    {
                        await using var wire = await FtpWire.LoginAsync(server.Port);
                        await wire.CommandAsync("TYPE I", 200);
                        int i;
                        while ((i = Interlocked.Increment(ref next)) < planned)
                        {
                            var port = await wire.PassiveAsync();
                            await wire.SendAsync($"STOR /f{i}.bin");
                            await using (var data = await FtpWire.ConnectFromAsync(IPAddress.Loopback, port))
                            {
                                await data.Writer.WriteAsync(files[i]).AsTask().WaitAsync(FtpWire.Wait);
                                await data.CloseAsync().AsTask().WaitAsync(FtpWire.Wait);
                            }
                            var reply = await wire.TransferReplyAsync();
                            if (reply.Code != 226) Assert.Fail($"upload {i} got {reply}");
                            acknowledged[i] = true;
                            if (acknowledged.Count >= planned / 2 && Interlocked.Exchange(ref killed, 1) == 0) server.Kill();
                        }
                    }
                    catch (Exception e) when (Volatile.Read(ref killed) == 1 && e is IOException or SocketException)
                    {
                        // the server was killed under this session: expected, the check is on the disk
                    }
                })).ToArray();
                await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(10));
                Assert.That(killed, Is.EqualTo(1), "the load ended before the kill");
            }
            var elapsed = watch.Elapsed;

            var hashes = files.Select(f => Convert.ToHexString(SHA256.HashData(f))).ToArray();
            var intact = new HashSet<int>();
            var partial = 0;
            foreach (var path in Directory.EnumerateFiles(root).Where(p => !Path.GetFileName(p).StartsWith('.')))
            {
                var i = int.Parse(Path.GetFileNameWithoutExtension(path)[1..], System.Globalization.CultureInfo.InvariantCulture);
                if (Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))) == hashes[i]) intact.Add(i);
                else
                {
                    partial++;
                    TestContext.Out.WriteLine($"partial under its final name: {Path.GetFileName(path)} ({new FileInfo(path).Length} of {files[i].Length} bytes)");
                }
            }
            var temporary = Directory.EnumerateFiles(root).Count(p => Path.GetFileName(p).StartsWith('.'));
            var lost = acknowledged.Keys.Count(i => !intact.Contains(i));
            HardeningReport.Row(HardeningReport.Fault, $"kill -9 of proto ftp serve mid-upload ({planned} planned)", acknowledged.Count, lost + partial, elapsed,
                $"{acknowledged.Count} acknowledged, {intact.Count} intact, {partial} partial shown as complete, {temporary} temp uploads left");
            Assert.That(partial, Is.Zero, "a partial upload is shown under its final name");
            Assert.That(lost, Is.Zero, "acknowledged uploads missing or altered");

            await using var restarted = await ServerProcess.StartFtpAsync(root);
            await using var again = await FtpWire.LoginAsync(restarted.Port);
            await again.CommandAsync("TYPE I", 200);
            var dataPort = await again.PassiveAsync();
            await again.SendAsync("STOR /after.bin");
            await using (var data = await FtpWire.ConnectFromAsync(IPAddress.Loopback, dataPort))
            {
                await data.Writer.WriteAsync(files[0]).AsTask().WaitAsync(FtpWire.Wait);
                await data.CloseAsync().AsTask().WaitAsync(FtpWire.Wait);
            }
            Assert.That((await again.TransferReplyAsync()).Code, Is.EqualTo(226));
            Assert.That(File.ReadAllBytes(Path.Combine(root, "after.bin")), Is.EqualTo(files[0]));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static byte[] Content(int i)
    {
        var bytes = new byte[16_384 + i * 37 % 65_536];
        new Random(i).NextBytes(bytes);
        return bytes;
    }
}
