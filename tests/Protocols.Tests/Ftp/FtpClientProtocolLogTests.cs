using System.Net;
using System.Text;
using Protocols.Ftp;
using Protocols.Net;
using Protocols.Servers.Testing;

namespace Protocols.Tests.Ftp;

/// <summary>The FTP client logs its control connection through the one protocol logger, against the in-process test server.</summary>
public class FtpClientProtocolLogTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(20);
    private const string Password = "pw-4Kq!x";

    [TestCase(FtpEncryption.None)]
    [TestCase(FtpEncryption.Explicit)]
    public async Task Control_lines_both_ways_pass_and_acct_redacted_data_not_logged(FtpEncryption encryption)
    {
        await using var server = await FtpTestServer.StartAsync(o =>
        {
            o.Tls = encryption != FtpEncryption.None;
            o.Users["alice"] = (Password, true);
        }).WaitAsync(T);
        var log = new MemoryProtocolLogger("> ", "< ");
        var content = Encoding.ASCII.GetBytes("file-content-not-in-the-log");
        await using (var client = new FtpClient("127.0.0.1", server.Port, new NetworkCredential("alice", Password),
            new FtpClientOptions { Encryption = encryption, AcceptAnyCertificate = true, ProtocolLogger = log }))
        {
            await client.ConnectAsync().WaitAsync(T);
            await client.UploadAsync(new MemoryStream(content), "/f.txt").WaitAsync(T);
            var refused = await Assert.ThrowsAsync<FtpCommandException>(() => client.ExpectAsync("ACCT acct-" + Password, 230).WaitAsync(T));
            Assert.That(refused!.Message, Does.Contain("ACCT ****").And.Not.Contain(Password), "the exception redacts with the same detector");
            await client.DisconnectAsync().WaitAsync(T);
        }
        Assert.That(await server.ReadFileAsync("/f.txt"), Is.EqualTo(content));

        TestContext.Out.WriteLine(log.ToString());
        var lines = log.Lines;
        Assert.That(log.Connects, Is.EqualTo(new[] { new Uri($"ftp://127.0.0.1:{server.Port}") }));
        Assert.That(lines[1], Does.StartWith("< 220"));
        if (encryption == FtpEncryption.Explicit)
            Assert.That(lines, Has.Some.EqualTo("> AUTH TLS").And.Some.EqualTo("> PROT P"));
        Assert.That(lines, Has.Some.EqualTo("> USER alice"));
        Assert.That(lines, Has.Some.EqualTo("> PASS ****"));
        Assert.That(lines, Has.Some.StartsWith("< 230"));
        Assert.That(lines, Has.Some.EqualTo("> ACCT ****"));
        Assert.That(lines, Has.Some.StartsWith("> STOR /f.txt").Or.Some.StartsWith("> STOR f.txt"));
        Assert.That(lines[^1], Does.StartWith("< 221"));
        var everything = log.Everything();
        Assert.That(everything, Does.Not.Contain(Password));
        Assert.That(everything, Does.Not.Contain("file-content-not-in-the-log"), "data connections are not logged");
    }
}
