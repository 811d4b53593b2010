using System.Buffers;
using BenchmarkDotNet.Attributes;
using Protocols.Servers.Ftp;
using Protocols.Servers.Ftp.FileSystem;

namespace Protocols.Benchmarks.Ftp;

/// <summary>
/// The server's whole listing path below the socket for a directory of 10,000 empty files on disk (as ftp-bench.sh
/// makes them): the safe open, the enumeration and each entry's status, and the LIST / MLSD line formatting into a
/// buffer. <c>List</c>/<c>Mlsd</c> are what the session does (<see cref="DiskListing"/>: names as bytes, no object
/// per entry); <c>ListContract</c>/<c>MlsdContract</c> go through <see cref="DiskFileSystem.ListAsync"/> (an
/// <see cref="FtpFileInfo"/> and its name per entry, what other file systems give). Results are per entry (time
/// and bytes allocated). Run with
/// <c>dotnet run -c Release --project tests/Protocols.Benchmarks -- --filter '*DiskListingBenchmarks*' --job short</c>;
/// the directory is made under /dev/shm (or the temp directory) and deleted after.
/// </summary>
[MemoryDiagnoser]
public class DiskListingBenchmarks
{
    private const int Entries = 10_000;
    private readonly ArrayBufferWriter<byte> _output = new(1024 * 1024);
    private string _root = "";
    private DiskFileSystem _fileSystem = null!;
    private DateTimeOffset _now;

    [GlobalSetup]
    public void Setup()
    {
        var parent = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _root = Path.Join(parent, "ftp-listing-bench-" + Guid.NewGuid().ToString("N"));
        var many = Directory.CreateDirectory(Path.Join(_root, "many")).FullName;
        for (var i = 1; i <= Entries; i++) File.Create(Path.Join(many, $"file-{i:D5}.txt")).Dispose();
        _fileSystem = new DiskFileSystem(_root);
        _now = DateTimeOffset.UtcNow;
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(OperationsPerInvoke = Entries)]
    public int List()
    {
        _output.ResetWrittenCount();
        using var listing = _fileSystem.OpenListing("/many");
        while (listing.MoveNext())
            if (FtpListingFormatter.IsListable(listing.Name)) FtpListingFormatter.WriteList(_output, listing.Name, listing.Facts, canWrite: true, _now.UtcDateTime);
        return _output.WrittenCount;
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public int Mlsd()
    {
        _output.ResetWrittenCount();
        using var listing = _fileSystem.OpenListing("/many");
        while (listing.MoveNext())
            if (FtpListingFormatter.IsListable(listing.Name)) FtpListingFormatter.WriteMlsd(_output, listing.Name, listing.Facts, canWrite: true, MlstFacts.All);
        return _output.WrittenCount;
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public async Task<int> ListContract()
    {
        _output.ResetWrittenCount();
        await foreach (var item in _fileSystem.ListAsync("/many")) FtpListingFormatter.WriteList(_output, item, canWrite: true, _now);
        return _output.WrittenCount;
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public async Task<int> MlsdContract()
    {
        _output.ResetWrittenCount();
        await foreach (var item in _fileSystem.ListAsync("/many")) FtpListingFormatter.WriteMlsd(_output, item, canWrite: true, MlstFacts.All);
        return _output.WrittenCount;
    }
}
