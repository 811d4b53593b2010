using System.Text;
using Protocols.Servers.Ftp.FileSystem;
using Protocols.Tests.Support;

namespace Protocols.Tests.Ftp;

/// <summary>
/// Path traversal corpus against the one resolver plus the disk file system, with real symbolic links made on disk
/// that point outside the root. Nothing outside the root may be read, listed, written, created or renamed into.
/// </summary>
public class TraversalCorpusTests
{
    private const string Secret = "top secret";
    private string _base = null!;
    private string _root = null!;
    private DiskFileSystem _fs = null!;

    [SetUp]
    public async Task SetUp()
    {
        _base = Directory.CreateTempSubdirectory("ftp-traversal-").FullName;
        _root = Path.Combine(_base, "root");
        var outside = Path.Combine(_base, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "secret.txt"), Secret);
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        File.WriteAllText(Path.Combine(_root, "file.txt"), "inside");
        File.WriteAllText(Path.Combine(_root, "sub", "inner.txt"), "inner");
        File.CreateSymbolicLink(Path.Combine(_root, "link-out"), "../outside");
        File.CreateSymbolicLink(Path.Combine(_root, "link-secret"), Path.Combine(outside, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(_root, "rel-escape"), "../../../../../../..");
        File.CreateSymbolicLink(Path.Combine(_root, "chain1"), "chain2");
        File.CreateSymbolicLink(Path.Combine(_root, "chain2"), "sub/upup/outside");
        File.CreateSymbolicLink(Path.Combine(_root, "sub", "upup"), "../..");
        File.CreateSymbolicLink(Path.Combine(_root, "sub", "up"), "..");
        File.CreateSymbolicLink(Path.Combine(_root, "inside-link"), "sub");
        File.CreateSymbolicLink(Path.Combine(_root, "loop"), "loop");
        File.CreateSymbolicLink(Path.Combine(_root, "root-abs"), "/");
        Directory.CreateSymbolicLink(Path.Combine(_root, "sub", "dirlink-out"), outside);
        var mkfifo = await PeerRunner.RunAsync("mkfifo", [Path.Combine(_root, "fifo")], timeout: TimeSpan.FromSeconds(5));
        Assert.That(mkfifo.ExitCode, Is.Zero, mkfifo.Stderr);
        _fs = new DiskFileSystem(_root);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_base, true);

    private static readonly string[] Corpus =
    [
        "../outside/secret.txt",
        "/../outside/secret.txt",
        "..\\outside\\secret.txt",
        "sub/../../outside/secret.txt",
        "sub\\..\\..\\outside\\secret.txt",
        "file.txt\0.jpg",
        "file.txt\r\nDELE file.txt",
        "%2e%2e/outside/secret.txt",
        "%2e%2e%2foutside%2fsecret.txt",
        "..%2foutside%2fsecret.txt",
        "..%c0%afoutside/secret.txt",
        "..%255c..%255coutside",
        "....//outside/secret.txt",
        "/etc/passwd",
        "//outside/secret.txt",
        "sub/./../.././outside/secret.txt",
        "link-out/secret.txt",
        "link-out",
        "link-secret",
        "rel-escape/etc/passwd",
        "chain1/secret.txt",
        "chain2/secret.txt",
        "sub/upup/outside/secret.txt",
        "sub/dirlink-out/secret.txt",
        "inside-link/upup/outside/secret.txt",
        "root-abs/etc/passwd",
        "loop",
        "loop/x",
        "C:\\Windows\\win.ini",
        "\\\\server\\share",
        "\uFF0E\uFF0E/outside/secret.txt",
        "~/../../outside/secret.txt",
        "fifo",
    ];

    [Test]
    public void Corpus_has_at_least_twenty_forms() => Assert.That(Corpus, Has.Length.GreaterThanOrEqualTo(20));

    [TestCaseSource(nameof(Corpus))]
    public async Task Nothing_outside_the_root_is_reachable(string argument)
    {
        if (!FtpPathResolver.TryResolve("/", argument, out var path, out var error))
        {
            Assert.That(error, Is.Not.EqualTo(FtpPathError.None));
            return;
        }
        Assert.That(path, Does.StartWith("/"));
        var physical = _fs.Resolve(path);
        if (physical is not null) Assert.That(physical, Does.StartWith(_fs.Root));

        // Read: refused, or not the secret.
        try
        {
            await using var stream = await _fs.OpenReadAsync(path, 0).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            using var reader = new StreamReader(stream, Encoding.UTF8);
            Assert.That(await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(5)), Does.Not.Contain(Secret));
        }
        catch (FtpFileSystemException e)
        {
            Assert.That(e.Error, Is.AnyOf(FtpFileSystemError.NotFound, FtpFileSystemError.NotAFile, FtpFileSystemError.OutsideRoot));
        }

        // List: refused, or nothing from outside.
        try
        {
            var names = new List<string>();
            await foreach (var item in _fs.ListAsync(path)) names.Add(item.Name);
            Assert.That(names, Does.Not.Contain("secret.txt").And.Not.Contain("passwd"));
        }
        catch (FtpFileSystemException e)
        {
            Assert.That(e.Error, Is.AnyOf(FtpFileSystemError.NotFound, FtpFileSystemError.NotADirectory));
        }

