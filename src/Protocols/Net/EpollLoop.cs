using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Protocols.Net;

/// <summary>
/// One epoll set and the thread that waits on it (Linux, x64 and arm64): the line listener's transport without a .NET
/// <see cref="System.Net.Sockets.Socket"/> per connection (<see cref="EpollSocketStream"/>, <see cref="EpollListener"/>).
/// Each descriptor is registered once, edge-triggered; an event only bumps the descriptor's readiness counters and
/// completes the wait that is pending on it, if any. With the event loop (<see cref="InlineCompletions"/>) the waiting
/// code then runs on this thread at once, as smtp-sink's loop runs its sessions; otherwise on the thread pool, as it does
/// for a connection in a bulk transfer (<see cref="EpollSocketStream"/>: large messages do not queue behind one thread).
/// There are <see cref="Count"/> loops in a process (half the processors, at least one); they are made on first use
/// and live as long as the process.
/// </summary>
internal sealed class EpollLoop
{
    // epoll_event: a uint32 of events and a uint64 of data; packed on x64 (12 bytes), natural on arm64 (16).
    private static readonly int s_eventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int s_dataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;
    private const int MaxEvents = 256;

    private static readonly Lock s_create = new();
    private static EpollLoop[]? s_loops;
    private static int s_next;

    private readonly int _epoll;
    private readonly Lock _entriesLock = new();
    private IEpollEntry?[] _entries = new IEpollEntry?[1024]; // by descriptor

    private EpollLoop(int index)
    {
        _epoll = SocketCalls.epoll_create1(0x80000); // EPOLL_CLOEXEC
        if (_epoll < 0) throw new IOException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        var thread = new Thread(Run) { IsBackground = true, Name = $".NET Lines {index}" };
        thread.UnsafeStart();
    }

    /// <summary>True where this transport runs: Linux on x64 or arm64, unless <c>PROTOCOLS_LINE_TRANSPORT=socket</c> asks for .NET's sockets.</summary>
    public static bool IsSupported { get; } =
        OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64
        && Environment.GetEnvironmentVariable("PROTOCOLS_LINE_TRANSPORT") != "socket";

    /// <summary>
    /// True when waits complete on the loop's thread (the process asked for the event loop:
    /// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>, what <c>SocketEngine.UseEventLoop</c> sets); otherwise
    /// the code after a wait runs on the thread pool, as with .NET's sockets by default.
    /// </summary>
    public static bool InlineCompletions { get; } = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") == "1";

    /// <summary>How many loops: half the processors, at least one (<c>SocketEngine</c> sizes .NET's epoll threads by it too).</summary>
    public static int Count => Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>The next loop, round robin (made on first use).</summary>
    public static EpollLoop Next()
    {
        var loops = s_loops;
        if (loops is null)
        {
            lock (s_create)
            {
                loops = s_loops ??= Enumerable.Range(0, Count).Select(i => new EpollLoop(i)).ToArray();
            }
        }
        return loops.Length == 1 ? loops[0] : loops[(int)((uint)Interlocked.Increment(ref s_next) % (uint)loops.Length)];
    }

    /// <summary>Adds <paramref name="entry"/>'s descriptor to the set with <paramref name="events"/>; false (errno in <paramref name="error"/>) when the kernel refuses.</summary>
    public bool TryAdd(IEpollEntry entry, uint events, out int error)
    {
        var fd = entry.Descriptor;
        lock (_entriesLock)
        {
            if (fd >= _entries.Length) Array.Resize(ref _entries, Math.Max(fd + 1, _entries.Length * 2));
            _entries[fd] = entry;
        }
        Span<byte> evt = stackalloc byte[16];
        evt.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(evt, events);
        BinaryPrimitives.WriteUInt64LittleEndian(evt[s_dataOffset..], (ulong)fd);
        if (SocketCalls.epoll_ctl(_epoll, SocketCalls.EpollCtlAdd, fd, ref MemoryMarshal.GetReference(evt)) == 0)
        {
            error = 0;
            return true;
        }
        error = Marshal.GetLastPInvokeError();
        Forget(entry);
        return false;
    }

