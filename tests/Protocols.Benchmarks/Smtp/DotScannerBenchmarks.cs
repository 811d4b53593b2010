using System.Text;
using BenchmarkDotNet.Attributes;
using Protocols.Lines;

namespace Protocols.Benchmarks.Smtp;

/// <summary>
/// The DATA unstuffing scanner over a 1 MiB message (76-byte base64-like lines, a stuffed dot every 64 lines, the end
/// marker) cut into spans as a pipe delivers them (4 KiB: Kestrel's own blocks; 32 KiB: the host's ReceiveBufferPool):
/// byte by byte (before) against the vector skip (after). One operation scans the whole message.
/// </summary>
[MemoryDiagnoser]
public class DotScannerBenchmarks
{
    private byte[] _message = [];
    private readonly List<DotScanner.Run> _runs = new(8);

    [Params(false, true)]
    public bool Vectorized { get; set; }

    [Params(76, 998)]
    public int LineLength { get; set; }

    [Params(4096, 32768)]
    public int SpanSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var text = new StringBuilder("Subject: bench\r\n\r\n");
        for (var i = 0; text.Length < 1024 * 1024; i++)
        {
            if (i % 64 == 63) text.Append("..");
            for (var c = 0; c < LineLength; c++) text.Append((char)('A' + (i + c) % 26));
            text.Append("\r\n");
        }
        text.Append(".\r\n");
        _message = Encoding.ASCII.GetBytes(text.ToString());
    }

    [Benchmark]
    public int Scan1MiB()
    {
        var scanner = new DotScanner(Vectorized);
        var kept = 0;
        for (var at = 0; at < _message.Length; at += SpanSize)
        {
            _runs.Clear();
            var span = _message.AsSpan(at, Math.Min(SpanSize, _message.Length - at));
            var end = scanner.Scan(span, _runs);
            foreach (var run in _runs) kept += run.Length;
            if (end >= 0) break;
        }
        return kept;
    }
}
