using System.Buffers;
using Protocols.Ftp.Listing;

namespace Protocols.Tests.Ftp;

public class ListingParserTests
{
    // The fixtures were captured on 2026-11-22; parse them as of that day so "Nov 22 03:21" means 2026.
    private static readonly DateTimeOffset Captured = new(2026, 11, 22, 4, 0, 0, TimeSpan.Zero);

    private static List<FtpListItem> ParseFixture(string name, FtpListFormat format = FtpListFormat.Auto) =>
        FtpListParser.Parse(FtpFixtures.Bytes(name), format, Captured);

    [Test]
    public void Vsftpd_list_numeric_owners_links_devices_spaces_and_years()
    {
        var items = ParseFixture("vsftpd.list.txt").ToDictionary(i => i.Name);
        Assert.That(items.Keys, Is.EquivalentTo(new[]
        {
            ".hidden", "empty", "fifo", "hello.txt", "link-to-hello", "name with  spaces.bin", "null-dev", "old.txt",
            "outside-link", "sub dir", "ümlaut.txt",
        }));
        Assert.That(items["hello.txt"], Has.Property("Type").EqualTo(FtpObjectType.File).And.Property("Size").EqualTo(6));
        Assert.That(items["hello.txt"].Modified, Is.EqualTo(new DateTimeOffset(2026, 11, 22, 3, 21, 0, TimeSpan.Zero)));
        Assert.That(items["hello.txt"].Owner, Is.EqualTo("0"));
        Assert.That(items["empty"].Type, Is.EqualTo(FtpObjectType.Directory));
        Assert.That(items["sub dir"].Type, Is.EqualTo(FtpObjectType.Directory));
        Assert.That(items["fifo"].Type, Is.EqualTo(FtpObjectType.Other));
        Assert.That(items["null-dev"].Type, Is.EqualTo(FtpObjectType.Other));
        Assert.That(items["link-to-hello"], Has.Property("Type").EqualTo(FtpObjectType.Link).And.Property("LinkTarget").EqualTo("hello.txt"));
        Assert.That(items["outside-link"].LinkTarget, Is.EqualTo("/etc/passwd"));
        Assert.That(items["name with  spaces.bin"].Size, Is.EqualTo(1000));
        Assert.That(items["old.txt"], Has.Property("Owner").EqualTo("12345").And.Property("Group").EqualTo("54321"));
        Assert.That(items["old.txt"].Modified, Is.EqualTo(new DateTimeOffset(2019, 3, 4, 0, 0, 0, TimeSpan.Zero)));
        Assert.That(items["ümlaut.txt"].Size, Is.EqualTo(3));
    }

    [Test]
    public void Vsftpd_list_a_includes_dot_entries()
    {
        var names = ParseFixture("vsftpd.list-a.txt").Select(i => i.Name).ToList();
        Assert.That(names, Has.Count.EqualTo(13));
        Assert.That(names, Does.Contain(".").And.Contain(".."));
    }

    [Test]
    public void Pyftpdlib_list_has_names_for_owners()
    {
        var items = ParseFixture("pyftpdlib.list.txt", FtpListFormat.Unix).ToDictionary(i => i.Name);
        Assert.That(items, Has.Count.EqualTo(11));
        Assert.That(items["hello.txt"], Has.Property("Owner").EqualTo("root").And.Property("Group").EqualTo("root"));
        Assert.That(items["link-to-hello"].LinkTarget, Is.EqualTo("hello.txt"));
        Assert.That(items["old.txt"].Modified!.Value.Year, Is.EqualTo(2019));
    }

    [Test]
    public void Pyftpdlib_mlsd_facts()
    {
        var items = ParseFixture("pyftpdlib.mlsd.txt").ToDictionary(i => i.Name);
        Assert.That(items, Has.Count.EqualTo(11));
        Assert.That(items["sub dir"].Type, Is.EqualTo(FtpObjectType.Directory));
        Assert.That(items["name with  spaces.bin"], Has.Property("Size").EqualTo(1000).And.Property("Type").EqualTo(FtpObjectType.File));
        Assert.That(items["old.txt"].Modified, Is.EqualTo(new DateTimeOffset(2019, 3, 4, 5, 6, 7, TimeSpan.Zero)));
        Assert.That(items["hello.txt"].Facts["unique"], Is.EqualTo("fe00gb1e1a9"));
        Assert.That(items["hello.txt"].Permissions, Is.EqualTo("r"));
        Assert.That(items, Does.ContainKey("ümlaut.txt"));
    }

