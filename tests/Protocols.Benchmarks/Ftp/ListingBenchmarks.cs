using System.Buffers;
using BenchmarkDotNet.Attributes;
using Protocols.Servers.Ftp;
using Protocols.Servers.Ftp.FileSystem;

namespace Protocols.Benchmarks.Ftp;

/// <summary>
/// Formatting FTP listing lines (LIST in the <c>ls -l</c> form, MLSD facts, NLST names) for a directory of 10,000
/// files: from <see cref="FtpFileInfo"/> (a name string, encoded per line) and, <c>...Bytes</c>, from UTF-8 names and
/// <see cref="ListingFacts"/> (what the session does for a directory on disk); results are per entry (time and bytes
/// allocated). Run with
/// <c>dotnet run -c Release --project tests/Protocols.Benchmarks -- --filter '*ListingBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class ListingBenchmarks
{
    private const int Entries = 10_000;
    private readonly ArrayBufferWriter<byte> _output = new(1024 * 1024);
    private FtpFileInfo[] _items = [];
    private byte[][] _names = [];
    private ListingFacts[] _facts = [];
    private DateTimeOffset _now;

    [GlobalSetup]
    public void Setup()
    {
        _now = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        _items = [.. Enumerable.Range(1, Entries).Select(i => new FtpFileInfo(
            $"file-{i:D5}.txt", i % 50 == 0, i % 50 == 0 ? 0 : i * 37L, _now.AddMinutes(-i * 30)))];
        _names = [.. _items.Select(i => System.Text.Encoding.UTF8.GetBytes(i.Name))];
        _facts = [.. _items.Select(ListingFacts.Of)];
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public int ListBytes()
    {
        _output.ResetWrittenCount();
        var now = _now.UtcDateTime;
        for (var i = 0; i < _names.Length; i++) FtpListingFormatter.WriteList(_output, _names[i], _facts[i], canWrite: true, now);
        return _output.WrittenCount;
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public int MlsdBytes()
    {
        _output.ResetWrittenCount();
        for (var i = 0; i < _names.Length; i++) FtpListingFormatter.WriteMlsd(_output, _names[i], _facts[i], canWrite: true, MlstFacts.All);
        return _output.WrittenCount;
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public int List()
    {
        _output.ResetWrittenCount();
        foreach (var item in _items) FtpListingFormatter.WriteList(_output, item, canWrite: true, _now);
        return _output.WrittenCount;
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public int Mlsd()
    {
        _output.ResetWrittenCount();
        foreach (var item in _items) FtpListingFormatter.WriteMlsd(_output, item, canWrite: true, MlstFacts.All);
        return _output.WrittenCount;
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public int Nlst()
    {
        _output.ResetWrittenCount();
        foreach (var item in _items) FtpListingFormatter.WriteName(_output, item.Name);
        return _output.WrittenCount;
    }
}
