using System.Runtime.InteropServices;
using System.Text;

namespace Protocols.Servers.Http;

/// <summary>The canonical path of an existing file: every symlink and <c>..</c> resolved (POSIX <c>realpath(3)</c>).</summary>
internal static partial class RealPath
{
    private const int PathMax = 4096;

    [ThreadStatic] private static byte[]? t_input;
    [ThreadStatic] private static byte[]? t_output;

    /// <summary>The real path of <paramref name="path"/>, or null when it (or a parent) does not exist.</summary>
    public static string? Resolve(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
            return ResolveManaged(path);
        var input = t_input ??= new byte[PathMax + 1];
        var output = t_output ??= new byte[PathMax + 1];
        if (Encoding.UTF8.GetMaxByteCount(path.Length) > PathMax && Encoding.UTF8.GetByteCount(path) > PathMax - 1) return null;
        var n = Encoding.UTF8.GetBytes(path, input);
        input[n] = 0;
        if (NativeMethods.realpath(input, output) == IntPtr.Zero) return null;
        var length = Array.IndexOf(output, (byte)0);
        return Encoding.UTF8.GetString(output, 0, length < 0 ? output.Length : length);
    }

    private static string? ResolveManaged(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full) && !Directory.Exists(full)) return null;
        var info = new FileInfo(full);
        var target = info.LinkTarget is null ? full : info.ResolveLinkTarget(true)?.FullName;
        return target;
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe blocks, which this project does not enable; byte[] is blittable.
        internal static extern IntPtr realpath(byte[] path, byte[] resolved);
#pragma warning restore SYSLIB1054
    }
}
