using System.Net;
using System.Security.Cryptography;
using Protocols.Ftp;
using Protocols.Net;
using Protocols.Ftp.Listing;

namespace Protocols.Tests.Ftp;

/// <summary>Our client against real servers: vsftpd and pyftpdlib, plain and TLS.</summary>
[NonParallelizable]
public class ClientToPeerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private string _root = null!;
    private byte[] _data = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("ftp-peer-root-").FullName;
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_root, (UnixFileMode)0x1ED); // 0755 (temp directories are 0700)
        _data = RandomNumberGenerator.GetBytes(2 * 1024 * 1024 + 5);
        File.WriteAllBytes(Path.Combine(_root, "data.bin"), _data);
        Directory.CreateDirectory(Path.Combine(_root, "sub dir"));
        File.WriteAllText(Path.Combine(_root, "sub dir", "inner.txt"), "inner");
        var upload = Path.Combine(_root, "upload");
        Directory.CreateDirectory(upload);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(upload, (UnixFileMode)0x1FF); // 0777: for vsftpd's anonymous user
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, true);

    [TestCase("vsftpd", false)]
    [TestCase("vsftpd", true)]
    [TestCase("pyftpdlib", false)]
    [TestCase("pyftpdlib", true)]
    public async Task List_download_upload_verify(string server, bool tls)
    {
        await using var peer = server == "vsftpd"
            ? await FtpPeer.StartVsftpdAsync(_root, tls)
            : await FtpPeer.StartPyftpdlibAsync(_root, tls);
        var credentials = server == "vsftpd" ? new NetworkCredential("anonymous", "test@") : new NetworkCredential("user", "pass");
        var transcript = new MemoryProtocolLogger("> ", "< ");
        var client = new FtpClient("127.0.0.1", peer.Port, credentials, new FtpClientOptions
        {
            Encryption = tls ? FtpEncryption.Explicit : FtpEncryption.None,
            AcceptAnyCertificate = true,
            ProtocolLogger = transcript,
        });
        await using (client)
        {
            try
            {
                await client.ConnectAsync().WaitAsync(Timeout);
                Assert.That(client.IsTls, Is.EqualTo(tls));
                Assert.That(client.HasFeature("MLST"), Is.EqualTo(server == "pyftpdlib"), "vsftpd has no MLSD: LIST is parsed");

                // vsftpd run as the launching user does not chroot: paths start at its anon_root, the first PWD.
                var home = (await client.GetWorkingDirectoryAsync().WaitAsync(Timeout)).TrimEnd('/');
                var items = new List<FtpListItem>();
                await foreach (var item in client.GetListingAsync(home + "/")) items.Add(item);
                Assert.That(items.Select(i => i.Name), Is.SupersetOf(new[] { "data.bin", "sub dir", "upload" }));
                Assert.That(items.Single(i => i.Name == "data.bin").Size, Is.EqualTo(_data.Length));
                Assert.That(items.Single(i => i.Name == "sub dir").Type, Is.EqualTo(FtpObjectType.Directory));

                var down = new MemoryStream();
                await client.DownloadAsync(down, home + "/data.bin").WaitAsync(Timeout);
                Bytes.AssertSame(_data, down.ToArray());
                var tail = new MemoryStream();
                await client.DownloadAsync(tail, home + "/data.bin", offset: 1_000_000).WaitAsync(Timeout);
                Bytes.AssertSame(_data[1_000_000..], tail.ToArray());

                await client.UploadAsync(new MemoryStream(_data), home + "/upload/up.bin").WaitAsync(Timeout);
                Bytes.AssertSame(_data, await File.ReadAllBytesAsync(Path.Combine(_root, "upload", "up.bin")));
                Assert.That(await client.GetFileSizeAsync(home + "/upload/up.bin").WaitAsync(Timeout), Is.EqualTo(_data.Length));
                Assert.That(await client.GetModifiedTimeAsync(home + "/data.bin").WaitAsync(Timeout),
                    Is.EqualTo(new DateTimeOffset(File.GetLastWriteTimeUtc(Path.Combine(_root, "data.bin")))).Within(TimeSpan.FromSeconds(1)));
            }
            catch (Exception e) when (e is not AssertionException)
            {
                Assert.Fail($"{e}\n--- transcript ---\n{transcript.ToString()}\n--- server ---\n{peer.Output}");
            }
        }
    }

    /// <summary>
    /// An upload with createRemoteDirectory sends STOR first and makes the directory (mkdir -p) only when the server
    /// refuses the file: into an existing directory no PWD, CWD, MLST or MKD goes out; into a missing one the parents
    /// are made and the STOR is sent again.
    /// </summary>
    [TestCase("vsftpd")]
    [TestCase("pyftpdlib")]
    public async Task Upload_makes_the_remote_directory_only_after_a_refusal(string server)
    {
        await using var peer = server == "vsftpd" ? await FtpPeer.StartVsftpdAsync(_root, false) : await FtpPeer.StartPyftpdlibAsync(_root, false);
        var credentials = server == "vsftpd" ? new NetworkCredential("anonymous", "test@") : new NetworkCredential("user", "pass");
        var transcript = new MemoryProtocolLogger("> ", "< ");
        var client = new FtpClient("127.0.0.1", peer.Port, credentials, new FtpClientOptions { ProtocolLogger = transcript });
        await using (client)
        {
            await client.ConnectAsync().WaitAsync(Timeout);
            var home = (await client.GetWorkingDirectoryAsync().WaitAsync(Timeout)).TrimEnd('/');
            var local = Path.Combine(_root, "data.bin");
            string[] Commands() => transcript.Lines.Where(l => l.StartsWith("> ", StringComparison.Ordinal)).Select(l => l[2..].Split(' ')[0]).ToArray();

            var before = Commands().Length;
            Assert.That(await client.UploadFileAsync(local, home + "/upload/same.bin", createRemoteDirectory: true).WaitAsync(Timeout), Is.EqualTo(FtpStatus.Success));
            Assert.That(Commands()[before..], Is.EquivalentTo(new[] { "TYPE", "EPSV", "STOR" }), transcript.ToString());
            Bytes.AssertSame(_data, await File.ReadAllBytesAsync(Path.Combine(_root, "upload", "same.bin")));

            before = Commands().Length;
            Assert.That(await client.UploadFileAsync(local, home + "/upload/new/deeper/f.bin", createRemoteDirectory: true).WaitAsync(Timeout), Is.EqualTo(FtpStatus.Success));
            var sent = Commands()[before..];
            Assert.That(sent.Count(c => c == "STOR"), Is.EqualTo(2), transcript.ToString());
            Assert.That(sent.Count(c => c == "MKD"), Is.EqualTo(2), transcript.ToString());
            Bytes.AssertSame(_data, await File.ReadAllBytesAsync(Path.Combine(_root, "upload", "new", "deeper", "f.bin")));

            // A refusal that no missing directory explains stands, after one check: the parent is there.
            Directory.CreateDirectory(Path.Combine(_root, "upload", "taken"));
            before = Commands().Length;
            Assert.That(async () => await client.UploadFileAsync(local, home + "/upload/taken", createRemoteDirectory: true).WaitAsync(Timeout),
                Throws.TypeOf<FtpCommandException>().With.Property(nameof(FtpCommandException.Command)).StartsWith("STOR "));
            Assert.That(Commands()[before..].Count(c => c == "STOR"), Is.EqualTo(1), transcript.ToString());
            Assert.That(Commands()[before..], Has.None.EqualTo("MKD"), transcript.ToString());
        }
    }

    /// <summary>
    /// vsftpd with its default <c>require_ssl_reuse=YES</c>: every protected data connection must resume the control
    /// connection's TLS session. .NET on Linux resumes client sessions keyed by the target host name (never an IP literal).
    /// </summary>
    [TestCase("localhost", null)]
    [TestCase("127.0.0.1", "localhost")]
    public async Task Vsftpd_with_require_ssl_reuse_accepts_our_resumed_data_sessions(string host, string? tlsTargetHost)
    {
        await using var peer = await FtpPeer.StartVsftpdAsync(_root, tls: true, requireSslReuse: true);
        var transcript = new MemoryProtocolLogger("> ", "< ");
        var client = new FtpClient(host, peer.Port, new NetworkCredential("anonymous", "test@"), new FtpClientOptions
        {
            Encryption = FtpEncryption.Explicit,
            AcceptAnyCertificate = true,
            TlsTargetHost = tlsTargetHost,
            ProtocolLogger = transcript,
        });
        await using (client)
        {
            try
            {
                await client.ConnectAsync().WaitAsync(Timeout);
                TestContext.Out.WriteLine($"control connection: {client.TlsProtocol}");
                var home = (await client.GetWorkingDirectoryAsync().WaitAsync(Timeout)).TrimEnd('/');
                var names = new List<string>();
                await foreach (var item in client.GetListingAsync(home + "/")) names.Add(item.Name);
                Assert.That(names, Does.Contain("data.bin"));
                var down = new MemoryStream();
                await client.DownloadAsync(down, home + "/data.bin").WaitAsync(Timeout);
                Bytes.AssertSame(_data, down.ToArray());
                await client.UploadAsync(new MemoryStream(_data), home + "/upload/up.bin").WaitAsync(Timeout);
                Bytes.AssertSame(_data, await File.ReadAllBytesAsync(Path.Combine(_root, "upload", "up.bin")));
                var again = new MemoryStream();
                await client.DownloadAsync(again, home + "/upload/up.bin").WaitAsync(Timeout);
                Bytes.AssertSame(_data, again.ToArray());
            }
            catch (Exception e) when (e is not AssertionException)
            {
                Assert.Fail($"{e}\n--- transcript ---\n{transcript.ToString()}\n--- server ---\n{peer.Output}");
            }
        }
    }

    [Test]
    public async Task Vsftpd_with_require_ssl_reuse_and_an_ip_literal_gets_a_clear_error()
    {
        await using var peer = await FtpPeer.StartVsftpdAsync(_root, tls: true, requireSslReuse: true);
        await using var client = new FtpClient("127.0.0.1", peer.Port, new NetworkCredential("anonymous", "test@"),
            new FtpClientOptions { Encryption = FtpEncryption.Explicit, AcceptAnyCertificate = true });
        await client.ConnectAsync().WaitAsync(Timeout);
        var home = (await client.GetWorkingDirectoryAsync().WaitAsync(Timeout)).TrimEnd('/');
        var e = await Assert.ThrowsAsync<FtpCommandException>(async () => await client.DownloadAsync(new MemoryStream(), home + "/data.bin").WaitAsync(Timeout));
        Assert.That(e!.Code, Is.EqualTo(522), e.Message);
        Assert.That(e.Message, Does.Contain("TlsTargetHost"), "the error says how to resume the session");
        TestContext.Out.WriteLine(e.Message);
    }
}
