using System.Buffers;

namespace Protocols.Tests.Ftp;

/// <summary>Finds files under the repository's <c>fixtures/ftp</c> and builds multi-segment buffers.</summary>
internal static class FtpFixtures
{
    public static string Path(string name)
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !Directory.Exists(System.IO.Path.Combine(dir.FullName, "fixtures", "ftp"))) dir = dir.Parent;
        Assert.That(dir, Is.Not.Null, "fixtures/ftp not found above the test directory");
        return System.IO.Path.Combine(dir!.FullName, "fixtures", "ftp", name);
    }

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path(name));

    /// <summary>A sequence with one segment per byte: every boundary falls inside some token.</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] data)
    {
        if (data.Length == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(data.AsMemory(0, 1), 0);
        var last = first;
        for (var i = 1; i < data.Length; i++) last = last.Append(data.AsMemory(i, 1));
        return new ReadOnlySequence<byte>(first, 0, last, 1);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
