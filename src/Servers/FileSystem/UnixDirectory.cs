using Protocols.Files;
using System.Runtime.InteropServices;

namespace Protocols.Servers.FileSystem;

/// <summary>
/// A directory read with readdir(3) (glibc fills its buffer with getdents64(2), many entries a call) and each entry
/// described by fstatat(2) relative to the open directory, links not followed: one system call per entry, nothing
/// resolved by name again. Only used when <see cref="UnixStatus.IsAvailable"/>.
/// </summary>
internal static class UnixDirectory
{
    private const int NameOffset = 19; // struct dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name
    private const int NotPermitted = 1, AccessDenied = 13; // EPERM, EACCES

    /// <summary>The entries of <paramref name="directory"/> (not "." and ".."); an unreadable directory lists as empty, as .NET's IgnoreInaccessible does.</summary>
    public static IEnumerable<DirectoryEntry> Read(string directory)
    {
        var stream = NativeMethods.opendir(directory);
        if (stream == 0)
        {
            var error = Marshal.GetLastPInvokeError();
            if (error is AccessDenied or NotPermitted) yield break;
            throw new IOException($"{directory}: cannot read the directory ({Marshal.GetPInvokeErrorMessage(error)})");
        }
        try
        {
            var fd = NativeMethods.dirfd(stream);
            var buffer = new byte[UnixStatus.BufferSize];
            var owner = new ProcessOwner();
            while (true)
            {
                var entry = NativeMethods.readdir64(stream);
                if (entry == 0)
                {
                    var error = Marshal.GetLastPInvokeError();
                    if (error != 0) throw new IOException($"{directory}: reading the directory failed ({Marshal.GetPInvokeErrorMessage(error)})");
                    yield break;
                }
                var name = entry + NameOffset;
                if (IsDotOrDotDot(name)) continue;
                // Gone since readdir, or not ours to look at: not listed.
                if (!UnixStatus.TryStatAt(fd, name, buffer, out var status)) continue;
                var kind = status.Kind;
                yield return new DirectoryEntry(Marshal.PtrToStringUTF8(name) ?? "", kind,
                    kind == DirectoryEntryKind.File ? status.Length : 0, status.LastWriteTimeUtc, owner.IsReadOnly(status));
            }
        }
        finally
        {
            _ = NativeMethods.closedir(stream);
        }
    }

    private static bool IsDotOrDotDot(nint name) =>
        Marshal.ReadByte(name) == '.' && (Marshal.ReadByte(name, 1) == 0 || (Marshal.ReadByte(name, 1) == '.' && Marshal.ReadByte(name, 2) == 0));

    /// <summary>Who this process is, asked once per listing and only when an entry's permissions need it.</summary>
    private sealed class ProcessOwner
    {
        private uint? _user;
        private uint[]? _groups;

        /// <summary>.NET's read-only rule on the permission bits, for whichever class (owner, group, other) this process is.</summary>
        public bool IsReadOnly(in UnixStatus status)
        {
            var mode = status.Mode;
            var user = (mode & 0x100) != 0 && (mode & 0x80) == 0;  // readable, not writable: S_IRUSR, S_IWUSR
            var group = (mode & 0x20) != 0 && (mode & 0x10) == 0;  // S_IRGRP, S_IWGRP
            var other = (mode & 0x4) != 0 && (mode & 0x2) == 0;    // S_IROTH, S_IWOTH
            if (user == group && group == other) return user;
            if (status.Uid == (_user ??= NativeMethods.geteuid())) return user;
            if (user == group) return group;
            return IsMember(status.Gid) ? group : other;
        }

        private bool IsMember(uint gid)
        {
            if (_groups is null)
            {
                var count = Math.Max(NativeMethods.getgroups(0, null), 0);
                var groups = new uint[count + 1];
                count = count == 0 ? 0 : Math.Max(NativeMethods.getgroups(count, groups), 0);
                groups[count] = NativeMethods.getegid();
                _groups = groups[..(count + 1)];
            }
            return Array.IndexOf(_groups, gid) >= 0;
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern nint opendir([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern nint readdir64(nint stream);

        [DllImport("libc")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int dirfd(nint stream);

        [DllImport("libc")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int closedir(nint stream);

        [DllImport("libc")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern uint geteuid();

        [DllImport("libc")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern uint getegid();

        [DllImport("libc")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int getgroups(int size, uint[]? list);
    }
}
