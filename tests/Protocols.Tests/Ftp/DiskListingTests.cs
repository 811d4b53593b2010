using System.Buffers;
using System.Text;
using Protocols.Servers.Ftp;
using Protocols.Servers.Ftp.FileSystem;
using Protocols.Servers.Testing;
using Protocols.Tests.Support;

namespace Protocols.Tests.Ftp;

/// <summary>
/// Listings of a directory on disk: the session formats each line from the name's bytes and one status
/// (<see cref="DiskListing"/>), and those lines are the ones the <see cref="FtpFileInfo"/> contract gives; names
/// that are not UTF-8 show U+FFFD, names with CR or LF and fifos are left out, links show what they open to under the
/// root; nothing is allocated per entry.
/// </summary>
public class DiskListingTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    private string _root = null!;

    [SetUp]
    public async Task SetUp()
    {
        _root = Directory.CreateTempSubdirectory("disk-listing-").FullName;
        var dir = Directory.CreateDirectory(Path.Combine(_root, "d")).FullName;
        File.WriteAllText(Path.Combine(dir, "hello.txt"), "hello");
        File.WriteAllText(Path.Combine(dir, "naïve 名前.txt"), "utf-8");
        File.WriteAllText(Path.Combine(dir, "evil\r\n-rw-r--r-- 1 forged"), "x");
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        File.CreateSymbolicLink(Path.Combine(dir, "link"), "hello.txt");
        File.CreateSymbolicLink(Path.Combine(dir, "out"), "/etc/passwd");
        File.SetLastWriteTimeUtc(Path.Combine(dir, "hello.txt"), new DateTime(2020, 5, 6, 7, 8, 9, DateTimeKind.Utc));
        // Bytes that are not UTF-8 in a name (Linux allows any but '/' and NUL): made by the shell.
        var made = await PeerRunner.RunAsync("sh", ["-c", $"touch \"{dir}/bad$(printf '\\377')name\" && mkfifo \"{dir}/fifo\""], timeout: TimeSpan.FromSeconds(10));
        Assert.That(made.ExitCode, Is.Zero, made.Stderr);
    }

    [TearDown]
    public async Task TearDown()
    {
        // rm: .NET cannot name the file whose name is not UTF-8 to delete it.
        var removed = await PeerRunner.RunAsync("rm", ["-rf", _root], timeout: TimeSpan.FromSeconds(30));
        Assert.That(removed.ExitCode, Is.Zero, removed.Stderr);
    }

    private static string Lines(Action<IBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>(1);
        write(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Test]
    public async Task Lines_from_bytes_are_the_lines_of_the_FtpFileInfo_contract()
    {
        var disk = new DiskFileSystem(_root);
        var items = new List<FtpFileInfo>();
        await foreach (var item in disk.ListAsync("/d")) items.Add(item);
        Assert.That(items.Select(i => i.Name), Is.EquivalentTo(new[] { "hello.txt", "naïve 名前.txt", "evil\r\n-rw-r--r-- 1 forged", "sub", "link", "bad\uFFFDname" }),
            "the fifo and the link out of the root are left out; the bad byte decoded as U+FFFD");
        var listable = items.Where(i => FtpListingFormatter.IsListable(i.Name)).ToList();

        foreach (var (kind, fromInfo, fromBytes) in new (string, Action<IBufferWriter<byte>, FtpFileInfo>, Action<IBufferWriter<byte>, DiskListing>)[]
        {
            ("LIST", (o, i) => FtpListingFormatter.WriteList(o, i, true, Now), (o, l) => FtpListingFormatter.WriteList(o, l.Name, l.Facts, true, Now.UtcDateTime)),
            ("MLSD", (o, i) => FtpListingFormatter.WriteMlsd(o, i, false, MlstFacts.All), (o, l) => FtpListingFormatter.WriteMlsd(o, l.Name, l.Facts, false, MlstFacts.All)),
            ("NLST", (o, i) => FtpListingFormatter.WriteName(o, i.Name), (o, l) => FtpListingFormatter.WriteName(o, l.Name)),
        })
        {
            var expected = Lines(o => listable.ForEach(i => fromInfo(o, i)));
            var actual = Lines(o =>
            {
                using var listing = disk.OpenListing("/d");
                while (listing.MoveNext())
                    if (FtpListingFormatter.IsListable(listing.Name)) fromBytes(o, listing);
            });
            Assert.That(actual, Is.EqualTo(expected), kind);
        }
        Assert.That(Lines(o => listable.ForEach(i => FtpListingFormatter.WriteList(o, i, true, Now))),
            Does.Contain("-rw-r--r--    1 ftp      ftp                 5 May  6  2020 hello.txt\r\n")
                .And.Contain("-rw-r--r--    1 ftp      ftp                 5 ").And.Contain(" link\r\n")
                .And.Contain("drwxr-xr-x    1 ftp      ftp                 0 ").And.Contain(" sub\r\n")
                .And.Contain(" bad\uFFFDname\r\n").And.Not.Contain("forged"));
    }

    [Test]
    public async Task A_session_lists_a_disk_directory_from_bytes()
    {
        await using var server = await FtpTestServer.StartAsync(o => o.RootDirectory = _root).WaitAsync(TimeSpan.FromSeconds(10));
        await using var ftp = await RawFtp.ConnectAsync(server.Port);
        await ftp.LoginAsync();
        foreach (var (command, expected) in new[]
        {
            ("LIST d", " bad\uFFFDname\r\n"),
            ("MLSD d", "; bad\uFFFDname\r\n"),
            ("NLST d", "bad\uFFFDname\r\n"),
        })
        {
            var data = await RawFtp.ConnectDataAsync(await ftp.EpsvAsync());
            Assert.That((await ftp.SendAsync(command)).Code, Is.EqualTo(150), command);
            var text = Encoding.UTF8.GetString(await RawFtp.ReadAllAsync(data));
            Assert.That((await ftp.ReadAsync()).Code, Is.EqualTo(226), command);
            Assert.That(text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(5), $"{command}: {text}");
            Assert.That(text, Does.Contain(expected).And.Contain("hello.txt\r\n").And.Contain("naïve 名前.txt\r\n").And.Not.Contain("forged").And.Not.Contain("fifo"), command);
        }
    }

    [Test]
    public void Nothing_is_allocated_per_entry()
    {
        var many = Directory.CreateDirectory(Path.Combine(_root, "many")).FullName;
        for (var i = 0; i < 2000; i++) File.Create(Path.Combine(many, $"file-{i:D5}.txt")).Dispose();
        var disk = new DiskFileSystem(_root);
        var output = new ArrayBufferWriter<byte>(1 << 20);
        long Allocated(int rounds)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var r = 0; r < rounds; r++)
            {
                output.ResetWrittenCount();
                using var listing = disk.OpenListing("/many");
                while (listing.MoveNext())
                {
                    FtpListingFormatter.WriteList(output, listing.Name, listing.Facts, true, Now.UtcDateTime);
                    FtpListingFormatter.WriteMlsd(output, listing.Name, listing.Facts, true, MlstFacts.All);
                }
            }
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Allocated(3); // warm up (JIT)
        var perListing = Allocated(5) / 5;
        Assert.That(perListing, Is.LessThan(2000 * 4), $"{perListing} B for a listing of 2,000 entries: a fixed cost per listing, none per entry");
    }
}
