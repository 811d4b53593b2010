using System.Net;
using System.Net.Sockets;
using Protocols.Lines;
using Protocols.Net;

namespace Protocols.Tests.Net;

/// <summary>
/// The bulk switch of the line listener's Linux transport (<see cref="ConnectionReader"/>'s transfers over an
/// <see cref="EpollSocketStream"/>): a transfer is read as bulk only past <see cref="ConnectionOptions.BulkReadThreshold"/>
/// (at it, not), then the stream's waits complete on the thread pool and its receives are 64 KiB, and at the end of the
/// transfer both come back. With the loop's completions on (as in proto), a wait completes on the loop's thread before
/// the switch, on the pool during it, and on the loop again after it.
/// </summary>
public class BulkTransferTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [SetUp]
    public void OnLinux()
    {
        if (!EpollLoop.IsSupported) Assert.Fail("these tests run where the epoll transport does (Linux x64/arm64, PROTOCOLS_LINE_TRANSPORT unset)");
    }

    private static async Task<(Socket Listening, EpollListener Listener, Socket Client, EpollSocketStream Server, EndPoint Local, EndPoint Remote)> OpenAsync()
    {
        var listening = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listening.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listening.Listen(16);
        var accepted = new TaskCompletionSource<(EpollSocketStream, EndPoint, EndPoint)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = EpollListener.Start(listening, (s, l, r) => accepted.TrySetResult((s, l, r)), e => accepted.TrySetException(new SocketException((int)e)));
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listening.LocalEndPoint!).WaitAsync(Timeout);
        var (server, local, remote) = await accepted.Task.WaitAsync(Timeout);
        return (listening, listener, client, server, local, remote);
    }

    private static async Task FillToAsync(ConnectionReader reader, long length)
    {
        while (reader.BufferedLength < length) await reader.FillAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
    }

    [Test]
    public async Task A_transfer_is_bulk_one_byte_past_the_threshold_and_not_at_it()
    {
        var (listening, listener, client, server, local, remote) = await OpenAsync();
        using var _ = listening;
        using var __ = listener;
        using var ___ = client;
        await using var connection = Connection.Create(server, local, remote, new ConnectionOptions { BulkReadThreshold = 1000 });
        var reader = connection.Reader;
        Assert.That(server.ReceiveMemory, Is.Not.Null, "the connection's pipe receives through the stream's pool");

        reader.BeginTransfer();
        await client.SendAsync(new byte[1000]);
        await FillToAsync(reader, 1000);
        Assert.That((reader.IsBulk, server.IsOffLoop, server.ReceiveMemory!.Bulk), Is.EqualTo((false, false, false)), "at the threshold");

        await client.SendAsync(new byte[1]);
        await FillToAsync(reader, 1001);
        Assert.That((reader.IsBulk, server.IsOffLoop, server.ReceiveMemory.Bulk), Is.EqualTo((true, true, true)), "one byte past it");
        using (var rented = server.ReceiveMemory.Rent())
            Assert.That(rented.Memory.Length, Is.EqualTo(ReceiveMemory.BulkSize), "bulk receives");

        reader.EndTransfer();
        Assert.That((reader.IsBulk, server.IsOffLoop, server.ReceiveMemory.Bulk), Is.EqualTo((false, false, false)), "after the transfer");
        using (var rented = server.ReceiveMemory.Rent())
            Assert.That(rented.Memory.Length, Is.EqualTo(connection.Options.ReceiveBufferSize), "the idle size again");
    }

    [Test]
    public async Task Bytes_outside_a_transfer_never_switch()
    {
        var (listening, listener, client, server, local, remote) = await OpenAsync();
        using var _ = listening;
        using var __ = listener;
        using var ___ = client;
        await using var connection = Connection.Create(server, local, remote, new ConnectionOptions { BulkReadThreshold = 10 });
        await client.SendAsync(new byte[100]);
        await FillToAsync(connection.Reader, 100);
        Assert.That((connection.Reader.IsBulk, server.IsOffLoop), Is.EqualTo((false, false)));
    }

    [Test]
    public async Task With_the_loops_completions_a_bulk_transfer_waits_on_the_thread_pool_then_comes_back()
    {
        var (listening, listener, client, server, _, _) = await OpenAsync();
        using var __ = listening;
        using var ___ = listener;
        using var ____ = client;
        using var _____ = server;
        server.LoopCompletions = true; // as in proto (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1)
        var buffer = new byte[64];

        async Task<(string? Name, bool Pool)> WaitedOnAsync()
        {
            var read = await server.ReadAsync(buffer).ConfigureAwait(false);
            var thread = Thread.CurrentThread;
            var seen = (thread.Name, thread.IsThreadPoolThread);
            await Task.Yield(); // off the loop's thread before the test goes on
            Assert.That(read, Is.EqualTo(1));
            return seen;
        }

        async Task<(string? Name, bool Pool)> RoundAsync()
        {
            var waited = WaitedOnAsync(); // armed before the byte is sent
            await Task.Delay(50);
            await client.SendAsync(new byte[1]);
            return await waited.WaitAsync(Timeout);
        }

        var before = await RoundAsync();
        Assert.That(before.Name, Does.StartWith(".NET Lines"), "on the loop before the switch");
        ((IBulkTransport)server).SetBulk(true);
        var during = await RoundAsync();
        Assert.That(during.Pool, Is.True, $"on the thread pool during the transfer (was {during.Name})");
        ((IBulkTransport)server).SetBulk(false);
        var after = await RoundAsync();
        Assert.That(after.Name, Does.StartWith(".NET Lines"), "back on the loop after it");
    }

    [Test]
    public async Task A_deadline_ends_a_wait_off_the_loop()
    {
        var (listening, listener, client, server, _, _) = await OpenAsync();
        using var __ = listening;
        using var ___ = listener;
        using var ____ = client;
        using var _____ = server;
        server.LoopCompletions = true;
        ((IBulkTransport)server).SetBulk(true);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        Assert.That(async () => await server.ReadAsync(new byte[16], deadline.Token).AsTask().WaitAsync(Timeout), Throws.InstanceOf<OperationCanceledException>());
        await client.SendAsync("x"u8.ToArray());
        var buffer = new byte[16];
        Assert.That(await server.ReadAsync(buffer).AsTask().WaitAsync(Timeout), Is.EqualTo(1), "the stream stays usable");
    }

    [TestCase(null, true, true)]
    [TestCase("", true, true)]
    [TestCase("both", true, true)]
    [TestCase("none", false, false)]
    [TestCase("offloop", true, false)]
    [TestCase("receive", false, true)]
    [TestCase(" Receive ", false, true)]
    [TestCase("NONE", false, false)]
    [TestCase("recieve", true, true)]
    [TestCase("off", true, true)]
    [TestCase("0", true, true)]
    public void PROTOCOLS_BULK_takes_its_four_values_and_anything_else_is_the_default(string? value, bool offLoop, bool receives) =>
        Assert.That(BulkSwitch.Parse(value), Is.EqualTo((offLoop, receives)));

    /// <summary>How a bulk DATA read ends in <see cref="ReturnsEveryReceiveBuffer"/>.</summary>
    public enum Ending { Done, PeerReset, PeerClosed, Timeout, Cancelled, Aborted }

    [TestCase(Ending.Done)]
    [TestCase(Ending.PeerReset)]
    [TestCase(Ending.PeerClosed)]
    [TestCase(Ending.Timeout)]
    [TestCase(Ending.Cancelled)]
    [TestCase(Ending.Aborted)]
    public async Task ReturnsEveryReceiveBuffer(Ending ending)
    {
        // A dot-stuffed read past the threshold, ended each way: the switch comes back, the pipe holds at most a few
        // receive buffers at any time during it, and once the connection is released every buffer is back in the pool.
        var (listening, listener, client, server, local, remote) = await OpenAsync();
        using var _ = listening;
        using var __ = listener;
        using var ___ = client;
        var connection = Connection.Create(server, local, remote, new ConnectionOptions { BulkReadThreshold = 64 * 1024, ReadTimeout = TimeSpan.FromMilliseconds(ending == Ending.Timeout ? 500 : 20_000) });
        var memory = server.ReceiveMemory!;
        var sink = new Watching(memory);
        using var cancel = new CancellationTokenSource();
        var reading = DotStuffedReader.ReadAsync(connection.Reader, sink, new DotReaderOptions(), cancel.Token).AsTask();
        await client.SendAsync(new byte[1024 * 1024]);
        await WaitUntilAsync(() => connection.Reader.IsBulk && sink.Written > 512 * 1024, "the read is bulk");
        switch (ending)
        {
            case Ending.Done: await client.SendAsync("\r\n.\r\nQUIT\r\n"u8.ToArray()); break;
            case Ending.PeerReset: client.LingerState = new LingerOption(true, 0); client.Close(); break;
            case Ending.PeerClosed: client.Shutdown(SocketShutdown.Send); break;
            case Ending.Cancelled: cancel.Cancel(); break;
            case Ending.Aborted: connection.Abort(); break;
        }
        if (ending == Ending.Done) Assert.That((await reading.WaitAsync(Timeout)).Size, Is.EqualTo(1024 * 1024 + 2));
        else Assert.That(async () => await reading.WaitAsync(Timeout), Throws.Exception, "the read fails");
        Assert.That((connection.Reader.IsBulk, server.IsOffLoop, memory.Bulk), Is.EqualTo((false, false, false)), "the switch is back");
        Assert.That(sink.MostOutstanding, Is.InRange(1, 4), "receive buffers held at once during the read");
        await connection.DisposeAsync();
        Assert.That(memory.Outstanding, Is.Zero, "every receive buffer back in the pool");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting until {what}");
            await Task.Delay(10);
        }
    }

    // A destination that notes how many receive buffers the connection's pipe holds as each piece arrives.
    private sealed class Watching(ReceiveMemory memory) : Stream
    {
        private long _written;
        private int _most;

        public long Written => Interlocked.Read(ref _written);
        public int MostOutstanding => Volatile.Read(ref _most);

        public override void Write(byte[] buffer, int offset, int count) => Note(count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Note(buffer.Length);
            return ValueTask.CompletedTask;
        }

        private void Note(int count)
        {
            Interlocked.Add(ref _written, count);
            var now = memory.Outstanding;
            if (now > _most) Volatile.Write(ref _most, now);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
