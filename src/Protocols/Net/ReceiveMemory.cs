using System.Buffers;

namespace Protocols.Net;

/// <summary>
/// The receive buffers of one connection's pipe on the line listener's transport: <see cref="ArrayPool{T}.Shared"/>
/// arrays of the connection's receive size (16 KiB: what an idle connection holds while it waits), and of
/// <see cref="BulkSize"/> while a bulk transfer runs (<see cref="ConnectionReader"/>'s switch: SMTP DATA past its first
/// <see cref="ConnectionOptions.BulkReadThreshold"/> bytes), so a 1 MiB message takes ~16 receives instead of ~64. The
/// pipe asks for a buffer when it has consumed everything it held, so the size follows the switch at the next read.
/// Its one owner object is reused (a connection's pipe holds one or two buffers at a time), so a receive allocates nothing.
/// </summary>
internal sealed class ReceiveMemory(int size) : MemoryPool<byte>
{
    /// <summary>Receive size during a bulk transfer.</summary>
    public const int BulkSize = 64 * 1024;

    private Block? _spare;
    private volatile bool _bulk;
    private int _outstanding;

    /// <summary>Buffers rented and not yet returned (the pipe's segments): for tests that every path gives them back.</summary>
    internal int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>True while a bulk transfer runs: the next buffers are <see cref="BulkSize"/>.</summary>
    public bool Bulk { get => _bulk; set => _bulk = value; }

    public override int MaxBufferSize => 1024 * 1024;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        var block = Interlocked.Exchange(ref _spare, null) ?? new Block(this);
        block.Array = ArrayPool<byte>.Shared.Rent(Math.Max(minBufferSize, _bulk ? BulkSize : size));
        Interlocked.Increment(ref _outstanding);
        return block;
    }

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Block(ReceiveMemory pool) : IMemoryOwner<byte>
    {
        public byte[]? Array;

        public Memory<byte> Memory => Array;

        public void Dispose()
        {
            var array = Array;
            if (array is null) return;
            Array = null;
            ArrayPool<byte>.Shared.Return(array);
            Interlocked.Decrement(ref pool._outstanding);
            Interlocked.CompareExchange(ref pool._spare, this, null);
        }
    }
}
