using System.Runtime.InteropServices;

namespace Protocols.Net;

/// <summary>
/// The process's limit on open file descriptors (RLIMIT_NOFILE) and the headroom a server keeps under it. A process
/// whose descriptor table is full cannot open a file, load a library or (on the JIT runtime, whose threads start
/// with a pipe) start a thread: .NET then aborts the whole process ("Out of memory."). So a listener refuses a
/// connection whose descriptor lands within <see cref="Reserve"/> of the soft limit, with the protocol's
/// too-many-connections reply, and the rest of the process keeps the descriptors it needs. Linux only; elsewhere
/// nothing is near the limit.
/// </summary>
internal static class DescriptorLimit
{
    /// <summary>Descriptors kept free for the process (threads, files, the store, spools), not for connections.</summary>
    public const int Reserve = 64;

    private const int NoFile = 7; // RLIMIT_NOFILE on Linux
    private static long _soft = -1;

    /// <summary>The soft limit now (read once, again after <see cref="RaiseSoftToHard"/>); <see cref="long.MaxValue"/> when unknown.</summary>
    public static long Soft
    {
        get
        {
            var soft = Volatile.Read(ref _soft);
            if (soft >= 0) return soft;
            soft = Read(out var limit) ? (long)Math.Min(limit.Current, long.MaxValue) : long.MaxValue;
            Volatile.Write(ref _soft, soft);
            return soft;
        }
    }

    /// <summary>True where the limit is known (Linux): only then is a socket's descriptor worth looking at.</summary>
    public static bool Applies => Soft != long.MaxValue;

    /// <summary>
    /// True when <paramref name="descriptor"/> (just opened: the kernel hands out the lowest free number, so every
    /// number below it is in use) leaves less than <see cref="Reserve"/> under the soft limit.
    /// </summary>
    public static bool IsNearLimit(long descriptor) => descriptor >= Soft - Reserve;

    /// <summary>
    /// Raises the soft limit to the hard one, as the JIT runtime does at its start (CoreCLR's PAL) and Go's runtime
    /// does: the Native AOT runtime does not, so without this `proto` from the AOT package would stop at the shell's
    /// 1,024 where the JIT build gets the hard limit. False when it could not (not Linux, or refused).
    /// </summary>
    public static bool RaiseSoftToHard()
    {
        if (!Read(out var limit)) return false;
        if (limit.Current >= limit.Maximum) return true;
        var raised = new RLimit { Current = limit.Maximum, Maximum = limit.Maximum };
        var ok = setrlimit(NoFile, ref raised) == 0;
        Volatile.Write(ref _soft, -1);
        return ok;
    }

    /// <summary>The soft and hard limits as the kernel has them now; null when unknown (not Linux).</summary>
    internal static (ulong Soft, ulong Hard)? Current => Read(out var limit) ? (limit.Current, limit.Maximum) : null;

    /// <summary>Sets the soft limit (at most the hard one); for tests of <see cref="RaiseSoftToHard"/>.</summary>
    internal static bool TrySetSoft(ulong soft)
    {
        if (!Read(out var limit)) return false;
        var lowered = new RLimit { Current = soft, Maximum = limit.Maximum };
        var ok = setrlimit(NoFile, ref lowered) == 0;
        Volatile.Write(ref _soft, -1);
        return ok;
    }

    private static bool Read(out RLimit limit)
    {
        limit = default;
        return OperatingSystem.IsLinux() && getrlimit(NoFile, out limit) == 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int getrlimit(int resource, out RLimit limit);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int setrlimit(int resource, ref RLimit limit);
}
