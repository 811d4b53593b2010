using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Protocols.Servers.Hosting;

namespace Protocols.Tests.Http.Server;

public class ReceiveBufferPoolTests
{
    private static byte[] ArrayOf(IMemoryOwner<byte> owner) =>
        MemoryMarshal.TryGetArray<byte>(owner.Memory, out var segment) ? segment.Array! : throw new AssertionException("not an array");

    [Test]
    public void Blocks_are_32_KiB_and_reused_after_dispose()
    {
        using var pool = new ReceiveBufferPool();
        Assert.That(pool.MaxBufferSize, Is.EqualTo(ReceiveBufferPool.BlockSize));
        var first = pool.Rent();
        var array = ArrayOf(first);
        Assert.That(first.Memory.Length, Is.EqualTo(32 * 1024));
        first.Dispose();
        using var again = pool.Rent(ReceiveBufferPool.BlockSize);
        Assert.That(ArrayOf(again), Is.SameAs(array));
    }

    [Test]
    public void A_request_past_the_block_size_gets_its_own_array_not_pooled()
    {
        using var pool = new ReceiveBufferPool();
        var big = pool.Rent(ReceiveBufferPool.BlockSize + 1);
        Assert.That(big.Memory.Length, Is.EqualTo(ReceiveBufferPool.BlockSize + 1));
        big.Dispose();
        using var next = pool.Rent();
        Assert.That(next.Memory.Length, Is.EqualTo(ReceiveBufferPool.BlockSize));
    }

    [Test]
    public void A_block_disposed_twice_goes_back_once()
    {
        using var pool = new ReceiveBufferPool();
        var block = pool.Rent();
        block.Dispose();
        block.Dispose();
        using var a = pool.Rent();
        using var b = pool.Rent();
        Assert.That(ArrayOf(a), Is.Not.SameAs(ArrayOf(b)));
    }

    [Test]
    public void The_pool_keeps_at_most_its_retention_limit_of_free_blocks()
    {
        using var pool = new ReceiveBufferPool();
        var limit = ReceiveBufferPool.MaxRetainedBytes / ReceiveBufferPool.BlockSize;
        var rented = Enumerable.Range(0, limit + 1).Select(_ => pool.Rent()).ToList();
        var arrays = rented.Select(ArrayOf).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var block in rented) block.Dispose();
        var again = Enumerable.Range(0, limit + 1).Select(_ => pool.Rent()).ToList();
        Assert.That(again.Count(b => arrays.Contains(ArrayOf(b))), Is.EqualTo(limit), "at the limit every block is kept, one past it is dropped");
        foreach (var block in again) block.Dispose();
    }

    [Test]
    public async Task Hosted_connections_receive_into_the_pool()
    {
        var builder = new ProtocolsHostBuilder();
        builder.AddTcpEndpoint("pool", new IPEndPoint(IPAddress.Loopback, 0), async connection =>
        {
            var pool = connection.Features.Get<IMemoryPoolFeature>()?.MemoryPool;
            await connection.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes($"{pool?.GetType().Name} {pool?.MaxBufferSize}\r\n"));
        });
        await using var host = await builder.StartAsync().WaitAsync(ServerFixture.Timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(host.GetEndPoint("pool")).WaitAsync(ServerFixture.Timeout);
        using var reader = new StreamReader(client.GetStream());
        var line = await reader.ReadLineAsync().WaitAsync(ServerFixture.Timeout);
        Assert.That(line, Is.EqualTo($"{nameof(ReceiveBufferPool)} {ReceiveBufferPool.BlockSize}"));
    }
}
