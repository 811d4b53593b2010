using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Protocols.Http;

namespace Protocols.Benchmarks.HttpClientBench;

/// <summary>Parsing a typical nginx response head, whole and split across segments.</summary>
[MemoryDiagnoser]
public class ResponseHeadParserBenchmarks
{
    private static readonly byte[] Head = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 22 Nov 2026 03:00:00 GMT\r\nContent-Type: text/plain\r\n" +
        "Content-Length: 1024\r\nLast-Modified: Sun, 22 Nov 2026 02:00:00 GMT\r\nConnection: keep-alive\r\nETag: \"6560a0a0-400\"\r\nAccept-Ranges: bytes\r\n\r\n");
    private readonly ResponseHeadParser _parser = new(8192, 65536, 100, true);
    private ReadOnlySequence<byte> _single;

    [GlobalSetup]
    public void Setup() => _single = new ReadOnlySequence<byte>(Head);

    [Benchmark]
    public int ParseNginxHead()
    {
        var consumed = _single.Start;
        var examined = _single.End;
        _parser.TryParseMessage(_single, ref consumed, ref examined, out var head);
        return head.StatusCode;
    }
}
