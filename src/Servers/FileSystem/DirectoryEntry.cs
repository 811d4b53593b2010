using Protocols.Files;
using System.IO.Enumeration;

namespace Protocols.Servers.FileSystem;

/// <summary>
/// One entry of an open directory, described by its own status (a link is the link, not what it points to):
/// <see cref="Length"/> is the size of a file (0 for anything else), <see cref="IsReadOnly"/> is .NET's
/// <see cref="FileAttributes.ReadOnly"/> (readable but not writable for the owner, group or others, whichever this
/// process is).
/// </summary>
public readonly record struct DirectoryEntry(string Name, DirectoryEntryKind Kind, long Length, DateTime LastWriteTimeUtc, bool IsReadOnly);

/// <summary>
/// Reads a directory's entries. On Linux (see <see cref="UnixStatus"/>) one system call per entry: readdir(3) and
/// then fstatat(2) of the name inside the open directory, which gives the type, size, time and permissions at once;
/// who this process is (geteuid, groups) is asked once per listing. Elsewhere .NET's enumeration, which reads each
/// entry's status once too, with a check for special files of length 0.
/// </summary>
internal static class DirectoryEntries
{
    public static IEnumerable<DirectoryEntry> Read(string directory) =>
        UnixStatus.IsAvailable ? UnixDirectory.Read(directory) : ReadPortable(directory);

    private static FileSystemEnumerable<DirectoryEntry> ReadPortable(string directory) => new(directory,
        (ref FileSystemEntry e) =>
        {
            var kind = (e.Attributes & FileAttributes.ReparsePoint) != 0 ? DirectoryEntryKind.Link
                : e.IsDirectory ? DirectoryEntryKind.Directory
                : e.Length == 0 && !Ftp.FileSystem.SpecialFiles.IsRegular(e.ToFullPath()) ? DirectoryEntryKind.Other
                : DirectoryEntryKind.File;
            return new DirectoryEntry(e.FileName.ToString(), kind, kind == DirectoryEntryKind.File ? e.Length : 0,
                e.LastWriteTimeUtc.UtcDateTime, (e.Attributes & FileAttributes.ReadOnly) != 0);
        },
        new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0, RecurseSubdirectories = false });
}