    [Test]
    public void Pyftpdlib_mlst_reply_line()
    {
        var line = File.ReadAllLines(FtpFixtures.Path("pyftpdlib.mlst.txt"))[1];
        Assert.That(MlsdParser.TryParse(line.TrimStart(' '), out var item), Is.True);
        Assert.That(item, Has.Property("Name").EqualTo("/hello.txt").And.Property("Size").EqualTo(6));
    }

    [Test]
    public void Iis_dos_format()
    {
        var items = ParseFixture("iis-dos.list.txt").ToDictionary(i => i.Name);
        Assert.That(items.Keys, Is.EquivalentTo(new[] { "empty", "hello.txt", "name with  spaces.bin", "old.txt", "sub dir", "long year.txt" }));
        Assert.That(items["sub dir"].Type, Is.EqualTo(FtpObjectType.Directory));
        Assert.That(items["name with  spaces.bin"].Size, Is.EqualTo(1000));
        Assert.That(items["old.txt"].Modified, Is.EqualTo(new DateTimeOffset(2019, 3, 4, 5, 6, 0, TimeSpan.Zero)));
        Assert.That(items["long year.txt"].Modified, Is.EqualTo(new DateTimeOffset(2026, 11, 22, 15, 21, 0, TimeSpan.Zero)));
    }

    [TestCase("crw-r--r--   1 root     root       1,   3 Nov 22 03:21 null", "null", FtpObjectType.Other, -1L)]
    [TestCase("brw-rw----   1 root     disk       8,0 Nov 22 03:21 sda", "sda", FtpObjectType.Other, -1L)]
    [TestCase("-rw-r--r--   1 1000 1000 42 Nov 22 03:21 numeric", "numeric", FtpObjectType.File, 42L)]
    [TestCase("-rw-r--r--   1 ftp 42 Nov 22 03:21 no group", "no group", FtpObjectType.File, 42L)]
    [TestCase("-rw-r--r-- ftp ftp 42 Nov 22 03:21 no links", "no links", FtpObjectType.File, 42L)]
    [TestCase("-rw-r--r--+  1 ftp ftp 42 Nov 22 03:21 acl", "acl", FtpObjectType.File, 42L)]
    [TestCase("-rw-r--r--   1 ftp ftp 42 2019-03-04 05:06 iso date", "iso date", FtpObjectType.File, 42L)]
    [TestCase("-rw-r--r--   1 ftp ftp 42 Nov 22 03:21  leading space", " leading space", FtpObjectType.File, 42L)]
    [TestCase("-rw-r--r--   1 ftp ftp 42 Nov 22 03:21 a -> b", "a -> b", FtpObjectType.File, 42L)]
    [TestCase("lrwxrwxrwx   1 ftp ftp 1 Nov 22 03:21 my link -> my target", "my link", FtpObjectType.Link, 1L)]
    [TestCase("drwxr-sr-t   2 ftp ftp 4096 Jan  1  1999 sticky", "sticky", FtpObjectType.Directory, 4096L)]
    [TestCase("-rw-r--r--   1 owner with group 42 Nov 22 03:21 f", null, FtpObjectType.File, 0L)]
    public void Unix_variants(string line, string? name, FtpObjectType type, long size)
    {
        var ok = FtpListParser.TryParseLine(line, FtpListFormat.Auto, Captured, out var item);
        if (name is null)
        {
            // Three owner/group words: still parses (owner and group are the first two), the name is exact.
            Assert.That(ok, Is.True);
            Assert.That(item.Name, Is.EqualTo("f"));
            return;
        }
        Assert.That(ok, Is.True, line);
        Assert.That(item, Has.Property("Name").EqualTo(name).And.Property("Type").EqualTo(type).And.Property("Size").EqualTo(size));
    }

    [TestCase("total 12")]
    [TestCase("")]
    [TestCase("garbage line")]
    [TestCase("-rw-r--r--   1 ftp ftp 42 Nov 32 03:21 bad day")]
    [TestCase("-rw-r--r--   1 ftp ftp 42 Foo 22 03:21 bad month")]
    [TestCase("-rw-r--r--   1 ftp ftp x42 Nov 22 03:21 bad size")]
    [TestCase("-rw-r--r--   1 ftp ftp 42 Nov 22 03:21")]
    [TestCase("xrw-r--r--   1 ftp ftp 42 Nov 22 03:21 bad mode")]
    [TestCase("size=abc;type=file; bad size")]
    [TestCase("modify=2019;type=file; bad time")]
    public void Not_entries(string line) =>
        Assert.That(FtpListParser.TryParseLine(line, FtpListFormat.Auto, Captured, out _), Is.False);

