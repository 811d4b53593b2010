using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Protocols.Net;

namespace Protocols.Tests.Ftp;

/// <summary>
/// The file path of a download's data connection (<see cref="Connection.ReceiveToFileAsync"/>) over a connection made by
/// <see cref="Connection.ConnectForTransferAsync"/>: one thread that receives and writes, waiting in poll(2). Every byte
/// lands in order at the file's position, bytes the reader already held first, with a progress call per chunk; a peer
/// that goes quiet is a timeout and a cancellation is seen at once (both reset the connection); a failed file write is
/// thrown as it is, not as a connection error. The thread is woken once <see cref="BlockingFileReceive.WakeLowWater"/>
/// bytes are there (SO_RCVLOWAT) or the peer closed; fewer are still taken while the peer pauses.
/// </summary>
public class ReceiveToFileTests() : DataPathFixture("receive-file-")
{
    [Test]
    public async Task Everything_until_the_peer_closes_lands_at_the_file_position_held_bytes_first()
    {
        var data = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 11);
        var (listener, port) = Listen();
        using var listening = listener;
        var accepted = listener.AcceptSocketAsync();
        await using var connection = await Connection.ConnectForTransferAsync(IPAddress.Loopback, port,
            new ConnectionOptions { ReceiveBufferSize = 256 * 1024, ReadTimeout = Timeout }).WaitAsync(Timeout);
        using var peer = await accepted.WaitAsync(Timeout);
        var sending = Task.Run(() =>
        {
            peer.Send("HEAD"u8);
            peer.Send(data);
            peer.Shutdown(SocketShutdown.Send);
        });
        // The reader takes the first four bytes and may hold more: those must reach the file first.
        Assert.That((await connection.Reader.ReadExactlyAsync(4).AsTask().WaitAsync(Timeout)).ToArray(), Is.EqualTo("HEAD"u8.ToArray()));
        var path = Path.Combine(Dir, "f.bin");
        await File.WriteAllBytesAsync(path, "kept"u8.ToArray());
        await using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        var chunks = new List<int>();
        var received = await connection.ReceiveToFileAsync(file, 1024 * 1024, chunks.Add).WaitAsync(Timeout);
        await sending.WaitAsync(Timeout);
        await file.DisposeAsync();
        Assert.That(received, Is.EqualTo(data.Length));
        Assert.That(chunks.Sum(), Is.EqualTo(data.Length));
        Assert.That(chunks.Count, Is.InRange(5, 6 + 1), "about one call per chunk, plus the bytes the reader held");
        Bytes.AssertSame([.. "kept"u8.ToArray(), .. data], await File.ReadAllBytesAsync(path));
    }

    [Test]
    public async Task A_peer_that_goes_quiet_is_a_timeout_and_the_connection_is_reset()
    {
        var (listener, port) = Listen();
        using var listening = listener;
        var accepted = listener.AcceptSocketAsync();
        await using var connection = await Connection.ConnectForTransferAsync(IPAddress.Loopback, port,
            new ConnectionOptions { ReadTimeout = TimeSpan.FromMilliseconds(500) }).WaitAsync(Timeout);
        using var peer = await accepted.WaitAsync(Timeout);
        peer.Send(new byte[100_000]); // then nothing, and no close
        await using var file = new FileStream(Path.Combine(Dir, "f.bin"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        long reported = 0;
        var clock = Stopwatch.StartNew();
        Assert.That(async () => await connection.ReceiveToFileAsync(file, 1024 * 1024, n => reported += n).WaitAsync(Timeout),
            Throws.TypeOf<TimeoutException>());
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        Assert.That(reported, Is.EqualTo(100_000), "what arrived is written and counted");
        Assert.That(file.Length, Is.EqualTo(100_000));
        Assert.That(() => peer.Send(new byte[1024 * 1024]) >= 0 && peer.Send(new byte[1024 * 1024]) > 0 && peer.Receive(new byte[1]) > 0,
            Throws.InstanceOf<SocketException>(), "reset: the peer sees no orderly end");
    }

    [Test]
    public async Task A_cancellation_stops_the_receive_at_once_and_resets_the_connection()
    {
        var (listener, port) = Listen();
        using var listening = listener;
        var accepted = listener.AcceptSocketAsync();
        await using var connection = await Connection.ConnectForTransferAsync(IPAddress.Loopback, port).WaitAsync(Timeout);
        using var peer = await accepted.WaitAsync(Timeout); // sends nothing: the receive waits in poll
        await using var file = new FileStream(Path.Combine(Dir, "f.bin"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        Assert.That(async () => await connection.ReceiveToFileAsync(file, 1024 * 1024, null, cancel.Token).WaitAsync(Timeout),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(() => peer.Receive(new byte[1]) > 0, Throws.InstanceOf<SocketException>());
    }

    [Test]
    public async Task A_failed_write_is_the_file_error_not_a_connection_error()
    {
        var (listener, port) = Listen();
        using var listening = listener;
        var accepted = listener.AcceptSocketAsync();
        await using var connection = await Connection.ConnectForTransferAsync(IPAddress.Loopback, port).WaitAsync(Timeout);
        using var peer = await accepted.WaitAsync(Timeout);
        peer.Send(new byte[1000]);
        var path = Path.Combine(Dir, "f.bin");
        await File.WriteAllBytesAsync(path, []);
        await using var readOnly = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        var error = await Assert.ThrowsAsync<NotSupportedException>(async () => await connection.ReceiveToFileAsync(readOnly, 1024).WaitAsync(Timeout));
        Assert.That(error, Is.Not.InstanceOf<IOException>());
    }

    [Test]
    public async Task Connecting_for_a_transfer_to_a_closed_port_is_refused()
    {
        var (listener, port) = Listen();
        listener.Stop(); // nothing listens there now
        var error = await Assert.ThrowsAsync<SocketException>(async () => await Connection.ConnectForTransferAsync(IPAddress.Loopback, port).WaitAsync(Timeout));
        Assert.That(error!.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused));
    }

    [Test]
    public async Task Fewer_bytes_than_the_wake_mark_and_a_close_arrive_at_once()
    {
        var (listener, port) = Listen();
        using var listening = listener;
        var accepted = listener.AcceptSocketAsync();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Timeout);
        await using var connection = Connection.Create(socket, new ConnectionOptions { ReadTimeout = Timeout });
        using var peer = await accepted.WaitAsync(Timeout);
        var data = RandomNumberGenerator.GetBytes(BlockingFileReceive.WakeLowWater - 1);
        var path = Path.Combine(Dir, "f.bin");
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        var receiving = connection.ReceiveToFileAsync(file, 1024 * 1024);
        await Task.Delay(200);
        var mark = new byte[4];
        Assert.That(socket.GetRawSocketOption(1, 18, mark), Is.EqualTo(4)); // SOL_SOCKET, SO_RCVLOWAT
        Assert.That(BitConverter.ToInt32(mark), Is.EqualTo(BlockingFileReceive.WakeLowWater));
        var clock = Stopwatch.StartNew();
        peer.Send(data);
        peer.Shutdown(SocketShutdown.Send);
        Assert.That(await receiving.WaitAsync(Timeout), Is.EqualTo(data.Length));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "the close wakes the thread");
        await file.DisposeAsync();
        Bytes.AssertSame(data, await File.ReadAllBytesAsync(path));
    }

    [Test]
    public async Task Bytes_below_the_wake_mark_are_taken_while_the_peer_pauses_and_more_than_it_after()
    {
        var (listener, port) = Listen();
        using var listening = listener;
        var accepted = listener.AcceptSocketAsync();
        await using var connection = await Connection.ConnectForTransferAsync(IPAddress.Loopback, port,
            new ConnectionOptions { ReadTimeout = TimeSpan.FromSeconds(2) }).WaitAsync(Timeout);
        using var peer = await accepted.WaitAsync(Timeout);
        var first = RandomNumberGenerator.GetBytes(100_000);
        var second = RandomNumberGenerator.GetBytes(BlockingFileReceive.WakeLowWater + 1);
        var firstTaken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long reported = 0;
        var path = Path.Combine(Dir, "f.bin");
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        var receiving = connection.ReceiveToFileAsync(file, 1, n =>
        {
            if (Interlocked.Add(ref reported, n) >= first.Length) firstTaken.TrySetResult();
        });
        peer.Send(first);
        // The peer pauses with fewer bytes than the mark sent (and less than the 2 s idle limit): they are taken meanwhile.
        await firstTaken.Task.WaitAsync(TimeSpan.FromSeconds(1));
        Assert.That(Interlocked.Read(ref reported), Is.EqualTo(first.Length));
        await Task.Delay(700);
        peer.Send(second);
        peer.Send(first);
        peer.Shutdown(SocketShutdown.Send);
        Assert.That(await receiving.WaitAsync(Timeout), Is.EqualTo(2 * first.Length + second.Length));
        await file.DisposeAsync();
        Bytes.AssertSame([.. first, .. second, .. first], await File.ReadAllBytesAsync(path));
    }

    [Test]
    public async Task A_peer_that_resets_mid_file_is_a_closed_connection_at_once_not_a_timeout()
    {
        var (listener, port) = Listen();
        using var listening = listener;
        var accepted = listener.AcceptSocketAsync();
        await using var connection = await Connection.ConnectForTransferAsync(IPAddress.Loopback, port,
            new ConnectionOptions { ReadTimeout = TimeSpan.FromSeconds(20) }).WaitAsync(Timeout);
        var peer = await accepted.WaitAsync(Timeout);
        await using var file = new FileStream(Path.Combine(Dir, "f.bin"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        long reported = 0;
        var receiving = connection.ReceiveToFileAsync(file, 1, n => Interlocked.Add(ref reported, n));
        peer.Send(new byte[200_000]); // below the wake mark
        var until = DateTime.UtcNow + Timeout;
        while (Interlocked.Read(ref reported) < 200_000 && DateTime.UtcNow < until) await Task.Delay(10);
        var clock = Stopwatch.StartNew();
        peer.LingerState = new LingerOption(true, 0);
        peer.Close();
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(async () => await receiving.WaitAsync(Timeout));
        Assert.That(error!.Message, Is.EqualTo("the connection broke while we were receiving a file"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "the reset, not the 20 s idle limit");
        Assert.That(file.Length, Is.EqualTo(200_000), "what arrived before the reset is written");
    }

    [TestCase(0)]
    [TestCase(1)]
    public async Task A_tiny_file_and_the_close_arrive_at_once(int length)
    {
        var (listener, port) = Listen();
        using var listening = listener;
        var accepted = listener.AcceptSocketAsync();
        await using var connection = await Connection.ConnectForTransferAsync(IPAddress.Loopback, port,
            new ConnectionOptions { ReadTimeout = Timeout }).WaitAsync(Timeout);
        using var peer = await accepted.WaitAsync(Timeout);
        var path = Path.Combine(Dir, "f.bin");
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        var receiving = connection.ReceiveToFileAsync(file, 1024 * 1024);
        var data = RandomNumberGenerator.GetBytes(length);
        if (length > 0) peer.Send(data);
        peer.Shutdown(SocketShutdown.Send);
        var clock = Stopwatch.StartNew();
        Assert.That(await receiving.WaitAsync(Timeout), Is.EqualTo(length));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "the close wakes the thread");
        await file.DisposeAsync();
        Bytes.AssertSame(data, await File.ReadAllBytesAsync(path));
    }
}
