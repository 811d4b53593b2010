using Protocols.Files;
using System.Runtime.InteropServices;

namespace Protocols.Servers.FileSystem;

/// <summary>
/// A directory read with readdir(3) (glibc fills its buffer with getdents64(2), many entries a call) and each entry
/// described by fstatat(2) relative to the open directory, links not followed: one system call per entry, nothing
/// resolved by name again. Entry by entry (<see cref="MoveNext"/>): the name as the bytes on disk, nothing allocated
/// per entry; <see cref="Read"/> gives <see cref="DirectoryEntry"/> values. Only used when <see cref="UnixStatus.IsAvailable"/>.
/// </summary>
internal sealed class UnixDirectory : IDisposable
{
    private const int RecordLengthOffset = 16, NameOffset = 19; // struct dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name
    private const int NotPermitted = 1, AccessDenied = 13; // EPERM, EACCES

    private readonly string _directory;
    private readonly byte[] _status = new byte[UnixStatus.BufferSize];
    private readonly ProcessOwner _owner = new();
    private byte[] _name = new byte[256];
    private nint _stream;
    private int _fd;
    private int _nameLength;
    private UnixStatus _current;

    /// <summary>Opens <paramref name="directory"/>; an unreadable one lists as empty, as .NET's IgnoreInaccessible does.</summary>
    public UnixDirectory(string directory)
    {
        _directory = directory;
        _stream = NativeMethods.opendir(directory);
        if (_stream == 0)
        {
            var error = Marshal.GetLastPInvokeError();
            if (error is AccessDenied or NotPermitted) return;
            throw new IOException($"{directory}: cannot read the directory ({Marshal.GetPInvokeErrorMessage(error)})");
        }
        _fd = NativeMethods.dirfd(_stream);
    }

    /// <summary>The current entry's name: the bytes on disk (UTF-8 unless the name was made otherwise), valid until the next <see cref="MoveNext"/>.</summary>
    public ReadOnlySpan<byte> Name => _name.AsSpan(0, _nameLength);

    public DirectoryEntryKind Kind => _current.Kind;

    /// <summary>The size of a file; 0 for anything else.</summary>
    public long Length => _current.Kind == DirectoryEntryKind.File ? _current.Length : 0;

    public DateTime LastWriteTimeUtc => _current.LastWriteTimeUtc;

    /// <summary>.NET's read-only rule on the mode bits (see <see cref="DirectoryEntry"/>).</summary>
    public bool IsReadOnly => _owner.IsReadOnly(_current);

    /// <summary>The current entry as a value (its name decoded: invalid UTF-8 becomes U+FFFD, as .NET does).</summary>
    public DirectoryEntry Entry => new(System.Text.Encoding.UTF8.GetString(Name), Kind, Length, LastWriteTimeUtc, IsReadOnly);

    /// <summary>The next entry (not "." and ".."; entries gone since readdir, or not ours to look at, are skipped); false at the end.</summary>
    public bool MoveNext()
    {
        while (_stream != 0)
        {
            var entry = NativeMethods.readdir64(_stream);
            if (entry == 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error != 0) throw new IOException($"{_directory}: reading the directory failed ({Marshal.GetPInvokeErrorMessage(error)})");
                return false;
            }
            var name = entry + NameOffset;
            if (IsDotOrDotDot(name)) continue;
            if (!UnixStatus.TryStatAt(_fd, name, _status, out _current)) continue;
            CopyName(name, Marshal.ReadInt16(entry, RecordLengthOffset) - NameOffset);
            return true;
        }
        return false;
    }

    /// <summary>The NUL-terminated name into our buffer: the record holds it and its padding (<paramref name="room"/> bytes).</summary>
    private void CopyName(nint name, int room)
    {
        if (room > _name.Length) _name = new byte[room];
        Marshal.Copy(name, _name, 0, room);
        var end = _name.AsSpan(0, room).IndexOf((byte)0);
        _nameLength = end < 0 ? room : end;
    }

    /// <summary>The entries of <paramref name="directory"/> (not "." and ".."), as values.</summary>
    public static IEnumerable<DirectoryEntry> Read(string directory)
    {
        using var reader = new UnixDirectory(directory);
        while (reader.MoveNext()) yield return reader.Entry;
    }

    public void Dispose()
    {
        if (_stream == 0) return;
        _ = NativeMethods.closedir(_stream);
        _stream = 0;
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
