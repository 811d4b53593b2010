using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BenchmarkDotNet.Attributes;
using Protocols.Net;

namespace Protocols.Benchmarks.Net;

/// <summary>
/// Reading lines from a loopback socket: our reader vs <see cref="StreamReader.ReadLineAsync()"/> on a
/// <see cref="NetworkStream"/> vs a hand-written <see cref="PipeReader"/> loop. Each operation reads one line
/// (results are per line); a sender thread streams 64-byte lines as fast as TCP takes them.
/// </summary>
[MemoryDiagnoser]
public class LineReadBenchmarks
{
    private const int LinesPerInvoke = 100_000;
    private static readonly byte[] Block = MakeBlock();

    private TcpListener _listener = null!;
    private readonly List<Socket> _senders = [];
    private CancellationTokenSource _stop = null!;
    private Connection _ours = null!;
    private StreamReader _streamReader = null!;
    private PipeReader _pipeReader = null!;

    private static byte[] MakeBlock()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < 1024; i++) sb.Append("250-a line of sixty-four bytes, like a reply or a header ").Append((i % 10000).ToString("D4")).Append("\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    private async Task<Socket> OpenAsync()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = _listener.AcceptSocketAsync();
        await client.ConnectAsync((IPEndPoint)_listener.LocalEndpoint);
        var sender = await accept;
        _senders.Add(sender);
        _ = Task.Run(async () =>
        {
            try
            {
                while (!_stop.IsCancellationRequested) await sender.SendAsync(Block, SocketFlags.None, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The benchmark is over.
            }
        });
        return client;
    }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _stop = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _ours = Connection.Create(await OpenAsync());
        _streamReader = new StreamReader(new NetworkStream(await OpenAsync(), ownsSocket: true), Encoding.ASCII, false, 16 * 1024);
        _pipeReader = PipeReader.Create(new NetworkStream(await OpenAsync(), ownsSocket: true), new StreamPipeReaderOptions(bufferSize: 16 * 1024));
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _stop.Cancel();
        foreach (var s in _senders) s.Dispose();
        await _ours.DisposeAsync();
        _streamReader.Dispose();
        await _pipeReader.CompleteAsync();
        _listener.Stop();
        _listener.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = LinesPerInvoke)]
    public async Task<long> StreamReaderReadLine()
    {
        long total = 0;
        for (var i = 0; i < LinesPerInvoke; i++) total += (await _streamReader.ReadLineAsync())!.Length;
        return total;
    }

    [Benchmark(OperationsPerInvoke = LinesPerInvoke)]
    public async Task<long> ProtocolsReadLine()
    {
        long total = 0;
        var reader = _ours.Reader;
        for (var i = 0; i < LinesPerInvoke; i++) total += (await reader.ReadLineAsync())!.Value.Length;
        return total;
    }

    [Benchmark(OperationsPerInvoke = LinesPerInvoke)]
    public async Task<long> ProtocolsTryReadLineThenAwait()
    {
        long total = 0;
        var reader = _ours.Reader;
        for (var i = 0; i < LinesPerInvoke; i++)
        {
            if (!reader.TryReadLine(out var line)) line = (await reader.ReadLineAsync())!.Value;
            total += line.Length;
        }
        return total;
    }

    [Benchmark(OperationsPerInvoke = LinesPerInvoke)]
    public async Task<long> RawPipeReaderLoop()
    {
        long total = 0;
        var lines = 0;
        while (lines < LinesPerInvoke)
        {
            var result = await _pipeReader.ReadAsync();
            var buffer = result.Buffer;
            while (lines < LinesPerInvoke)
            {
                var lf = buffer.PositionOf((byte)'\n');
                if (lf is null) break;
                total += buffer.Slice(0, lf.Value).Length - 1;
                buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
                lines++;
            }
            _pipeReader.AdvanceTo(buffer.Start, lines < LinesPerInvoke ? buffer.End : buffer.Start);
        }
        return total;
    }
}
