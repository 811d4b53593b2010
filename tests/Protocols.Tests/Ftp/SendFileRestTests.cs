using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Protocols.Net;

namespace Protocols.Tests.Ftp;

/// <summary>
/// The file path of an upload's data connection (<see cref="Connection.SendFileRestAsync"/>): one thread that reads
/// and sends, waiting in poll(2). Every byte arrives in order with a progress call per chunk; a peer that stops reading
/// is a timeout (the connection reset); a cancellation is seen at once and resets it too. At most
/// <see cref="BlockingFileSend.UnsentLowWater"/> bytes wait unsent in the socket (TCP_NOTSENT_LOWAT), and a reader that
/// takes a little at a time still gets every byte.
/// </summary>
public class SendFileRestTests() : DataPathFixture("sendfile-rest-")
{
    private string MakeFile(int length, out byte[] data)
    {
        data = RandomNumberGenerator.GetBytes(length);
        var path = Path.Combine(Dir, "f.bin");
        File.WriteAllBytes(path, data);
        return path;
    }

    [Test]
    public async Task The_rest_of_the_file_arrives_whole_with_a_call_per_chunk()
    {
        var path = MakeFile(5 * 1024 * 1024 + 11, out var data);
        var (listener, port) = Listen();
        using var listening = listener;
        var accepted = listener.AcceptSocketAsync();
        await using var connection = await Connection.ConnectAsync("127.0.0.1", port).WaitAsync(Timeout);
        using var peer = await accepted.WaitAsync(Timeout);
        var received = Task.Run(async () =>
        {
            using var stream = new NetworkStream(peer);
            using var all = new MemoryStream();
            await stream.CopyToAsync(all);
            return all.ToArray();
        });
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        file.Position = 1000; // from the position: what a resume sends
        var chunks = new List<int>();
        var sent = await connection.SendFileRestAsync(file, 1024 * 1024, chunks.Add).WaitAsync(Timeout);
        await connection.CloseAsync().AsTask().WaitAsync(Timeout);
        Assert.That(sent, Is.EqualTo(data.Length - 1000));
        Assert.That(file.Position, Is.EqualTo(data.Length));
        Assert.That(chunks, Is.EqualTo(Enumerable.Repeat(1024 * 1024, 4).Append(1024 * 1024 + 11 - 1000)));
        Bytes.AssertSame(data[1000..], await received.WaitAsync(Timeout));
    }

