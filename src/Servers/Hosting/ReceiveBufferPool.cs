using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Protocols.Servers.Hosting;

/// <summary>
/// The memory Kestrel's socket transport receives into and sends from, in blocks of <see cref="BlockSize"/> (32 KiB)
/// instead of Kestrel's 4 KiB: the transport asks its input pipe for at least 2 KiB per receive and gets what is left
/// of the current block, so with 4 KiB blocks a 1 MiB SMTP message took ~267 <c>recvfrom</c> calls, each a pipe flush,
/// a wake-up of the session and a pass of its reader; with 32 KiB blocks it takes ~35. The cost: every connection
/// holds one block while it waits (the transport allocates before it waits, <c>WaitForDataBeforeAllocatingBuffer =
/// false</c>), 32 KiB instead of 4 KiB, so 1,000 idle connections hold 32 MiB. Blocks are pinned (the pinned object
/// heap: the GC never moves them, the socket never pins them) and reused; a pool keeps at most
/// <see cref="MaxRetainedBytes"/> of free ones and lets the GC have the rest.
/// </summary>
internal sealed class ReceiveBufferPool : MemoryPool<byte>
{
    public const int BlockSize = 32 * 1024;

    /// <summary>Free blocks kept per pool for reuse (8 MiB: 256 blocks); blocks returned past it are dropped.</summary>
    public const int MaxRetainedBytes = 8 * 1024 * 1024;

    private const int MaxRetained = MaxRetainedBytes / BlockSize;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _freeCount;
    private volatile bool _disposed;

    public override int MaxBufferSize => BlockSize;

    /// <summary>A block of <see cref="BlockSize"/> bytes; a larger request (the pipe never asks one: it allocates past
    /// <see cref="MaxBufferSize"/> itself) gets an array of its own, not pooled.</summary>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize) return new Block(null, GC.AllocateUninitializedArray<byte>(minBufferSize));
        if (_free.TryDequeue(out var block)) Interlocked.Decrement(ref _freeCount);
        else block = new Block(this, GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true));
        block.Lease();
        return block;
    }

    private void Return(Block block)
    {
        if (_disposed || Interlocked.Increment(ref _freeCount) > MaxRetained)
        {
            if (!_disposed) Interlocked.Decrement(ref _freeCount);
            return;
        }
        _free.Enqueue(block);
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _free.Clear();
    }

    /// <summary>A block and its lease (the object is reused with the block): back to its pool once per lease, on the
    /// first <see cref="Dispose"/>.</summary>
    private sealed class Block(ReceiveBufferPool? pool, byte[] array) : IMemoryOwner<byte>
    {
        private int _leased;

        public Memory<byte> Memory { get; } = array;

        public void Lease() => _leased = 1;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _leased, 0) == 1) pool?.Return(this);
        }
    }
}

/// <summary>What Kestrel asks for a memory pool (one per listener it binds): a new <see cref="ReceiveBufferPool"/>.</summary>
internal sealed class ReceiveBufferPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new ReceiveBufferPool();
}
