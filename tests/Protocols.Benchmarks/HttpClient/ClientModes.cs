using System.Diagnostics;
using System.Globalization;
using Protocols.Http;

namespace Protocols.Benchmarks.HttpClientBench;

/// <summary>
/// Side-by-side client modes for httpclient-bench.sh (not BenchmarkDotNet: they time a real transfer against nginx):
/// <c>httpclient-download URL ours|dotnet</c> and <c>httpclient-requests URL COUNT ours|dotnet</c>.
/// Each prints one line of key=value pairs.
/// </summary>
internal static class ClientModes
{
    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args.Length == 0) return null;
        switch (args[0])
        {
            case "httpclient-download" when args.Length == 3:
                await DownloadAsync(args[1], args[2]).ConfigureAwait(false);
                return 0;
            case "httpclient-requests" when args.Length == 4:
                await RequestsAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args[3]).ConfigureAwait(false);
                return 0;
            case "httpclient-blocks" when args.Length >= 5:
                await BlocksAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture), args[4..]).ConfigureAwait(false);
                return 0;
            default:
                return null;
        }
    }

    private static async Task DownloadAsync(string url, string which)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        long bytes;
        if (which == "ours")
        {
            var options = Tuned();
            await using var client = new Http1Client(options);
            bytes = await client.DownloadAsync(url, Stream.Null).ConfigureAwait(false);
        }
        else
        {
            using var client = new System.Net.Http.HttpClient(new System.Net.Http.SocketsHttpHandler());
            using var response = await client.GetAsync(url, System.Net.Http.HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            var counter = new CountingStream();
            await body.CopyToAsync(counter).ConfigureAwait(false);
            bytes = counter.Count;
        }
        var seconds = watch.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        Console.WriteLine(FormattableString.Invariant($"client={which} bytes={bytes} seconds={seconds:0.000} MBps={bytes / seconds / 1e6:0.0} cpu={cpuSeconds:0.000}"));
    }

    private static async Task RequestsAsync(string url, int count, string which)
    {
        var buffer = new byte[64 * 1024];
        Func<Task<long>> once;
        IAsyncDisposable? ours = null;
        IDisposable? theirs = null;
        if (which == "ours")
        {
            var client = new Http1Client(Tuned());
            ours = client;
            once = async () =>
            {
                await using var response = await client.GetAsync(url).ConfigureAwait(false);
                long n = 0;
                int read;
                while ((read = await response.Body.ReadAsync(buffer).ConfigureAwait(false)) > 0) n += read;
                return n;
            };
        }
        else
        {
            var client = new System.Net.Http.HttpClient(new System.Net.Http.SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.None });
            theirs = client;
            once = async () =>
            {
                using var response = await client.GetAsync(url, System.Net.Http.HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                await using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                long n = 0;
                int read;
                while ((read = await body.ReadAsync(buffer).ConfigureAwait(false)) > 0) n += read;
                return n;
            };
        }
        try
        {
            for (var i = 0; i < Math.Min(1000, count); i++) await once().ConfigureAwait(false);
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            long bytes = 0;
            for (var i = 0; i < count; i++) bytes += await once().ConfigureAwait(false);
            var seconds = watch.Elapsed.TotalSeconds;
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var allocPerRequest = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)count;
            Console.WriteLine(FormattableString.Invariant($"client={which} requests={count} bytes={bytes} seconds={seconds:0.000} rps={count / seconds:0} cpu={cpuSeconds:0.000} cpuPerRequestUs={cpuSeconds * 1e6 / count:0.0} allocPerRequest={allocPerRequest:0}"));
        }
        finally
        {
            if (ours is not null) await ours.DisposeAsync().ConfigureAwait(false);
            theirs?.Dispose();
        }
    }

    /// <summary>
    /// A/B on a loaded machine: the variants (<c>ours:SPIN_US</c>, our client with that <see cref="HttpClientOptions.ReplySpin"/>, or <c>dotnet</c>), each with its own
    /// keep-alive connection, take turns in blocks of BLOCK GETs until each has done COUNT; the process's CPU time
    /// and the wall time of each block are its own. Prints per variant the totals and the median block.
    /// </summary>
    private static async Task BlocksAsync(string url, int count, int block, string[] specs)
    {
        var buffer = new byte[64 * 1024];
        var variants = new List<(string Name, Func<Task<long>> Once, List<(double Wall, double Cpu)> Blocks)>();
        var disposables = new List<object>();
        foreach (var spec in specs)
        {
            var parts = spec.Split(':');
            if (parts[0] == "ours")
            {
                var options = Tuned();
                options.ReplySpin = TimeSpan.FromMicroseconds(int.Parse(parts[1], CultureInfo.InvariantCulture));
                var client = new Http1Client(options);
                disposables.Add(client);
                variants.Add((spec, async () =>
                {
                    await using var response = await client.GetAsync(url).ConfigureAwait(false);
                    long n = 0;
                    int read;
                    while ((read = await response.Body.ReadAsync(buffer).ConfigureAwait(false)) > 0) n += read;
                    return n;
                }, []));
            }
            else
            {
                var client = new System.Net.Http.HttpClient(new System.Net.Http.SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.None });
                disposables.Add(client);
                variants.Add((spec, async () =>
                {
                    using var response = await client.GetAsync(url, System.Net.Http.HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                    await using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                    long n = 0;
                    int read;
                    while ((read = await body.ReadAsync(buffer).ConfigureAwait(false)) > 0) n += read;
                    return n;
                }, []));
            }
        }
        foreach (var v in variants)
        {
            for (var i = 0; i < 1000; i++) await v.Once().ConfigureAwait(false);
        }
        var process = Process.GetCurrentProcess();
        for (var done = 0; done < count; done += block)
        {
            foreach (var v in variants)
            {
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var started = Stopwatch.GetTimestamp();
                for (var i = 0; i < block; i++) await v.Once().ConfigureAwait(false);
                var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
                process.Refresh();
                v.Blocks.Add((wall, (process.TotalProcessorTime - cpu).TotalSeconds));
            }
        }
        foreach (var v in variants)
        {
            var wall = v.Blocks.Sum(b => b.Wall);
            var cpu = v.Blocks.Sum(b => b.Cpu);
            var n = (double)v.Blocks.Count * block;
            var rates = v.Blocks.Select(b => block / b.Wall).Order().ToList();
            var cpus = v.Blocks.Select(b => b.Cpu * 1e6 / block).Order().ToList();
            Console.WriteLine(FormattableString.Invariant($"variant={v.Name} requests={n} rps={n / wall:0} cpuPerRequestUs={cpu * 1e6 / n:0.0} blockRpsMedian={rates[rates.Count / 2]:0} blockCpuMedian={cpus[cpus.Count / 2]:0.0}"));
        }
        foreach (var d in disposables)
        {
            if (d is IAsyncDisposable a) await a.DisposeAsync().ConfigureAwait(false);
            else ((IDisposable)d).Dispose();
        }
    }

    /// <summary>Our defaults without decompression; PROTO_RECEIVE_BUFFER overrides the receive buffer size and
    /// PROTO_QUICK_REPLIES=0 turns <see cref="HttpClientOptions.QuickReplies"/> off, for experiments.</summary>
    private static HttpClientOptions Tuned()
    {
        var options = new HttpClientOptions { AutomaticDecompression = false };
        if (Environment.GetEnvironmentVariable("PROTO_RECEIVE_BUFFER") is { } size) options.ReceiveBufferSize = int.Parse(size, CultureInfo.InvariantCulture);
        if (Environment.GetEnvironmentVariable("PROTO_QUICK_REPLIES") == "0") options.QuickReplies = false;
        if (Environment.GetEnvironmentVariable("PROTO_REPLY_SPIN_US") is { } spin) options.ReplySpin = TimeSpan.FromMicroseconds(int.Parse(spin, CultureInfo.InvariantCulture));
        return options;
    }

    private sealed class CountingStream : Stream
    {
        public long Count { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Count;
        public override long Position { get => Count; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Count += count;
        public override void Write(ReadOnlySpan<byte> buffer) => Count += buffer.Length;
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Count += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