    [Test]
    public async Task A_peer_that_stops_reading_is_a_timeout_and_the_connection_is_reset()
    {
        var path = MakeFile(64 * 1024 * 1024, out _);
        var (listener, port) = Listen(receiveBuffer: 64 * 1024);
        using var listening = listener;
        var accepted = listener.AcceptSocketAsync();
        await using var connection = await Connection.ConnectAsync("127.0.0.1", port,
            new ConnectionOptions { WriteTimeout = TimeSpan.FromMilliseconds(500) }).WaitAsync(Timeout);
        using var peer = await accepted.WaitAsync(Timeout); // never reads
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        long reported = 0;
        var clock = Stopwatch.StartNew();
        Assert.That(async () => await connection.SendFileRestAsync(file, 256 * 1024, n => reported += n).WaitAsync(Timeout),
            Throws.TypeOf<TimeoutException>());
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "the idle limit, not the whole file's time");
        Assert.That(reported, Is.LessThan(64L * 1024 * 1024));
        Assert.That(() => peer.Receive(new byte[64 * 1024 * 1024]) >= 0 && peer.Receive(new byte[1]) > 0, Throws.InstanceOf<SocketException>(),
            "reset: the peer sees no orderly end");
    }

    [Test]
    public async Task A_cancellation_stops_the_send_and_resets_the_connection()
    {
        var path = MakeFile(64 * 1024 * 1024, out _);
        var (listener, port) = Listen(receiveBuffer: 64 * 1024);
        using var listening = listener;
        var accepted = listener.AcceptSocketAsync();
        await using var connection = await Connection.ConnectAsync("127.0.0.1", port).WaitAsync(Timeout);
        using var peer = await accepted.WaitAsync(Timeout); // never reads: the send waits in poll
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        Assert.That(async () => await connection.SendFileRestAsync(file, 1024 * 1024, null, cancel.Token).WaitAsync(Timeout),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(() => peer.Receive(new byte[64 * 1024 * 1024]) >= 0 && peer.Receive(new byte[1]) > 0, Throws.InstanceOf<SocketException>());
    }

    [Test]
    public async Task At_most_the_low_water_mark_waits_unsent_and_a_slow_reader_gets_every_byte()
    {
        var path = MakeFile(3 * 1024 * 1024 + 5, out var data);
        var (listener, port) = Listen(receiveBuffer: 64 * 1024);
        using var listening = listener;
        var accepted = listener.AcceptSocketAsync();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Timeout);
        await using var connection = Connection.Create(socket, new ConnectionOptions { WriteTimeout = TimeSpan.FromSeconds(5) });
        using var peer = await accepted.WaitAsync(Timeout);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        var sending = connection.SendFileRestAsync(file, 1024 * 1024);
        // The peer does not read yet: the sender fills the socket and waits. Then the mark is set, and what waits unsent
        // is at most the mark and one send's overshoot (the kernel takes a send while fewer than the mark are unsent).
        await Task.Delay(300);
        Assert.That(sending.IsCompleted, Is.False);
        var mark = new byte[4];
        Assert.That(socket.GetRawSocketOption(6, 25, mark), Is.EqualTo(4)); // IPPROTO_TCP, TCP_NOTSENT_LOWAT
        Assert.That(BitConverter.ToInt32(mark), Is.EqualTo(BlockingFileSend.UnsentLowWater));
        Assert.That(Unsent(socket), Is.InRange(1, BlockingFileSend.UnsentLowWater + 256 * 1024), "unsent bytes in the socket");
        // A reader taking 16 KiB at a time with pauses: the sender is woken at the mark and goes on until the end.
        using var all = new MemoryStream();
        var piece = new byte[16 * 1024];
        while (all.Length < data.Length)
        {
            var n = await peer.ReceiveAsync(piece.AsMemory()).AsTask().WaitAsync(Timeout);
            Assert.That(n, Is.GreaterThan(0), "the sender closed early");
            all.Write(piece, 0, n);
            if (all.Length % (512 * 1024) < n) await Task.Delay(5);
        }
        Assert.That(await sending.WaitAsync(Timeout), Is.EqualTo(data.Length));
        Bytes.AssertSame(data, all.ToArray());
    }

    [Test]
    public async Task A_peer_that_resets_mid_file_is_a_closed_connection_at_once_not_a_timeout()
    {
        var path = MakeFile(64 * 1024 * 1024, out _);
        var (listener, port) = Listen(receiveBuffer: 64 * 1024);
        using var listening = listener;
        var accepted = listener.AcceptSocketAsync();
        await using var connection = await Connection.ConnectAsync("127.0.0.1", port,
            new ConnectionOptions { WriteTimeout = TimeSpan.FromSeconds(20) }).WaitAsync(Timeout);
        var peer = await accepted.WaitAsync(Timeout);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        long reported = 0;
        var sending = connection.SendFileRestAsync(file, 64 * 1024, n => Interlocked.Add(ref reported, n));
        var piece = new byte[64 * 1024];
        for (var taken = 0; taken < 1024 * 1024;) taken += await peer.ReceiveAsync(piece.AsMemory()).AsTask().WaitAsync(Timeout);
        var clock = Stopwatch.StartNew();
        peer.LingerState = new LingerOption(true, 0);
        peer.Close(); // a reset in the middle of the file
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(async () => await sending.WaitAsync(Timeout));
        Assert.That(error!.Message, Is.EqualTo("the peer closed the connection while we were sending a file"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "the reset, not the 20 s idle limit");
        Assert.That(Interlocked.Read(ref reported), Is.InRange(1024 * 1024, 64L * 1024 * 1024 - 1));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(BlockingFileSend.UnsentLowWater - 1)]
    [TestCase(BlockingFileSend.UnsentLowWater + 1)]
    public async Task A_small_file_arrives_whole(int length)
    {
        var path = MakeFile(length, out var data);
        var (listener, port) = Listen();
        using var listening = listener;
        var accepted = listener.AcceptSocketAsync();
        await using var connection = await Connection.ConnectAsync("127.0.0.1", port).WaitAsync(Timeout);
        using var peer = await accepted.WaitAsync(Timeout);
        var received = Task.Run(async () =>
        {
            using var stream = new NetworkStream(peer);
            using var all = new MemoryStream();
            await stream.CopyToAsync(all);
            return all.ToArray();
        });
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        var chunks = new List<int>();
        Assert.That(await connection.SendFileRestAsync(file, 1024 * 1024, chunks.Add).WaitAsync(Timeout), Is.EqualTo(length));
        await connection.CloseAsync().AsTask().WaitAsync(Timeout);
        Assert.That(chunks.Sum(), Is.EqualTo(length));
        Bytes.AssertSame(data, await received.WaitAsync(Timeout));
    }

    [Test]
    public async Task A_socket_that_refuses_the_low_water_mark_still_sends_the_whole_file()
    {
        // TCP_NOTSENT_LOWAT on a Unix stream socket fails (EOPNOTSUPP): the mark is best effort, the send goes on.
        var path = MakeFile(3 * 1024 * 1024 + 7, out var data);
        var name = Path.Combine(Dir, "s.sock");
        using var listening = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listening.Bind(new UnixDomainSocketEndPoint(name));
        listening.Listen(1);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(name)).WaitAsync(Timeout);
        using var peer = await listening.AcceptAsync().WaitAsync(Timeout);
        await using var connection = Connection.Create(socket, new ConnectionOptions { WriteTimeout = TimeSpan.FromSeconds(5) });
        Assert.That(connection.CanSendFile, Is.True, "the blocking send path, with its setsockopt");
        var received = Task.Run(async () =>
        {
            using var stream = new NetworkStream(peer);
            using var all = new MemoryStream();
            await stream.CopyToAsync(all);
            return all.ToArray();
        });
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        Assert.That(await connection.SendFileRestAsync(file, 1024 * 1024).WaitAsync(Timeout), Is.EqualTo(data.Length));
        socket.Shutdown(SocketShutdown.Send);
        Bytes.AssertSame(data, await received.WaitAsync(Timeout));
        var mark = new byte[4];
        Assert.That(() => socket.GetRawSocketOption(6, 25, mark), Throws.InstanceOf<SocketException>(), "the option is not there on this socket");
    }

    /// <summary>Bytes the socket holds that TCP has not sent yet (SIOCOUTQNSD).</summary>
    private static int Unsent(Socket socket)
    {
        var value = 0;
        Assert.That(Ioctl((int)socket.Handle, 0x894B, ref value), Is.EqualTo(0));
        return value;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int Ioctl(int fd, ulong request, ref int value);
}
