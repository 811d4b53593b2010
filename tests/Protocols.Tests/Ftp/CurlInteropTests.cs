using System.Security.Cryptography;
using Protocols.Servers.Testing;
using Protocols.Tests.Support;

namespace Protocols.Tests.Ftp;

/// <summary>curl against our server: listing, download, upload, resume, TLS; files checked byte for byte.</summary>
public class CurlInteropTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("ftp-curl-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private static async Task<(int ExitCode, string Output)> Curl(params string[] args)
    {
        var result = await PeerRunner.RunAsync(Peers.Require("curl"), ["-sS", "--max-time", "30", .. args], timeout: TimeSpan.FromSeconds(60), environment: PeerRunner.TempHome);
        return (result.ExitCode, result.Output);
    }

    private string Root()
    {
        var root = Path.Combine(_dir, "root");
        Directory.CreateDirectory(root);
        return root;
    }

    [Test]
    public async Task Listing_download_upload_and_resume()
    {
        var root = Root();
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        await File.WriteAllBytesAsync(Path.Combine(root, "big.bin"), data);
        Directory.CreateDirectory(Path.Combine(root, "sub dir"));
        await using var ftp = await FtpTestServer.StartAsync(o => o.RootDirectory = root).WaitAsync(TimeSpan.FromSeconds(10));
        var url = $"ftp://user:pass@127.0.0.1:{ftp.Port}/";

        var (code, output) = await Curl(url);
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("big.bin").And.Contain("sub dir"));

        var local = Path.Combine(_dir, "down.bin");
        (code, output) = await Curl("-o", local, url + "big.bin");
        Assert.That(code, Is.EqualTo(0), output);
        Bytes.AssertSame(data, await File.ReadAllBytesAsync(local));

        // Resume a download from a truncated local copy.
        await File.WriteAllBytesAsync(local, data[..1000]);
        (code, output) = await Curl("-C", "-", "-o", local, url + "big.bin");
        Assert.That(code, Is.EqualTo(0), output);
        Bytes.AssertSame(data, await File.ReadAllBytesAsync(local));

        // Upload, then resume an upload (curl asks SIZE and appends the rest).
        (code, output) = await Curl("-T", local, url + "sub%20dir/up.bin");
        Assert.That(code, Is.EqualTo(0), output);
        Bytes.AssertSame(data, await File.ReadAllBytesAsync(Path.Combine(root, "sub dir", "up.bin")));
        await File.WriteAllBytesAsync(Path.Combine(root, "half.bin"), data[..(data.Length / 2)]);
        (code, output) = await Curl("-C", "-", "-T", local, url + "half.bin");
        Assert.That(code, Is.EqualTo(0), output);
        Bytes.AssertSame(data, await File.ReadAllBytesAsync(Path.Combine(root, "half.bin")));

        // Active mode (PORT/EPRT to curl's own address).
        (code, output) = await Curl("-P", "127.0.0.1", "-o", local, url + "big.bin");
        Assert.That(code, Is.EqualTo(0), output);
        Bytes.AssertSame(data, await File.ReadAllBytesAsync(local));
    }

    [Test]
    public async Task Explicit_and_implicit_tls()
    {
        var root = Root();
        var data = RandomNumberGenerator.GetBytes(1024 * 1024 + 3);
        await File.WriteAllBytesAsync(Path.Combine(root, "f.bin"), data);
        await using var ftp = await FtpTestServer.StartAsync(o => { o.RootDirectory = root; o.Tls = true; }).WaitAsync(TimeSpan.FromSeconds(10));
        var local = Path.Combine(_dir, "down.bin");

        var (code, output) = await Curl("-k", "--ssl-reqd", "-o", local, $"ftp://user:pass@127.0.0.1:{ftp.Port}/f.bin");
        Assert.That(code, Is.EqualTo(0), output);
        Bytes.AssertSame(data, await File.ReadAllBytesAsync(local));

        (code, output) = await Curl("-k", "--ssl-reqd", "-T", local, $"ftp://user:pass@127.0.0.1:{ftp.Port}/up.bin");
        Assert.That(code, Is.EqualTo(0), output);
        Bytes.AssertSame(data, await File.ReadAllBytesAsync(Path.Combine(root, "up.bin")));

        (code, output) = await Curl("-k", "-o", local, $"ftps://user:pass@127.0.0.1:{ftp.ImplicitTlsPort}/f.bin");
        Assert.That(code, Is.EqualTo(0), output);
        Bytes.AssertSame(data, await File.ReadAllBytesAsync(local));

        (code, output) = await Curl("-k", "--ssl-reqd", $"ftp://user:pass@127.0.0.1:{ftp.Port}/");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("f.bin").And.Contain("up.bin"));
    }

    [Test]
    public async Task Anonymous_is_read_only_and_bad_password_is_refused()
    {
        var root = Root();
        await File.WriteAllTextAsync(Path.Combine(root, "a.txt"), "hello\n");
        await using var ftp = await FtpTestServer.StartAsync(o => o.RootDirectory = root).WaitAsync(TimeSpan.FromSeconds(10));
        var (code, output) = await Curl($"ftp://127.0.0.1:{ftp.Port}/a.txt");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Is.EqualTo("hello\n"));
        var local = Path.Combine(_dir, "x.txt");
        await File.WriteAllTextAsync(local, "x");
        (code, output) = await Curl("-T", local, $"ftp://127.0.0.1:{ftp.Port}/x.txt");
        Assert.That(code, Is.Not.EqualTo(0), output);
        Assert.That(File.Exists(Path.Combine(root, "x.txt")), Is.False);
        (code, output) = await Curl($"ftp://user:wrong@127.0.0.1:{ftp.Port}/a.txt");
        Assert.That(code, Is.EqualTo(67), output); // CURLE_LOGIN_DENIED
    }
}
