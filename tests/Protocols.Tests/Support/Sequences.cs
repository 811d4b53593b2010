using System.Buffers;

namespace Protocols.Tests.Support;

/// <summary>Builds multi-segment byte sequences, to test parsers on every way a buffer can be cut.</summary>
internal static class Sequences
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }

    /// <summary>A sequence of the given pieces, each its own segment.</summary>
    public static ReadOnlySequence<byte> Of(params byte[][] pieces)
    {
        if (pieces.Length == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(pieces[0], null);
        var last = first;
        for (var i = 1; i < pieces.Length; i++) last = new Segment(pieces[i], last);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>The bytes cut in two at <paramref name="at"/>, as a two-segment sequence.</summary>
    public static ReadOnlySequence<byte> SplitAt(byte[] bytes, int at) => Of(bytes[..at], bytes[at..]);

    /// <summary>One segment per byte.</summary>
    public static ReadOnlySequence<byte> BytewiseSegments(byte[] bytes) => Of(bytes.Select(b => new[] { b }).ToArray());
}

/// <summary>A timeout on every await in tests.</summary>
internal static class Within
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(10);

    public static Task<T> Seconds<T>(this ValueTask<T> task, int seconds = 10) => task.AsTask().WaitAsync(TimeSpan.FromSeconds(seconds));
    public static Task Seconds(this ValueTask task, int seconds = 10) => task.AsTask().WaitAsync(TimeSpan.FromSeconds(seconds));
    public static Task<T> Seconds<T>(this Task<T> task, int seconds = 10) => task.WaitAsync(TimeSpan.FromSeconds(seconds));
    public static Task Seconds(this Task task, int seconds = 10) => task.WaitAsync(TimeSpan.FromSeconds(seconds));
}
