using System.Net;
using System.Net.Sockets;
using Protocols.Net;

namespace Protocols.Tests.Net;

/// <summary>
/// <see cref="EpollSocketStream"/> against a plain .NET socket on loopback (Linux): reads wait for an edge and can be
/// cancelled, a write past the socket's buffers waits for the peer to take them, a reset is a reset, and the FIN of
/// <see cref="EpollSocketStream.ShutdownSend"/> goes out before a read or with the close.
/// </summary>
public class EpollSocketStreamTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private sealed class Pair : IAsyncDisposable
    {
        private readonly Socket _listening;
        private readonly EpollListener _listener;

        private Pair(Socket listening, EpollListener listener, Socket client, EpollSocketStream server, EndPoint local, EndPoint remote)
        {
            _listening = listening;
            _listener = listener;
            Client = client;
            Server = server;
            Local = local;
            Remote = remote;
        }

        public Socket Client { get; }
        public EpollSocketStream Server { get; }
        public EndPoint Local { get; }
        public EndPoint Remote { get; }

        public static async Task<Pair> OpenAsync(IPAddress? address = null)
        {
            address ??= IPAddress.Loopback;
            var listening = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            listening.Bind(new IPEndPoint(address, 0));
            listening.Listen(16);
            var accepted = new TaskCompletionSource<(EpollSocketStream, EndPoint, EndPoint)>(TaskCreationOptions.RunContinuationsAsynchronously);
            var listener = EpollListener.Start(listening, (s, l, r) => accepted.TrySetResult((s, l, r)), e => accepted.TrySetException(new SocketException((int)e)));
            var client = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(listening.LocalEndPoint!).WaitAsync(Timeout);
            var (server, local, remote) = await accepted.Task.WaitAsync(Timeout);
            return new Pair(listening, listener, client, server, local, remote);
        }

        public ValueTask DisposeAsync()
        {
            Client.Dispose();
            Server.Dispose();
            _listener.Dispose();
            _listening.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    [SetUp]
    public void LinuxOnly()
    {
        if (!EpollLoop.IsSupported) Assert.Fail("these tests run where the epoll transport does (Linux x64/arm64, PROTOCOLS_LINE_TRANSPORT unset)");
    }

    [Test]
    public async Task The_accepted_socket_has_its_ends_and_nodelay_from_the_listener()
    {
        await using var pair = await Pair.OpenAsync();
        Assert.That(pair.Remote, Is.EqualTo(pair.Client.LocalEndPoint));
        Assert.That(pair.Local, Is.EqualTo(pair.Client.RemoteEndPoint));
        int value = 0, length = sizeof(int);
        Assert.That(SocketCalls.getsockopt(pair.Server.Descriptor, SocketCalls.IpProtoTcp, SocketCalls.TcpNoDelay, ref value, ref length), Is.Zero);
        Assert.That(value, Is.Not.Zero, "TCP_NODELAY, inherited");
    }

    [Test]
    public async Task An_ipv6_peer_has_its_own_end()
    {
        await using var pair = await Pair.OpenAsync(IPAddress.IPv6Loopback);
        Assert.That(pair.Remote, Is.EqualTo(pair.Client.LocalEndPoint), "from accept's sockaddr_in6");
        Assert.That(pair.Local, Is.EqualTo(pair.Client.RemoteEndPoint));
        await pair.Client.SendAsync("v6"u8.ToArray());
        var buffer = new byte[8];
        Assert.That(await pair.Server.ReadAsync(buffer).AsTask().WaitAsync(Timeout), Is.EqualTo(2));
    }

    [Test]
    public async Task A_read_waits_for_bytes_and_a_cancelled_read_leaves_the_stream_usable()
    {
        await using var pair = await Pair.OpenAsync();
        var buffer = new byte[64];
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            var read = pair.Server.ReadAsync(buffer, cancel.Token).AsTask();
            Assert.That(read.IsCompleted, Is.False, "nothing sent yet: the read waits");
            await Assert.ThrowsAsync(Is.InstanceOf<OperationCanceledException>(), async () => await read.WaitAsync(Timeout));
        }
        await pair.Client.SendAsync("hello"u8.ToArray());
        var n = await pair.Server.ReadAsync(buffer).AsTask().WaitAsync(Timeout);
        Assert.That(buffer[..n], Is.EqualTo("hello"u8.ToArray()));
        pair.Client.Shutdown(SocketShutdown.Send);
        Assert.That(await pair.Server.ReadAsync(buffer).AsTask().WaitAsync(Timeout), Is.Zero, "the peer's FIN");
    }

    [Test]
    public async Task A_write_past_the_socket_buffers_waits_until_the_peer_reads_and_arrives_whole()
    {
        await using var pair = await Pair.OpenAsync();
        var data = new byte[16 << 20];
        Random.Shared.NextBytes(data);
        var write = pair.Server.WriteAsync(data).AsTask();
        await Task.Delay(200);
        Assert.That(write.IsCompleted, Is.False, "16 MiB do not fit in loopback's buffers while nobody reads");
        var received = new MemoryStream();
        var chunk = new byte[1 << 16];
        while (received.Length < data.Length)
        {
            var n = await pair.Client.ReceiveAsync(chunk).WaitAsync(Timeout);
            Assert.That(n, Is.Positive, "the stream ended early");
            received.Write(chunk, 0, n);
        }
        await write.WaitAsync(Timeout);
        Assert.That(received.ToArray().AsSpan().SequenceEqual(data), Is.True);
    }

    [Test]
    public async Task Reset_is_a_reset_for_the_peer_and_fails_a_pending_read()
    {
        await using var pair = await Pair.OpenAsync();
        var read = pair.Server.ReadAsync(new byte[16]).AsTask();
        pair.Server.Reset();
        await Assert.ThrowsAsync<ConnectionClosedException>(async () => await read.WaitAsync(Timeout), "the pending read ends");
        var error = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            var buffer = new byte[16];
            while (await pair.Client.ReceiveAsync(buffer).WaitAsync(Timeout) > 0)
            {
            }
        });
        Assert.That(error!.SocketErrorCode, Is.EqualTo(SocketError.ConnectionReset));
    }

    [Test]
    public async Task The_fin_goes_out_before_the_next_read_or_with_the_close()
    {
        await using var pair = await Pair.OpenAsync();
        var buffer = new byte[16];
        pair.Server.ShutdownSend();
        var read = pair.Server.ReadAsync(buffer).AsTask(); // the peer may wait for our FIN before it closes
        Assert.That(await pair.Client.ReceiveAsync(buffer).WaitAsync(Timeout), Is.Zero, "FIN before the read waits");
        pair.Client.Shutdown(SocketShutdown.Send);
        Assert.That(await read.WaitAsync(Timeout), Is.Zero);

        await using var second = await Pair.OpenAsync();
        second.Server.ShutdownSend();
        second.Server.Dispose();
        Assert.That(await second.Client.ReceiveAsync(buffer).WaitAsync(Timeout), Is.Zero, "FIN with the close");
    }

    [Test]
    public void Socket_addresses_parse_for_both_families()
    {
        byte[] v4 = [2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.That(EpollListener.Parse(v4), Is.EqualTo(new IPEndPoint(IPAddress.Loopback, 8080)));
        var v6 = new byte[28];
        v6[0] = 10;
        v6[2] = 0x00;
        v6[3] = 0x19;
        IPAddress.IPv6Loopback.GetAddressBytes().CopyTo(v6, 8);
        Assert.That(EpollListener.Parse(v6), Is.EqualTo(new IPEndPoint(IPAddress.IPv6Loopback, 25)));
        Assert.That(EpollListener.Parse([1, 0, 0]), Is.Null, "AF_UNIX: not an IP end");
    }
}
