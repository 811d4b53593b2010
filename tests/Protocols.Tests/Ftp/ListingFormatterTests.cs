using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Protocols.Servers.Ftp;
using Protocols.Servers.Ftp.FileSystem;

namespace Protocols.Tests.Ftp;

/// <summary>The exact bytes of LIST, MLSD and NLST lines (formatted in place, without strings per entry).</summary>
public class ListingFormatterTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private static string Format(Action<IBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>(1); // a small first buffer: every write asks for its room
        write(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Test]
    public void ListLinesInTheLsForm()
    {
        var recent = new FtpFileInfo("notes.txt", false, 1234, new DateTimeOffset(2026, 11, 5, 9, 7, 0, TimeSpan.Zero));
        var old = new FtpFileInfo("old.bin", false, 123456789012345, new DateTimeOffset(2024, 3, 14, 1, 2, 3, TimeSpan.Zero)) { IsReadOnly = true };
        var directory = new FtpFileInfo("späße", true, 0, new DateTimeOffset(2026, 12, 1, 7, 59, 0, TimeSpan.Zero));
        Assert.That(Format(o => FtpListingFormatter.WriteList(o, recent, true, Now)),
            Is.EqualTo("-rw-r--r--    1 ftp      ftp              1234 Nov  5 09:07 notes.txt\r\n"));
        Assert.That(Format(o => FtpListingFormatter.WriteList(o, old, true, Now)),
            Is.EqualTo("-r--r--r--    1 ftp      ftp      123456789012345 Mar 14  2024 old.bin\r\n"));
        Assert.That(Format(o => FtpListingFormatter.WriteList(o, directory, false, Now)),
            Is.EqualTo("dr-xr-xr-x    1 ftp      ftp                 0 Dec  1 07:59 späße\r\n"));
    }

    [Test]
    public void AFutureTimeShowsTheYear()
    {
        var future = new FtpFileInfo("f", false, 1, new DateTimeOffset(2027, 1, 2, 3, 4, 5, TimeSpan.Zero));
        Assert.That(Format(o => FtpListingFormatter.WriteList(o, future, true, Now)), Does.EndWith(" Jan  2  2027 f\r\n"));
    }

    [Test]
    public void MlsdFactsAndMlstString()
    {
        var file = new FtpFileInfo("a b.txt", false, 42, new DateTimeOffset(2026, 2, 3, 4, 5, 6, TimeSpan.Zero));
        var directory = new FtpFileInfo("sub", true, 0, new DateTimeOffset(2026, 2, 3, 4, 5, 6, TimeSpan.Zero));
        Assert.That(Format(o => FtpListingFormatter.WriteMlsd(o, file, true, MlstFacts.All)),
            Is.EqualTo("type=file;size=42;modify=20260203040506;perm=radfw; a b.txt\r\n"));
        Assert.That(Format(o => FtpListingFormatter.WriteMlsd(o, directory, false, MlstFacts.All)),
            Is.EqualTo("type=dir;modify=20260203040506;perm=el; sub\r\n"));
        Assert.That(Format(o => FtpListingFormatter.WriteMlsd(o, directory, true, MlstFacts.Type | MlstFacts.Perm, "cdir")),
            Is.EqualTo("type=cdir;perm=elcmpdf; sub\r\n"));
        Assert.That(FtpListingFormatter.Facts(file, false, MlstFacts.Size | MlstFacts.Perm), Is.EqualTo("size=42;perm=r;"));
        Assert.That(FtpListingFormatter.Facts(file, true, MlstFacts.None), Is.EqualTo(""));
    }

    [Test]
    public void NoAllocationPerEntry()
    {
        var output = new ArrayBufferWriter<byte>(1 << 20);
        var item = new FtpFileInfo("file-00001.txt", false, 37, Now.AddHours(-1));
        for (var i = 0; i < 100; i++)
        {
            FtpListingFormatter.WriteList(output, item, true, Now); // warm up (JIT)
            FtpListingFormatter.WriteMlsd(output, item, true, MlstFacts.All);
        }
        output.ResetWrittenCount();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            FtpListingFormatter.WriteList(output, item, true, Now);
            FtpListingFormatter.WriteMlsd(output, item, true, MlstFacts.All);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }

    [Test]
    public async Task A_listing_goes_to_a_pipe_in_few_large_writes()
    {
        var sink = new CountingStream();
        var pipe = PipeWriter.Create(sink, new StreamPipeWriterOptions(leaveOpen: true)); // 4 KiB buffers by default
        var expected = new StringBuilder();
        for (var i = 0; i < 10_000; i++)
        {
            var item = new FtpFileInfo($"file-{i:D5}.txt", false, i, Now.AddHours(-i));
            FtpListingFormatter.WriteList(pipe, item, true, Now);
            expected.Append(Format(o => FtpListingFormatter.WriteList(o, item, true, Now)));
        }
        await pipe.FlushAsync();
        await pipe.CompleteAsync();
        Assert.That(Encoding.UTF8.GetString(sink.ToArray()), Is.EqualTo(expected.ToString()), "every line whole and in order");
        Assert.That(sink.Writes, Is.LessThanOrEqualTo(sink.Length / (32 * 1024) + 2), $"{sink.Length} bytes in {sink.Writes} writes");
    }

    [Test]
    public async Task With_a_reserve_before_each_run_of_lines_each_drain_is_one_write()
    {
        var sink = new CountingStream();
        var pipe = PipeWriter.Create(sink, new StreamPipeWriterOptions(leaveOpen: true)); // 4 KiB buffers by default
        var drains = 0;
        FtpListingFormatter.Reserve(pipe);
        for (var i = 0; i < 10_000; i++)
        {
            FtpListingFormatter.WriteList(pipe, new FtpFileInfo($"file-{i:D5}.txt", false, i, Now.AddHours(-i)), true, Now);
            if (pipe.UnflushedBytes < FtpListingFormatter.DrainBytes) continue; // as the session drains a listing
            await pipe.FlushAsync();
            drains++;
            FtpListingFormatter.Reserve(pipe);
        }
        await pipe.FlushAsync();
        drains++;
        await pipe.CompleteAsync();
        Assert.That(sink.Writes, Is.EqualTo(drains), $"{sink.Length} bytes in {drains} drains");
        Assert.That(drains, Is.LessThanOrEqualTo(sink.Length / FtpListingFormatter.DrainBytes + 1), "each write 64 KiB or more but the last");
    }

    [Test]
    public void A_long_name_gets_the_room_it_needs()
    {
        var name = new string('\u00e9', 30_000); // 60,000 bytes of UTF-8, past one large buffer with the head
        var item = new FtpFileInfo(name, false, 1, Now);
        Assert.That(Format(o => FtpListingFormatter.WriteList(o, item, true, Now)), Does.EndWith(" " + name + "\r\n"));
        Assert.That(Format(o => FtpListingFormatter.WriteMlsd(o, item, true, MlstFacts.All, "cdir")), Does.EndWith("; " + name + "\r\n"));
        Assert.That(Format(o => FtpListingFormatter.WriteName(o, name)), Is.EqualTo(name + "\r\n"));
    }

    private sealed class CountingStream : MemoryStream
    {
        public int Writes { get; private set; }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            return base.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Writes++;
            return base.WriteAsync(buffer, offset, count, cancellationToken);
        }
    }
}