    /// <summary>Takes <paramref name="entry"/>'s descriptor out of the set (before it is closed: a closed descriptor leaves by itself, but its number may be reused at once).</summary>
    public void Remove(IEpollEntry entry)
    {
        if (!Forget(entry)) return;
        Span<byte> evt = stackalloc byte[16];
        evt.Clear();
        SocketCalls.epoll_ctl(_epoll, SocketCalls.EpollCtlDel, entry.Descriptor, ref MemoryMarshal.GetReference(evt));
    }

    /// <summary>Drops the descriptor's entry if it is still <paramref name="entry"/> (its number may already belong to a newer one).</summary>
    public bool Forget(IEpollEntry entry)
    {
        var fd = entry.Descriptor;
        lock (_entriesLock)
        {
            if (fd >= _entries.Length || !ReferenceEquals(_entries[fd], entry)) return false;
            _entries[fd] = null;
            return true;
        }
    }

    /// <summary>The spin bound of every loop (<see cref="EpollSpin"/>, <c>PROTOCOLS_LOOP_SPIN</c>), in microseconds.</summary>
    public static int SpinMicroseconds { get; } = EpollSpin.MicrosecondsFrom(Environment.GetEnvironmentVariable("PROTOCOLS_LOOP_SPIN"), Environment.ProcessorCount);

    private readonly EpollSpin _spin = new(SpinMicroseconds);

    /// <summary>What the loops' spins did, summed (caught, missed, skipped for long waits, skipped for a busy machine): for a benchmark's counters.</summary>
    internal static (long Caught, long Missed, long SkippedSlow, long SkippedBusy) SpinCounts()
    {
        var loops = s_loops ?? [];
        return (loops.Sum(l => l._spin.Caught), loops.Sum(l => l._spin.Missed), loops.Sum(l => l._spin.SkippedSlow), loops.Sum(l => l._spin.SkippedBusy));
    }

    private void Run()
    {
        var events = new byte[MaxEvents * s_eventSize];
        var spin = _spin;
        long batchEnd = 0; // when the last batch of events was handled (0: none yet, or the last wait failed)
        while (true)
        {
            var count = batchEnd != 0 ? Spin(spin, events, batchEnd) : 0;
            if (count == 0) count = SocketCalls.epoll_wait(_epoll, ref events[0], MaxEvents, -1);
            if (count < 0)
            {
                batchEnd = 0;
                if (Marshal.GetLastPInvokeError() == SocketCalls.Interrupted) continue;
                Environment.FailFast($"epoll_wait failed: errno {Marshal.GetLastPInvokeError()}"); // a broken loop would hang every connection on it
            }
            Dispatch(events, count);
            batchEnd = spin.MaxTicks != 0 ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        }
    }

    // Polls for the next events for up to the spin's budget after the batch that ended at batchEnd: their count (0 when
    // none came; below 0 when the wait failed, as epoll_wait says).
    private int Spin(EpollSpin spin, byte[] events, long batchEnd)
    {
        var budget = spin.Budget();
        if (budget == 0) return 0;
        while (true)
        {
            var count = SocketCalls.epoll_wait(_epoll, ref events[0], MaxEvents, 0);
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            if (count > 0) spin.Found(now - batchEnd);
            if (count != 0) return count;
            if (now - batchEnd >= budget)
            {
                spin.RanOut();
                return 0;
            }
            Thread.SpinWait(EpollSpin.SpinBetweenProbes);
        }
    }

    private void Dispatch(byte[] events, int count)
    {
        var entries = _entries; // written under the lock, read here without: an entry seen late only gets its next edge
        for (var i = 0; i < count; i++)
        {
            var at = events.AsSpan(i * s_eventSize);
            var fd = (int)BinaryPrimitives.ReadUInt64LittleEndian(at[s_dataOffset..]);
            if ((uint)fd < (uint)entries.Length && entries[fd] is { } entry)
            {
                try
                {
                    entry.OnEvents(BinaryPrimitives.ReadUInt32LittleEndian(at));
                }
                catch (Exception e)
                {
                    // A session's own code throws into its task, never here; this is a defect in the loop's callers.
                    Environment.FailFast("an epoll entry threw on the event loop", e);
                }
            }
        }
    }
}

/// <summary>A descriptor in an <see cref="EpollLoop"/>: told of its events on the loop's thread.</summary>
internal interface IEpollEntry
{
    /// <summary>The descriptor (its number stays the entry's key after it is closed).</summary>
    int Descriptor { get; }

    /// <summary>Called on the loop's thread with the events epoll reported.</summary>
    void OnEvents(uint events);
}