    [Test]
    public void Time_without_year_in_the_future_is_last_year()
    {
        var january = new DateTimeOffset(2027, 1, 5, 0, 0, 0, TimeSpan.Zero);
        Assert.That(UnixListParser.TryParse("-rw-r--r-- 1 a b 1 Dec 30 10:00 f", january, out var item), Is.True);
        Assert.That(item.Modified, Is.EqualTo(new DateTimeOffset(2026, 12, 30, 10, 0, 0, TimeSpan.Zero)));
        Assert.That(UnixListParser.TryParse("-rw-r--r-- 1 a b 1 Jan  5 10:00 f", january, out item), Is.True);
        Assert.That(item.Modified!.Value.Year, Is.EqualTo(2027), "within the clock-skew window");
        var notLeap = new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.That(UnixListParser.TryParse("-rw-r--r-- 1 a b 1 Feb 29 10:00 f", notLeap, out item), Is.True);
        Assert.That(item.Modified!.Value.Year, Is.EqualTo(2024), "the last leap year");
    }

    [Test]
    public void Mlsd_symlink_and_cdir()
    {
        Assert.That(MlsdParser.TryParse("type=OS.unix=slink:/etc/passwd;size=11; out", out var link), Is.True);
        Assert.That(link, Has.Property("Type").EqualTo(FtpObjectType.Link).And.Property("LinkTarget").EqualTo("/etc/passwd"));
        Assert.That(MlsdParser.TryParse("Type=cdir;Modify=20190304050607.5; .", out var cdir), Is.True);
        Assert.That(MlsdParser.IsSelfOrParent(cdir), Is.True);
        Assert.That(cdir.Modified, Is.EqualTo(new DateTimeOffset(2019, 3, 4, 5, 6, 7, 500, TimeSpan.Zero)));
        Assert.That(MlsdParser.TryParse("type=file; semi;colon name", out var odd), Is.True);
        Assert.That(odd.Name, Is.EqualTo("semi;colon name"));
    }

    [Test]
    public void Line_longer_than_the_limit_is_refused()
    {
        var atLimit = new byte[FtpListParser.MaxLineLength];
        Array.Fill(atLimit, (byte)'a');
        Assert.That(() => FtpListParser.Parse([.. atLimit, (byte)'\n'], FtpListFormat.Auto, Captured), Throws.Nothing);
        Assert.That(() => FtpListParser.Parse([.. atLimit, (byte)'a', (byte)'\n'], FtpListFormat.Auto, Captured),
            Throws.TypeOf<InvalidDataException>());
    }

    [TestCase("vsftpd.list.txt")]
    [TestCase("vsftpd.list-a.txt")]
    [TestCase("pyftpdlib.list.txt")]
    [TestCase("pyftpdlib.mlsd.txt")]
    [TestCase("iis-dos.list.txt")]
    public void Every_prefix_then_the_rest_gives_the_whole_listing(string fixture)
    {
        var data = FtpFixtures.Bytes(fixture);
        var whole = FtpListParser.Parse(data, FtpListFormat.Auto, Captured);
        Assert.That(whole, Is.Not.Empty);
        for (var cut = 0; cut <= data.Length; cut++)
        {
            var items = new List<FtpListItem>();
            var first = new ReadOnlySequence<byte>(data, 0, cut);
            var consumed = FtpListParser.Parse(first, false, FtpListFormat.Auto, Captured, items);
            var consumedBytes = (int)first.Slice(0, consumed).Length;
            // Only whole lines are consumed: up to and including the last LF in the prefix.
            Assert.That(consumedBytes, Is.EqualTo(Array.LastIndexOf(data, (byte)'\n', Math.Max(0, cut - 1)) + 1).Or.EqualTo(0).And.LessThanOrEqualTo(cut));
            var rest = FtpFixtures.OneBytePerSegment(data[consumedBytes..]);
            var end = FtpListParser.Parse(rest, true, FtpListFormat.Auto, Captured, items);
            Assert.That(rest.Slice(0, end).Length, Is.EqualTo(rest.Length));
            Assert.That(items.Select(i => i.RawLine), Is.EqualTo(whole.Select(i => i.RawLine)), $"cut at {cut}");
        }
    }
}
