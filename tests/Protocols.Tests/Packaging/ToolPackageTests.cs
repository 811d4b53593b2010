using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Protocols.Tests.Support;

namespace Protocols.Tests.Packaging;

/// <summary>
/// <c>dotnet pack</c> gives the <c>proto</c> tool and the two library packages with their metadata; the tool installs
/// from the local package folder into a temporary tool path and runs.
/// </summary>
[Category("Slow")] // kill -9, browser, packaging or load: `dotnet test --filter "TestCategory!=Slow"` runs the fast suite
[NonParallelizable]
public partial class ToolPackageTests
{
    private string _work = null!;

    [OneTimeSetUp]
    public async Task PackAsync()
    {
        _work = Directory.CreateTempSubdirectory("proto-pack-").FullName;
        // The suite runs after a Release build of the solution (./test.sh), so the libraries pack with no second build;
        // the tool builds its RID-specific packages itself (linux-x64 Native AOT, and any), which --no-build cannot.
        foreach (var (project, build) in new[] { ("src/Protocols", false), ("src/Servers", false), ("src/Cli", true) })
        {
            string[] arguments = ["pack", Path.Combine(Repository.Root, project), "-c", "Release", "-nologo", "-o", Packages, .. build ? Array.Empty<string>() : ["--no-build"]];
            var (code, output) = await RunAsync("dotnet", arguments, TimeSpan.FromMinutes(build ? 20 : 10));
            Assert.That(code, Is.Zero, output);
        }
    }

    [OneTimeTearDown]
    public void Clean() => Directory.Delete(_work, recursive: true);

    private string Packages => Path.Combine(_work, "packages");

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] arguments, TimeSpan timeout)
    {
        var result = await PeerRunner.RunAsync(file, arguments, timeout: timeout);
        return (result.ExitCode, result.Output);
    }

    [TestCase("Protocols", "lib/net10.0/Protocols.xml")]
    [TestCase("Protocols.Servers", "lib/net10.0/Protocols.Servers.xml")]
    [TestCase("proto", "tools/any/any/DotnetToolSettings.xml")]
    [TestCase("proto.linux-x64", "tools/any/linux-x64/proto")]
    [TestCase("proto.any", "tools/net10.0/any/proto.dll")]
    public void Each_package_carries_description_readme_license_and_its_payload(string id, string payload)
    {
        var path = Path.Combine(Packages, $"{id}.0.1.0.nupkg");
        Assert.That(File.Exists(path), Is.True, $"{path} was not made");
        using var zip = ZipFile.OpenRead(path);
        var names = zip.Entries.Select(e => e.FullName).ToList();
        Assert.That(names, Does.Contain("README.md"));
        Assert.That(names, Does.Contain(payload));
        using var nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = XDocument.Load(nuspecStream);
        string? Field(string name) => nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
        Assert.That(Field("description"), Is.Not.Null.And.Length.GreaterThan(20));
        Assert.That(Field("license"), Is.EqualTo("MIT"));
        Assert.That(Field("readme"), Is.EqualTo("README.md"));
    }

    [Test]
    public async Task The_tool_installs_from_the_local_folder_reports_its_version_and_serves()
    {
        var tools = Path.Combine(_work, "tools");
        var (code, output) = await RunAsync("dotnet", ["tool", "install", "proto", "--tool-path", tools, "--source", Packages, "--version", "0.1.0"], TimeSpan.FromMinutes(2));
        Assert.That(code, Is.Zero, output);
        var proto = Path.Combine(tools, "proto");

        (code, output) = await RunAsync(proto, ["--version"], TimeSpan.FromSeconds(30));
        Assert.That(code, Is.Zero, output);
        Assert.That(output.Trim(), Does.StartWith("0.1.0"));
        // On linux-x64 the install picks the Native AOT package: one native executable (ELF), no assemblies beside it.
        if (System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier == "linux-x64")
        {
            var store = Path.Combine(tools, ".store");
            var installed = Directory.GetFiles(store, "proto", SearchOption.AllDirectories);
            Assert.That(installed, Has.Length.EqualTo(1), string.Join(", ", installed));
            Assert.That(installed[0], Does.Contain("proto.linux-x64"));
            var magic = new byte[4];
            await using (var file = File.OpenRead(installed[0])) await file.ReadExactlyAsync(magic);
            Assert.That(magic, Is.EqualTo("\u007fELF"u8.ToArray()), "proto is a native executable");
            Assert.That(Directory.GetFiles(store, "*.dll", SearchOption.AllDirectories), Is.Empty, "Native AOT: no assemblies");
        }

        var root = Directory.CreateDirectory(Path.Combine(_work, "root")).FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "hello.txt"), "hello from the root");
        // env --default-signal=INT: a test run started in the background (SIGINT ignored, inherited) still delivers Ctrl+C.
        await using var serve = PeerRunner.Start("/usr/bin/env", ["--default-signal=INT", proto, "serve", "--smtp-port", "0", "--ftp-port", "0",
            "--http-port", "0", "--pop3-port", "0", "--imap-port", "0", "--mail-port", "0", "--root", root], keepStdinOpen: true);
        await serve.WaitForStdoutAsync("Press Ctrl+C", TimeSpan.FromSeconds(30));
        var http = serve.Stdout.Split('\n').Select(line => HttpLine().Match(line)).FirstOrDefault(m => m.Success)?.Groups[1].Value;
        Assert.That(http, Is.Not.Null, "the banner names the HTTP endpoint");
        using var client = new System.Net.Http.HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.That(await client.GetStringAsync(http + "hello.txt"), Is.EqualTo("hello from the root"));
        Assert.That((await client.GetAsync(http + "_proto/mail/")).IsSuccessStatusCode, Is.True, "the mail page is served");

        // Ctrl+C: a clean stop with exit code 0.
        await serve.InterruptAsync();
        Assert.That(await serve.WaitForExitAsync(TimeSpan.FromSeconds(20)), Is.Zero, serve.Stderr);
    }

    [GeneratedRegex(@"^\s+HTTP\s+(\S+/)\s")]
    private static partial Regex HttpLine();
}