        // Write under it: refused, or the file lands under the root.
        var child = FtpPathResolver.Combine(path, "new.txt");
        try
        {
            await using var upload = await _fs.BeginUploadAsync(child, FtpUploadMode.Create, 0);
            await upload.Stream.WriteAsync("x"u8.ToArray());
            await upload.CommitAsync();
        }
        catch (FtpFileSystemException)
        {
        }
        catch (IOException)
        {
            // e.g. "not a directory" from the OS for a path under a file: still refused.
        }
        Assert.That(Directory.GetFiles(Path.Combine(_base, "outside")), Is.EquivalentTo(new[] { Path.Combine(_base, "outside", "secret.txt") }));
        Assert.That(File.ReadAllText(Path.Combine(_base, "outside", "secret.txt")), Is.EqualTo(Secret));
    }

    [TestCase("../x", FtpPathError.AboveRoot)]
    [TestCase("a\\b", FtpPathError.ForeignSeparator)]
    [TestCase("a\0b", FtpPathError.ControlCharacter)]
    [TestCase("a\nb", FtpPathError.ControlCharacter)]
    [TestCase("", FtpPathError.Empty)]
    public void Resolver_refusals(string argument, FtpPathError expected)
    {
        Assert.That(FtpPathResolver.TryResolve("/", argument, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(expected));
    }

    [TestCase("/a", "..", "/")]
    [TestCase("/a/b", "..", "/a")]
    [TestCase("/a", "../b/./c//", "/b/c")]
    [TestCase("/a", "/x/y", "/x/y")]
    [TestCase("/", "%2e%2e", "/%2e%2e")]
    public void Resolver_normalizes(string cwd, string argument, string expected)
    {
        Assert.That(FtpPathResolver.TryResolve(cwd, argument, out var path, out _), Is.True);
        Assert.That(path, Is.EqualTo(expected));
    }

    [Test]
    public void Resolver_limits_at_and_past()
    {
        var segment = new string('a', FtpPathResolver.MaxSegmentLength);
        Assert.That(FtpPathResolver.TryResolve("/", segment, out _, out _), Is.True);
        Assert.That(FtpPathResolver.TryResolve("/", segment + "a", out _, out var e1), Is.False);
        Assert.That(e1, Is.EqualTo(FtpPathError.TooLong));
        var path = string.Join('/', Enumerable.Repeat("abc", FtpPathResolver.MaxPathLength / 4 - 1)) + "/ab";
        Assert.That(path, Has.Length.EqualTo(FtpPathResolver.MaxPathLength - 2));
        Assert.That(FtpPathResolver.TryResolve("/", path + "cd", out _, out _), Is.True);
        Assert.That(FtpPathResolver.TryResolve("/", path + "cde", out _, out var e2), Is.False);
        Assert.That(e2, Is.EqualTo(FtpPathError.TooLong));
    }

    [Test]
    public void Overlong_utf8_is_refused() =>
        Assert.That(FtpPathResolver.TryDecode([0x2e, 0xc0, 0xae, 0x2f], out _), Is.False);

    [Test]
    public async Task Links_inside_the_root_work_and_escaping_ones_are_not_listed()
    {
        await using (var s = await _fs.OpenReadAsync("/inside-link/inner.txt", 0))
            Assert.That(await new StreamReader(s).ReadToEndAsync(), Is.EqualTo("inner"));
        await using (var s = await _fs.OpenReadAsync("/sub/up/file.txt", 0))
            Assert.That(await new StreamReader(s).ReadToEndAsync(), Is.EqualTo("inside"));
        var names = new List<string>();
        await foreach (var item in _fs.ListAsync("/")) names.Add(item.Name);
        Assert.That(names, Is.EquivalentTo(new[] { "file.txt", "sub", "inside-link" }));
    }

    [Test]
    public async Task Deleting_a_link_removes_the_link_not_its_target()
    {
        await _fs.DeleteFileAsync("/link-secret");
        Assert.That(File.Exists(Path.Combine(_base, "outside", "secret.txt")), Is.True);
        Assert.That(Path.Exists(Path.Combine(_root, "link-secret")), Is.False);
        Assert.That(new FileInfo(Path.Combine(_root, "link-secret")).LinkTarget, Is.Null);
    }

    [Test]
    public void Renaming_into_an_escaping_link_is_refused()
    {
        Assert.That(async () => await _fs.RenameAsync("/file.txt", "/link-out/file.txt"), Throws.TypeOf<FtpFileSystemException>());
        Assert.That(async () => await _fs.CreateDirectoryAsync("/link-out/d"), Throws.TypeOf<FtpFileSystemException>());
        Assert.That(File.Exists(Path.Combine(_root, "file.txt")), Is.True);
        Assert.That(Directory.GetFileSystemEntries(Path.Combine(_base, "outside")), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task Broken_stor_leaves_no_file_and_commit_replaces_atomically()
    {
        await using (var upload = await _fs.BeginUploadAsync("/file.txt", FtpUploadMode.Create, 0))
            await upload.Stream.WriteAsync("partial"u8.ToArray());
        Assert.That(File.ReadAllText(Path.Combine(_root, "file.txt")), Is.EqualTo("inside"));
        Assert.That(Directory.GetFiles(_root, "*.upload"), Is.Empty);
        await using (var upload = await _fs.BeginUploadAsync("/file.txt", FtpUploadMode.Create, 0))
        {
            await upload.Stream.WriteAsync("complete"u8.ToArray());
            await upload.CommitAsync();
        }
        Assert.That(File.ReadAllText(Path.Combine(_root, "file.txt")), Is.EqualTo("complete"));
    }
}
