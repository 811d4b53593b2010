namespace Protocols.Tests.Ftp;

/// <summary>Byte-for-byte comparison of large buffers (NUnit's collection equality is too slow for megabytes).</summary>
internal static class Bytes
{
    public static void AssertSame(byte[] expected, byte[]? actual)
    {
        Assert.That(actual, Is.Not.Null);
        Assert.That(actual!.Length, Is.EqualTo(expected.Length), "length");
        var diff = expected.AsSpan().CommonPrefixLength(actual);
        Assert.That(diff, Is.EqualTo(expected.Length), $"first difference at byte {diff}");
    }
}
