using System.Security.Cryptography;
using Protocols.Servers.Testing;

namespace Protocols.Tests.Ftp;

/// <summary>proto ftp put/get/ls/mv/rm/mkdir/rmdir against an FtpTestServer, in process.</summary>
public class FtpCliTests
{
    private static Task<int> Proto(params string[] args) => Protocols.Cli.ProtoCommand.RunAsync(args).WaitAsync(TimeSpan.FromSeconds(30));

    [Test]
    public async Task Verbs_round_trip()
    {
        var dir = Directory.CreateTempSubdirectory("ftp-cli-").FullName;
        try
        {
            await using var server = await FtpTestServer.StartAsync(o => o.Tls = true).WaitAsync(TimeSpan.FromSeconds(10));
            var url = $"ftp://user:pass@127.0.0.1:{server.Port}";
            var data = RandomNumberGenerator.GetBytes(200_000);
            var local = Path.Combine(dir, "f.bin");
            await File.WriteAllBytesAsync(local, data);

            Assert.That(await Proto("ftp", "mkdir", url + "/a/b"), Is.Zero);
            Assert.That(await Proto("ftp", "put", local, url + "/a/b/", "--starttls", "-k"), Is.Zero);
            Bytes.AssertSame(data, await server.ReadFileAsync("/a/b/f.bin"));
            var got = Path.Combine(dir, "got.bin");
            Assert.That(await Proto("ftp", "get", $"ftps://user:pass@127.0.0.1:{server.ImplicitTlsPort}/a/b/f.bin", "-k", "-o", got), Is.Zero);
            Bytes.AssertSame(data, await File.ReadAllBytesAsync(got));
            Assert.That(await Proto("ftp", "mv", url + "/a/b/f.bin", "/a/g.bin"), Is.Zero);
            Assert.That(await server.ExistsAsync("/a/g.bin"), Is.True);
            Assert.That(await Proto("ftp", "rmdir", url + "/a/b"), Is.Zero);
            Assert.That(await Proto("ftp", "ls", url + "/a"), Is.Zero);
            Assert.That(await Proto("ftp", "get", "-r", url + "/a", "-o", Path.Combine(dir, "tree")), Is.Zero);
            Bytes.AssertSame(data, await File.ReadAllBytesAsync(Path.Combine(dir, "tree", "g.bin")));
            Assert.That(await Proto("ftp", "rm", url + "/missing"), Is.EqualTo(1));
            Assert.That(await Proto("ftp", "rm", "-r", url + "/a"), Is.Zero);
            Assert.That(await server.ExistsAsync("/a"), Is.False);
            Assert.That(await Proto("ftp", "ls", "http://example"), Is.EqualTo(2));
            Assert.That(await Proto("ftp", "get", $"ftp://user:wrong@127.0.0.1:{server.Port}/x"), Is.EqualTo(1));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
