using System.Security.Cryptography;
using Protocols.Servers.Testing;
using Protocols.Tests.Support;

namespace Protocols.Tests.Ftp;

/// <summary>lftp and python3 ftplib against our server: mirror both ways, TLS, MLSD; files byte for byte.</summary>
public class PeerClientsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] arguments)
    {
        var result = await PeerRunner.RunAsync(file, arguments, timeout: Timeout, environment: PeerRunner.TempHome);
        return (result.ExitCode, result.Output);
    }

    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("ftp-peers-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private static Dictionary<string, byte[]> MakeTree(string root)
    {
        var files = new Dictionary<string, byte[]>
        {
            ["a.bin"] = RandomNumberGenerator.GetBytes(1_500_000),
            ["empty.txt"] = [],
            ["dir one/b.txt"] = "hello\nworld\n"u8.ToArray(),
            ["dir one/deeper/c.bin"] = RandomNumberGenerator.GetBytes(70_000),
            ["ümlaut name.txt"] = "utf8"u8.ToArray(),
        };
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, content);
        }
        return files;
    }

    private static void AssertTree(string root, Dictionary<string, byte[]> files)
    {
        foreach (var (path, content) in files) Bytes.AssertSame(content, File.ReadAllBytes(Path.Combine(root, path)));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Lftp_mirror_both_ways(bool tls)
    {
        var serverRoot = Path.Combine(_dir, "server");
        Directory.CreateDirectory(serverRoot);
        var files = MakeTree(Path.Combine(serverRoot, "src"));
        await using var ftp = await FtpTestServer.StartAsync(o => { o.RootDirectory = serverRoot; o.Tls = tls; }).WaitAsync(TimeSpan.FromSeconds(10));
        var local = Path.Combine(_dir, "local");
        var settings = tls
            ? "set ssl:verify-certificate no; set ftp:ssl-force true; set ftp:ssl-protect-data true; set ftp:ssl-protect-list true;"
            : "set ftp:ssl-allow false;";
        var script = $"{settings} set net:max-retries 1; set net:timeout 20; mirror src {local}; mirror -R {local} back; quit";
        var (code, output) = await RunAsync(Peers.Require("lftp"), ["-u", "user,pass", "-p", ftp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-e", script, "127.0.0.1"]);
        Assert.That(code, Is.EqualTo(0), output);
        AssertTree(local, files);
        AssertTree(Path.Combine(serverRoot, "back"), files);
    }

    [Test]
    public async Task Python_ftplib_plain_and_tls_with_mlsd()
    {
        var serverRoot = Path.Combine(_dir, "server");
        Directory.CreateDirectory(serverRoot);
        var files = MakeTree(serverRoot);
        await using var ftp = await FtpTestServer.StartAsync(o => { o.RootDirectory = serverRoot; o.Tls = true; }).WaitAsync(TimeSpan.FromSeconds(10));
        var script = Path.Combine(_dir, "client.py");
        await File.WriteAllTextAsync(script, """
            import ftplib, hashlib, io, ssl, sys
            port = int(sys.argv[1])
            def run(ftp):
                ftp.connect("127.0.0.1", port, timeout=20)
                if isinstance(ftp, ftplib.FTP_TLS):
                    ftp.login("user", "pass")
                    ftp.prot_p()
                else:
                    ftp.login("user", "pass")
                ftp.encoding = "utf-8"
                names = sorted(n for n, f in ftp.mlsd("/") if f["type"] in ("file", "dir"))
                print("MLSD", names)
                facts = dict(ftp.mlsd("/"))
                print("SIZE a.bin", facts["a.bin"]["size"], ftp.size("a.bin"))
                buf = io.BytesIO()
                ftp.retrbinary("RETR a.bin", buf.write)
                print("SHA a.bin", hashlib.sha256(buf.getvalue()).hexdigest())
                ftp.storbinary("STOR dir one/up.bin", io.BytesIO(buf.getvalue()))
                lines = []
                ftp.retrlines("LIST dir one", lines.append)
                print("LIST", len(lines), any("up.bin" in l for l in lines))
                ftp.rename("dir one/up.bin", "dir one/moved.bin")
                ftp.delete("dir one/moved.bin")
                ftp.mkd("made")
                ftp.rmd("made")
                print("NLST", sorted(ftp.nlst()))
                ftp.quit()
            run(ftplib.FTP())
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            run(ftplib.FTP_TLS(context=ctx))
            print("DONE")
            """);
        var (code, output) = await RunAsync(Peers.Python, [script, ftp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.That(code, Is.EqualTo(0), output);
        var sha = Convert.ToHexStringLower(SHA256.HashData(files["a.bin"]));
        Assert.That(output, Does.Contain("DONE"));
        Assert.That(output.Split('\n').Count(l => l.StartsWith("SHA a.bin " + sha, StringComparison.Ordinal)), Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("MLSD ['a.bin', 'dir one', 'empty.txt', 'ümlaut name.txt']"));
        Assert.That(output, Does.Contain("SIZE a.bin 1500000 1500000"));
        Assert.That(output, Does.Contain("LIST 3 True"));
        AssertTree(serverRoot, files);
    }
}
