using Protocols.Servers.Smtp;

namespace Protocols.Tests.Smtp;

/// <summary>The stream over a message in several blocks reads, seeks and copies the bytes of the blocks in order.</summary>
public class SegmentStreamTests
{
    private static (ReadOnlyMemory<byte>[] Segments, byte[] Whole) Make(int seed, params int[] lengths)
    {
        var random = new Random(seed);
        var segments = lengths.Select(n =>
        {
            var bytes = new byte[n + 4];
            random.NextBytes(bytes);
            return (ReadOnlyMemory<byte>)bytes.AsMemory(2, n);
        }).ToArray();
        return (segments, segments.SelectMany(s => s.ToArray()).ToArray());
    }

    [TestCase(new[] { 1 })]
    [TestCase(new[] { 0, 5, 0, 3 })]
    [TestCase(new[] { 4096, 1, 70000, 13 })]
    public async Task ReadsSeeksAndCopiesTheBytesInOrder(int[] lengths)
    {
        var (segments, whole) = Make(lengths.Sum(), lengths);
        using var stream = MessageContent.FromSegments(segments).OpenRead();
        Assert.That(stream.Length, Is.EqualTo(whole.Length));

        var read = new MemoryStream();
        var buffer = new byte[7];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0) read.Write(buffer, 0, n);
        Assert.That(read.ToArray(), Is.EqualTo(whole));
        Assert.That(stream.ReadByte(), Is.EqualTo(-1));

        var random = new Random(3);
        for (var i = 0; i < 50; i++)
        {
            var at = random.Next(whole.Length + 1);
            stream.Position = at;
            Assert.That(stream.ReadByte(), Is.EqualTo(at < whole.Length ? whole[at] : -1), $"byte at {at}");
        }

        stream.Seek(-Math.Min(3, whole.Length), SeekOrigin.End);
        var tail = new MemoryStream();
        await stream.CopyToAsync(tail);
        Assert.That(tail.ToArray(), Is.EqualTo(whole[^Math.Min(3, whole.Length)..]));
        Assert.That(stream.Position, Is.EqualTo(whole.Length));
    }

    [Test]
    public void MemoryJoinsTheBlocksOnce()
    {
        var (segments, whole) = Make(1, 10, 20, 30);
        var content = MessageContent.FromSegments(segments);
        Assert.That(content.Length, Is.EqualTo(60));
        Assert.That(content.IsContiguous, Is.False);
        Assert.That(content.Memory.ToArray(), Is.EqualTo(whole));
        Assert.That(content.IsContiguous, Is.True);
        Assert.That(content.Memory.Equals(content.Memory), Is.True, "the joined block is kept");
        content.Release();
        Assert.That(content.Memory.ToArray(), Is.EqualTo(whole), "release keeps bytes in memory");
    }
}
