using System.Buffers;
using BenchmarkDotNet.Attributes;
using Protocols.Servers.Ftp;
using Protocols.Servers.Ftp.FileSystem;

namespace Protocols.Benchmarks.Ftp;

/// <summary>
/// Formatting FTP listing lines (LIST in the <c>ls -l</c> form, MLSD facts, NLST names) for a directory of 10,000
/// files, as the server does for each entry; results are per entry (time and bytes allocated). Run with
/// <c>dotnet run -c Release --project tests/Protocols.Benchmarks -- --filter '*ListingBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class ListingBenchmarks
{
    private const int Entries = 10_000;
    private readonly ArrayBufferWriter<byte> _output = new(1024 * 1024);
    private FtpFileInfo[] _items = [];
    private DateTimeOffset _now;

    [GlobalSetup]
    public void Setup()
    {
        _now = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        _items = [.. Enumerable.Range(1, Entries).Select(i => new FtpFileInfo(
            $"file-{i:D5}.txt", i % 50 == 0, i % 50 == 0 ? 0 : i * 37L, _now.AddMinutes(-i * 30)))];
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
