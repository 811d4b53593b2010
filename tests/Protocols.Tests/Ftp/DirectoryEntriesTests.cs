using Protocols.Files;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Protocols.Servers.FileSystem;

namespace Protocols.Tests.Ftp;

/// <summary>
/// The directory reader under FTP listings (one fstatat per entry on Linux): every entry's kind, size, time and
/// read-only flag as .NET's own <see cref="FileSystemInfo"/> reports them, links not followed, special files told
/// apart, "." and ".." left out.
/// </summary>
public class DirectoryEntriesTests
{
    private string _root = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("dir-entries-").FullName;
        File.WriteAllText(Path.Combine(_root, "hello.txt"), "hello");
        File.WriteAllBytes(Path.Combine(_root, "empty"), []);
        File.WriteAllText(Path.Combine(_root, ".hidden"), "h");
        File.WriteAllText(Path.Combine(_root, "naïve 名前.txt"), "utf-8");
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        File.CreateSymbolicLink(Path.Combine(_root, "link"), "hello.txt");
        File.CreateSymbolicLink(Path.Combine(_root, "dangling"), "nowhere");
        var old = Path.Combine(_root, "old.bin");
        File.WriteAllBytes(old, new byte[70_000]);
        File.SetLastWriteTimeUtc(old, new DateTime(2001, 2, 3, 4, 5, 6, 789, DateTimeKind.Utc));
        foreach (var (name, mode) in new[] { ("ro", "0444"), ("owner-only", "0600"), ("group-write", "0664"), ("no-read", "0200") })
        {
            File.WriteAllText(Path.Combine(_root, name), name);
            Run("chmod", mode, Path.Combine(_root, name));
        }
        // Owned by someone else: the group or other bits decide (the test runs as root, who is in group 0).
        File.WriteAllText(Path.Combine(_root, "theirs"), "x");
        Run("chown", "12345:0", Path.Combine(_root, "theirs"));
        File.WriteAllText(Path.Combine(_root, "theirs-other"), "x");
        Run("chown", "12345:12345", Path.Combine(_root, "theirs-other"));
        Run("chmod", "0646", Path.Combine(_root, "theirs-other"));
        Run("mkfifo", Path.Combine(_root, "fifo"));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, true);

    private static void Run(string tool, params string[] arguments)
    {
        using var process = Process.Start(tool, arguments);
        Assert.That(process.WaitForExit(10_000), Is.True, tool);
        Assert.That(process.ExitCode, Is.Zero, $"{tool} {string.Join(' ', arguments)}");
    }

    private List<DirectoryEntry> Read()
    {
        var safe = new SafeRoot(_root);
        using var directory = safe.OpenRelative("")!;
        return [.. directory.ReadEntries()];
    }

    [Test]
    public void The_native_reader_is_the_one_in_use_on_linux()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
            Assert.Fail("these tests run on Linux x64/arm64, where listings read each entry with one fstatat");
        Assert.That(UnixStatus.IsAvailable, Is.True);
    }

    [Test]
    public void Every_entry_matches_what_dotnet_reports()
    {
        var entries = Read();
        var expected = new DirectoryInfo(_root).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }).ToList();
        Assert.That(entries.Select(e => e.Name), Is.EquivalentTo(expected.Select(e => e.Name)));
        Assert.That(entries.Select(e => e.Name), Does.Not.Contain(".").And.Not.Contain(".."));
        foreach (var info in expected)
        {
            var entry = entries.Single(e => e.Name == info.Name);
            var kind = info.LinkTarget is not null ? DirectoryEntryKind.Link
                : info is DirectoryInfo ? DirectoryEntryKind.Directory
                : info.Name == "fifo" ? DirectoryEntryKind.Other
                : DirectoryEntryKind.File;
            Assert.That(entry.Kind, Is.EqualTo(kind), info.Name);
            Assert.That(entry.LastWriteTimeUtc, Is.EqualTo(info.LastWriteTimeUtc), info.Name);
            Assert.That(entry.LastWriteTimeUtc.Kind, Is.EqualTo(DateTimeKind.Utc), info.Name);
            if (kind != DirectoryEntryKind.File) continue;
            Assert.That(entry.Length, Is.EqualTo(((FileInfo)info).Length), info.Name);
            Assert.That(entry.IsReadOnly, Is.EqualTo((info.Attributes & FileAttributes.ReadOnly) != 0), info.Name);
        }
    }

    [Test]
    public void Sizes_times_and_permissions_are_the_entries_own()
    {
        var entries = Read().ToDictionary(e => e.Name);
        Assert.That(entries["hello.txt"], Is.EqualTo(entries["hello.txt"] with { Kind = DirectoryEntryKind.File, Length = 5, IsReadOnly = false }));
        Assert.That(entries["old.bin"].Length, Is.EqualTo(70_000));
        Assert.That(entries["old.bin"].LastWriteTimeUtc, Is.EqualTo(new DateTime(2001, 2, 3, 4, 5, 6, 789, DateTimeKind.Utc)));
        Assert.That(entries["naïve 名前.txt"].Length, Is.EqualTo(5));
        Assert.That(entries["sub"].Kind, Is.EqualTo(DirectoryEntryKind.Directory));
        Assert.That(entries["sub"].Length, Is.Zero);
        Assert.That(entries["link"].Kind, Is.EqualTo(DirectoryEntryKind.Link), "the link itself, not hello.txt");
        Assert.That(entries["dangling"].Kind, Is.EqualTo(DirectoryEntryKind.Link));
        Assert.That(entries["fifo"].Kind, Is.EqualTo(DirectoryEntryKind.Other));
        Assert.That(entries["ro"].IsReadOnly, Is.True);
        Assert.That(entries["owner-only"].IsReadOnly, Is.False);
        Assert.That(entries["group-write"].IsReadOnly, Is.False, "ours: the owner bits decide");
        Assert.That(entries["no-read"].IsReadOnly, Is.False, "not readable is not read-only");
        Assert.That(entries["theirs"].IsReadOnly, Is.True, "someone else's, our group may only read");
        Assert.That(entries["theirs-other"].IsReadOnly, Is.False, "someone else's, not our group, others may write");
    }

    [Test]
    public void An_empty_directory_has_no_entries()
    {
        Directory.CreateDirectory(Path.Combine(_root, "sub", "empty"));
        var safe = new SafeRoot(_root);
        using var directory = safe.OpenRelative("sub/empty")!;
        Assert.That(directory.ReadEntries(), Is.Empty);
    }

    [Test]
    public void A_large_directory_is_read_whole()
    {
        var many = Directory.CreateDirectory(Path.Combine(_root, "many")).FullName;
        for (var i = 0; i < 3000; i++) File.WriteAllBytes(Path.Combine(many, $"file-{i:D5}-{new string('x', 40)}.txt"), []);
        var safe = new SafeRoot(_root);
        using var directory = safe.OpenRelative("many")!;
        var entries = directory.ReadEntries().ToList();
        Assert.That(entries, Has.Count.EqualTo(3000));
        Assert.That(entries.Select(e => e.Name).Distinct().Count(), Is.EqualTo(3000));
        Assert.That(entries.All(e => e.Kind == DirectoryEntryKind.File && e.Length == 0), Is.True);
    }

    [Test]
    public void A_file_is_not_a_directory_to_read()
    {
        var safe = new SafeRoot(_root);
        using var file = safe.OpenRelative("hello.txt")!;
        Assert.That(() => file.ReadEntries().ToList(), Throws.InstanceOf<IOException>());
    }
}
