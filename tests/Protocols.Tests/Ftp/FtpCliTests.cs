using System.Security.Cryptography;
using Protocols.Servers.Testing;
using Protocols.Tests.Cli;

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

    private static readonly Dictionary<string, string> ShowProgress = new() { ["PROTO_PROGRESS"] = "always" };

    [Test]
    public async Task A_failed_download_leaves_an_existing_local_file_as_it_was_and_creates_none_otherwise()
    {
        var dir = Directory.CreateTempSubdirectory("ftp-cli-keep-").FullName;
        try
        {
            await using var server = await FtpTestServer.StartAsync(o => o.Faults.DropDataAfterBytes = 50_000).WaitAsync(TimeSpan.FromSeconds(10));
            var url = $"ftp://user:pass@127.0.0.1:{server.Port}";
            await server.AddFileAsync("/big.bin", RandomNumberGenerator.GetBytes(300_000));
            var keep = Path.Combine(dir, "keep.txt");
            await File.WriteAllTextAsync(keep, "precious");

            var missing = await ProtoProcess.RunAsync(["ftp", "get", url + "/nope.txt", "-o", keep]);
            Assert.That(missing.ExitCode, Is.EqualTo(1), missing.Stderr);
            Assert.That(missing.Stderr, Does.Contain("550"));
            var cut = await ProtoProcess.RunAsync(["ftp", "get", url + "/big.bin", "-o", keep]);
            Assert.That(cut.ExitCode, Is.EqualTo(1), cut.Stderr);
            Assert.That(await File.ReadAllTextAsync(keep), Is.EqualTo("precious"));

            await server.AddFileAsync("/tree/big.bin", RandomNumberGenerator.GetBytes(300_000));
            var tree = Directory.CreateDirectory(Path.Combine(dir, "tree")).FullName;
            await File.WriteAllTextAsync(Path.Combine(tree, "big.bin"), "precious too");
            var cutTree = await ProtoProcess.RunAsync(["ftp", "get", "-r", url + "/tree", "-o", tree]);
            Assert.That(cutTree.ExitCode, Is.EqualTo(1), cutTree.Stderr);
            Assert.That(await File.ReadAllTextAsync(Path.Combine(tree, "big.bin")), Is.EqualTo("precious too"), "get -r keeps it too");
            Assert.That(Directory.GetFiles(tree).Select(Path.GetFileName), Is.EqualTo(new[] { "big.bin" }));
            Directory.Delete(tree, true);

            var noOutput = await ProtoProcess.RunAsync(["ftp", "get", url + "/nope.txt"], workingDirectory: dir);
            Assert.That(noOutput.ExitCode, Is.EqualTo(1), noOutput.Stderr);
            Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName), Is.EqualTo(new[] { "keep.txt" }), "no empty nope.txt, no temporary file");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Test]
    public async Task Get_replaces_on_success_resumes_a_partial_file_and_shows_one_progress_line_with_the_size()
    {
        var dir = Directory.CreateTempSubdirectory("ftp-cli-get-").FullName;
        try
        {
            await using var server = await FtpTestServer.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
            var url = $"ftp://user:pass@127.0.0.1:{server.Port}";
            var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
            await server.AddFileAsync("/data.bin", data);
            var local = Path.Combine(dir, "data.bin");
            await File.WriteAllTextAsync(local, "old content");

            var get = await ProtoProcess.RunAsync(["ftp", "get", url + "/data.bin", "-o", local], environment: ShowProgress);
            Assert.That(get.ExitCode, Is.Zero, get.Stderr);
            Bytes.AssertSame(data, await File.ReadAllBytesAsync(local));
            Assert.That(get.Stderr, Does.Contain("3.0 MiB / 3.0 MiB").And.Contain("100%").And.Contain("MiB/s"), "SIZE was asked first");

            await File.WriteAllBytesAsync(local, data.AsSpan(0, 1_000_000).ToArray());
            var resume = await ProtoProcess.RunAsync(["ftp", "get", url + "/data.bin", "-o", local, "--resume"]);
            Assert.That(resume.ExitCode, Is.Zero, resume.Stderr);
            Bytes.AssertSame(data, await File.ReadAllBytesAsync(local));
            Assert.That(resume.Stderr, Does.Not.Contain("\r"), "no progress when stderr is not a terminal");
            Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName), Is.EqualTo(new[] { "data.bin" }));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Test]
    public async Task Put_r_makes_a_directory_of_the_local_name_and_mv_stays_in_the_source_directory()
    {
        var dir = Directory.CreateTempSubdirectory("ftp-cli-tree-").FullName;
        try
        {
            await using var server = await FtpTestServer.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
            var url = $"ftp://user:pass@127.0.0.1:{server.Port}";
            var site = Directory.CreateDirectory(Path.Combine(dir, "site")).FullName;
            await File.WriteAllTextAsync(Path.Combine(site, "index.html"), "<p>hi</p>");
            Directory.CreateDirectory(Path.Combine(site, "css"));
            await File.WriteAllTextAsync(Path.Combine(site, "css", "a.css"), "p{}");
            Assert.That(await Proto("ftp", "mkdir", url + "/uploads"), Is.Zero);

            var put = await ProtoProcess.RunAsync(["ftp", "put", "-r", site, url + "/uploads/"]);
            Assert.That(put.ExitCode, Is.Zero, put.Stderr);
            Assert.That(await server.ReadFileAsync("/uploads/site/index.html"), Is.Not.Null, "the tree goes into /uploads/site/");
            Assert.That(await server.ReadFileAsync("/uploads/site/css/a.css"), Is.Not.Null);
            Assert.That(await server.ExistsAsync("/uploads/index.html"), Is.False);

            await server.AddFileAsync("/a/b/report.csv", "x,y\n"u8.ToArray());
            var mv = await ProtoProcess.RunAsync(["ftp", "mv", url + "/a/b/report.csv", "moved.csv"]);
            Assert.That(mv.ExitCode, Is.Zero, mv.Stderr);
            Assert.That(await server.ExistsAsync("/a/b/moved.csv"), Is.True);
            Assert.That(await server.ExistsAsync("/a/b/report.csv"), Is.False);
            Assert.That(await Proto("ftp", "mv", url + "/a/b/moved.csv", "/a/"), Is.Zero);
            Assert.That(await server.ExistsAsync("/a/moved.csv"), Is.True);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Test]
    public async Task Tls_errors_name_the_host_and_say_what_to_do()
    {
        await using var server = await FtpTestServer.StartAsync(o => o.Tls = true).WaitAsync(TimeSpan.FromSeconds(10));
        var implicitOnExplicitPort = await ProtoProcess.RunAsync(["ftp", "ls", "--tls", $"ftp://user:pass@127.0.0.1:{server.Port}/"]);
        Assert.That(implicitOnExplicitPort.ExitCode, Is.EqualTo(1));
        Assert.That(implicitOnExplicitPort.Stderr.Trim(), Is.EqualTo($"proto: TLS with 127.0.0.1:{server.Port} failed: the server did not start TLS; try --starttls (AUTH TLS) or an ftp:// URL"));

        var untrusted = await ProtoProcess.RunAsync(["ftp", "ls", "--starttls", $"ftp://user:pass@127.0.0.1:{server.Port}/"]);
        Assert.That(untrusted.ExitCode, Is.EqualTo(1));
        Assert.That(untrusted.Stderr, Does.StartWith($"proto: TLS with 127.0.0.1:{server.Port} failed: the server's certificate is not trusted").And.Contain("-k/--insecure"));
        Assert.That(untrusted.Stderr, Does.Not.Contain("pass@"));
    }
}
