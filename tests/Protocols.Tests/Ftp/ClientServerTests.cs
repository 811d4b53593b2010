using System.Net;
using System.Security.Cryptography;
using Protocols.Ftp;
using Protocols.Net;
using Protocols.Ftp.Listing;
using Protocols.Servers.Testing;

namespace Protocols.Tests.Ftp;

/// <summary>Our client against our server (FtpTestServer, in memory and on disk), plain and TLS, passive and active.</summary>
public class ClientServerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static async Task<FtpClient> ConnectAsync(FtpTestServer server, FtpClientOptions? options = null, string user = "user", string password = "pass")
    {
        var client = new FtpClient("127.0.0.1", server.Port, new NetworkCredential(user, password), options);
        await client.ConnectAsync().WaitAsync(Timeout);
        return client;
    }

    [TestCase(FtpDataMode.AutoPassive, FtpEncryption.None)]
    [TestCase(FtpDataMode.Passive, FtpEncryption.None)]
    [TestCase(FtpDataMode.Active, FtpEncryption.None)]
    [TestCase(FtpDataMode.AutoPassive, FtpEncryption.Explicit)]
    [TestCase(FtpDataMode.Active, FtpEncryption.Explicit)]
    public async Task Upload_list_download_rename_delete(FtpDataMode mode, FtpEncryption encryption)
    {
        await using var server = await FtpTestServer.StartAsync(o => o.Tls = encryption != FtpEncryption.None).WaitAsync(Timeout);
        var transcript = new MemoryProtocolLogger("> ", "< ");
        await using var client = await ConnectAsync(server, new FtpClientOptions
        {
            DataMode = mode, Encryption = encryption, AcceptAnyCertificate = true, ProtocolLogger = transcript,
        });
        Assert.That(client.HasFeature("MLST") && client.HasFeature("HASH") && client.HasFeature("EPSV"), Is.True);
        Assert.That(client.IsTls, Is.EqualTo(encryption != FtpEncryption.None));

        var data = RandomNumberGenerator.GetBytes(700_001);
        await client.CreateDirectoryAsync("/a/b c/d").WaitAsync(Timeout);
        var progress = new List<FtpProgress>();
        await client.UploadAsync(new MemoryStream(data), "/a/b c/d/file.bin", progress: new SyncProgress<FtpProgress>(progress.Add)).WaitAsync(Timeout);
        Bytes.AssertSame(data, await server.ReadFileAsync("/a/b c/d/file.bin"));
        Assert.That(progress[^1].TransferredBytes, Is.EqualTo(data.Length));

        var items = new List<FtpListItem>();
        await foreach (var item in client.GetListingAsync("/a/b c/d").WithCancellation(CancellationToken.None)) items.Add(item);
        Assert.That(items.Single(), Has.Property("Name").EqualTo("file.bin").And.Property("Size").EqualTo(data.Length));

        var down = new MemoryStream();
        await client.DownloadAsync(down, "/a/b c/d/file.bin").WaitAsync(Timeout);
        Bytes.AssertSame(data, down.ToArray());
        var tail = new MemoryStream();
        await client.DownloadAsync(tail, "/a/b c/d/file.bin", offset: 700_000).WaitAsync(Timeout);
        Bytes.AssertSame(data[700_000..], tail.ToArray());

        Assert.That(await client.GetFileSizeAsync("/a/b c/d/file.bin").WaitAsync(Timeout), Is.EqualTo(data.Length));
        Assert.That(await client.GetChecksumAsync("/a/b c/d/file.bin").WaitAsync(Timeout),
            Is.EqualTo(("SHA-256", Convert.ToHexStringLower(SHA256.HashData(data)))));
        await client.RenameAsync("/a/b c/d/file.bin", "/a/renamed.bin").WaitAsync(Timeout);
        Assert.That(await client.FileExistsAsync("/a/renamed.bin").WaitAsync(Timeout), Is.True);
        Assert.That(await client.FileExistsAsync("/a/b c/d/file.bin").WaitAsync(Timeout), Is.False);
        await client.DeleteDirectoryAsync("/a", recursive: true).WaitAsync(Timeout);
        Assert.That(await server.ExistsAsync("/a"), Is.False);
        Assert.That(transcript.Lines, Has.Some.EqualTo("> PASS ****").And.None.Contains("pass\u0000"));
        Assert.That(transcript.ToString(), Does.Not.Contain("PASS pass"));
    }

    [Test]
    public async Task Implicit_tls()
    {
        await using var server = await FtpTestServer.StartAsync(o => o.Tls = true).WaitAsync(Timeout);
        await server.AddFileAsync("/x.txt", "implicit"u8.ToArray());
        var client = new FtpClient("127.0.0.1", server.ImplicitTlsPort, new NetworkCredential("user", "pass"),
            new FtpClientOptions { Encryption = FtpEncryption.Implicit, AcceptAnyCertificate = true });
        await using (client)
        {
            await client.ConnectAsync().WaitAsync(Timeout);
            var down = new MemoryStream();
            await client.DownloadAsync(down, "x.txt").WaitAsync(Timeout);
            Assert.That(down.ToArray(), Is.EqualTo("implicit"u8.ToArray()));
        }
    }

    [TestCase(FtpEncryption.None)]
    [TestCase(FtpEncryption.Explicit)]
    public async Task File_upload_in_sendfile_chunks_whole_and_resumed(FtpEncryption encryption)
    {
        var dir = Directory.CreateTempSubdirectory("ftp-sendfile-").FullName;
        try
        {
            await using var server = await FtpTestServer.StartAsync(o => o.Tls = encryption != FtpEncryption.None).WaitAsync(Timeout);
            await using var client = await ConnectAsync(server, new FtpClientOptions { Encryption = encryption, AcceptAnyCertificate = true });
            var data = RandomNumberGenerator.GetBytes(20 * 1024 * 1024 + 7); // three 8 MiB chunks, the last one short
            var local = Path.Combine(dir, "big.bin");
            await File.WriteAllBytesAsync(local, data);
            var progress = new List<FtpProgress>();
            Assert.That(await client.UploadFileAsync(local, "/big.bin", progress: new SyncProgress<FtpProgress>(progress.Add)).WaitAsync(Timeout), Is.EqualTo(FtpStatus.Success));
            Bytes.AssertSame(data, await server.ReadFileAsync("/big.bin"));
            Assert.That(progress.Count, Is.GreaterThanOrEqualTo(3));
            Assert.That(progress[^1].TransferredBytes, Is.EqualTo(data.Length));

            await server.AddFileAsync("/part.bin", data.AsMemory(0, 9 * 1024 * 1024 + 3));
            Assert.That(await client.UploadFileAsync(local, "/part.bin", FtpExists.Resume, verify: true).WaitAsync(Timeout), Is.EqualTo(FtpStatus.Success));
            Bytes.AssertSame(data, await server.ReadFileAsync("/part.bin"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>A download into a file: on a plain data connection by the receiving thread, over TLS through the reader; whole, then resumed.</summary>
    [TestCase(FtpEncryption.None)]
    [TestCase(FtpEncryption.Explicit)]
    public async Task File_download_in_chunks_whole_and_resumed(FtpEncryption encryption)
    {
        var dir = Directory.CreateTempSubdirectory("ftp-receive-").FullName;
        try
        {
            await using var server = await FtpTestServer.StartAsync(o => o.Tls = encryption != FtpEncryption.None).WaitAsync(Timeout);
            await using var client = await ConnectAsync(server, new FtpClientOptions { Encryption = encryption, AcceptAnyCertificate = true });
            var data = RandomNumberGenerator.GetBytes(20 * 1024 * 1024 + 7); // three 8 MiB chunks, the last one short
            await server.AddFileAsync("/big.bin", data);
            var local = Path.Combine(dir, "big.bin");
            var progress = new List<FtpProgress>();
            Assert.That(await client.DownloadFileAsync(local, "/big.bin", progress: new SyncProgress<FtpProgress>(progress.Add)).WaitAsync(Timeout),
                Is.EqualTo(FtpStatus.Success));
            Bytes.AssertSame(data, await File.ReadAllBytesAsync(local));
            Assert.That(progress.Count, Is.GreaterThanOrEqualTo(3));
            Assert.That(progress[^1].TransferredBytes, Is.EqualTo(data.Length));
            Assert.That(Directory.GetFiles(dir), Is.EqualTo(new[] { local }), "no temporary file left");

            var part = Path.Combine(dir, "part.bin");
            await File.WriteAllBytesAsync(part, data.AsMemory(0, 9 * 1024 * 1024 + 3));
            Assert.That(await client.DownloadFileAsync(part, "/big.bin", FtpExists.Resume, verify: true).WaitAsync(Timeout), Is.EqualTo(FtpStatus.Success));
            Bytes.AssertSame(data, await File.ReadAllBytesAsync(part));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Test]
    public async Task Files_resume_skip_verify_and_directories()
    {
        var dir = Directory.CreateTempSubdirectory("ftp-client-").FullName;
        try
        {
            await using var server = await FtpTestServer.StartAsync().WaitAsync(Timeout);
            await using var client = await ConnectAsync(server);
            var data = RandomNumberGenerator.GetBytes(300_000);
            var local = Path.Combine(dir, "f.bin");
            await File.WriteAllBytesAsync(local, data);

            await server.AddFileAsync("/up/f.bin", data.AsMemory(0, 1000));
            Assert.That(await client.UploadFileAsync(local, "/up/f.bin", FtpExists.Resume, verify: true).WaitAsync(Timeout), Is.EqualTo(FtpStatus.Success));
            Bytes.AssertSame(data, await server.ReadFileAsync("/up/f.bin"));
            Assert.That(await client.UploadFileAsync(local, "/up/f.bin", FtpExists.Skip).WaitAsync(Timeout), Is.EqualTo(FtpStatus.Skipped));
            Assert.That(await client.UploadFileAsync(local, "/up/f.bin", FtpExists.Resume).WaitAsync(Timeout), Is.EqualTo(FtpStatus.Skipped));

            var copy = Path.Combine(dir, "copy.bin");
            await File.WriteAllBytesAsync(copy, data[..5000]);
            Assert.That(await client.DownloadFileAsync(copy, "/up/f.bin", FtpExists.Resume, verify: true).WaitAsync(Timeout), Is.EqualTo(FtpStatus.Success));
            Bytes.AssertSame(data, await File.ReadAllBytesAsync(copy));

            var tree = Path.Combine(dir, "tree");
            Directory.CreateDirectory(Path.Combine(tree, "x", "y"));
            await File.WriteAllTextAsync(Path.Combine(tree, "top.txt"), "top");
            await File.WriteAllTextAsync(Path.Combine(tree, "x", "y", "deep.txt"), "deep");
            var up = await client.UploadDirectoryAsync(tree, "/mirror").WaitAsync(Timeout);
            Assert.That(up.Select(r => r.Status), Is.EqualTo(new[] { FtpStatus.Success, FtpStatus.Success }));
            Assert.That(await server.ReadFileAsync("/mirror/x/y/deep.txt"), Is.EqualTo("deep"u8.ToArray()));
            var back = Path.Combine(dir, "back");
            var downResults = await client.DownloadDirectoryAsync(back, "/mirror").WaitAsync(Timeout);
            Assert.That(downResults, Has.Count.EqualTo(2));
            Assert.That(await File.ReadAllTextAsync(Path.Combine(back, "x", "y", "deep.txt")), Is.EqualTo("deep"));

            await server.AddFileAsync("/bad.bin", data.AsMemory(0, 10));
            var ex = await Assert.ThrowsAsync<FtpCommandException>(async () => await client.DeleteFileAsync("/missing").WaitAsync(Timeout));
            Assert.That(ex!.Code, Is.EqualTo(550));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Test]
    public async Task Bad_login_is_a_typed_error_and_anonymous_cannot_write()
    {
        await using var server = await FtpTestServer.StartAsync().WaitAsync(Timeout);
        var bad = new FtpClient("127.0.0.1", server.Port, new NetworkCredential("user", "wrong"));
        var ex = await Assert.ThrowsAsync<FtpCommandException>(async () => await bad.ConnectAsync().WaitAsync(Timeout));
        Assert.That(ex!.Code, Is.EqualTo(530));
        await using var anonymous = new FtpClient("127.0.0.1", server.Port);
        await anonymous.ConnectAsync().WaitAsync(Timeout);
        var denied = await Assert.ThrowsAsync<FtpCommandException>(async () => await anonymous.UploadAsync(new MemoryStream([1]), "/x").WaitAsync(Timeout));
        Assert.That(denied!.Code, Is.EqualTo(550));
        Assert.That(await server.ExistsAsync("/x"), Is.False);
    }

    [Test]
    public async Task Abandoned_listing_leaves_the_session_usable()
    {
        await using var server = await FtpTestServer.StartAsync().WaitAsync(Timeout);
        for (var i = 0; i < 3000; i++) server.Memory!.AddFile($"/many/file-{i:D5}-with-a-long-name-to-fill-the-buffers.txt", [1]);
        await using var client = await ConnectAsync(server);
        await foreach (var item in client.GetListingAsync("/many"))
        {
            Assert.That(item.Name, Does.StartWith("file-"));
            break;
        }
        Assert.That(await client.GetWorkingDirectoryAsync().WaitAsync(Timeout), Is.EqualTo("/"));
    }

    [Test]
    public async Task Scripted_faults_give_typed_errors()
    {
        await using var server = await FtpTestServer.StartAsync(o =>
        {
            o.Faults.ReplyToStor = (2, 452, "Insufficient storage space.");
            o.Faults.DropDataAfterBytes = 100_000;
        }).WaitAsync(Timeout);
        await using var client = await ConnectAsync(server);
        await client.UploadAsync(new MemoryStream(new byte[10]), "/one").WaitAsync(Timeout);
        var upload = server.WaitForUploadAsync("/one", Timeout);
        Assert.That(await upload, Has.Length.EqualTo(10));
        var ex = await Assert.ThrowsAsync<FtpCommandException>(async () => await client.UploadAsync(new MemoryStream(new byte[10]), "/two").WaitAsync(Timeout));
        Assert.That(ex!.Code, Is.EqualTo(452));
        await server.AddFileAsync("/big", new byte[300_000]);
        var cut = await Assert.ThrowsAsync<FtpCommandException>(async () => await client.DownloadAsync(new MemoryStream(), "/big").WaitAsync(Timeout));
        Assert.That(cut!.Code, Is.EqualTo(426));
        Assert.That(await client.GetFileSizeAsync("/big").WaitAsync(Timeout), Is.EqualTo(300_000));
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
