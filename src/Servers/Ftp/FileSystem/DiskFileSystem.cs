using System.IO.Enumeration;
using System.Runtime.CompilerServices;

namespace Protocols.Servers.Ftp.FileSystem;

/// <summary>
/// A directory on disk as the FTP tree. Every virtual path is mapped under the root and canonicalized
/// (<see cref="PhysicalPath"/>): anything whose real location is outside the root (a symbolic link or junction to
/// <c>/etc</c>, a link chain, a link to <c>..</c>) is refused as not found, and such links are left out of listings.
/// Deleting or renaming a link acts on the link itself (its directory is what gets checked).
/// STOR writes a hidden temporary file beside the target and renames it into place when the upload completes.
/// </summary>
public sealed class DiskFileSystem : IFtpFileSystem
{
    private const int BufferSize = 128 * 1024;

    /// <summary>The canonical root directory.</summary>
    public string Root { get; }

    public DiskFileSystem(string root)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"FTP root {root} does not exist");
        Root = PhysicalPath.Canonicalize(root) ?? throw new IOException($"FTP root {root} cannot be resolved");
    }

    /// <summary>Maps a virtual path to its canonical physical path under the root, following links; null if outside.</summary>
    public string? Resolve(string virtualPath)
    {
        var joined = Path.Join(Root, virtualPath.TrimStart('/').Replace('/', Path.DirectorySeparatorChar));
        var real = PhysicalPath.Canonicalize(joined);
        return real is not null && PhysicalPath.IsUnder(real, Root) ? real : null;
    }

    /// <summary>Maps a virtual path to the physical entry itself: the parent is resolved, the last name is not followed.</summary>
    public string? ResolveEntry(string virtualPath)
    {
        if (virtualPath == "/") return null;
        var parent = Resolve(FtpPathResolver.Parent(virtualPath));
        return parent is null ? null : Path.Join(parent, FtpPathResolver.Name(virtualPath));
    }

    private string Require(string path) => Resolve(path) ?? throw FtpFileSystemException.NotFound(path);

    private string RequireEntry(string path) =>
        ResolveEntry(path) ?? throw new FtpFileSystemException(FtpFileSystemError.AccessDenied, $"{path}: cannot be changed");

    public ValueTask<FtpFileInfo?> GetInfoAsync(string path, CancellationToken cancellationToken = default)
    {
        var physical = Resolve(path);
        if (physical is null) return ValueTask.FromResult<FtpFileInfo?>(null);
        var name = path == "/" ? "/" : FtpPathResolver.Name(path);
        return ValueTask.FromResult(Describe(physical, name));
    }

    private static FtpFileInfo? Describe(string physical, string name)
    {
        var dir = new DirectoryInfo(physical);
        if (dir.Exists) return new FtpFileInfo(name, true, 0, dir.LastWriteTimeUtc) { IsReadOnly = false };
        var file = new FileInfo(physical);
        if (file.Exists) return new FtpFileInfo(name, false, file.Length, file.LastWriteTimeUtc) { IsReadOnly = file.IsReadOnly };
        return null;
    }

    public async IAsyncEnumerable<FtpFileInfo> ListAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var physical = Require(path);
        if (!Directory.Exists(physical))
            throw new FtpFileSystemException(FtpFileSystemError.NotADirectory, $"{path}: not a directory");
        var options = new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0, RecurseSubdirectories = false };
        // FileSystemEnumerable reads each entry's status once; no FileInfo per entry.
        var entries = new FileSystemEnumerable<(FtpFileInfo? Info, string? LinkPath)>(physical,
            (ref FileSystemEntry e) =>
            {
                var name = e.FileName.ToString();
                if ((e.Attributes & FileAttributes.ReparsePoint) != 0) return (null, e.ToFullPath());
                var modified = new DateTimeOffset(e.LastWriteTimeUtc.UtcDateTime, TimeSpan.Zero);
                return e.IsDirectory
                    ? (new FtpFileInfo(name, true, 0, modified), null)
                    : (new FtpFileInfo(name, false, e.Length, modified) { IsReadOnly = (e.Attributes & FileAttributes.ReadOnly) != 0 },
                        e.Length == 0 ? e.ToFullPath() : null);
            }, options);
        foreach (var (info, entryPath) in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (info is null)
            {
                // A link is listed as what it points to, and only when that is under the root.
                var real = PhysicalPath.Canonicalize(entryPath!);
                if (real is null || !PhysicalPath.IsUnder(real, Root)) continue;
                var target = Describe(real, Path.GetFileName(entryPath!));
                if (target is not null) yield return target;
                continue;
            }
            // Devices, fifos and sockets report length 0 and are not files one can transfer: leave them out.
            if (entryPath is not null && !SpecialFiles.IsRegular(entryPath)) continue;
            yield return info;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public ValueTask<Stream> OpenReadAsync(string path, long offset, CancellationToken cancellationToken = default)
    {
        var physical = Require(path);
        if (Directory.Exists(physical)) throw new FtpFileSystemException(FtpFileSystemError.NotAFile, $"{path}: is a directory");
        if (!File.Exists(physical) || !SpecialFiles.IsRegular(physical)) throw FtpFileSystemException.NotFound(path);
        var stream = new FileStream(physical, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
            BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        if (offset > stream.Length)
        {
            stream.Dispose();
            throw new FtpFileSystemException(FtpFileSystemError.InvalidOffset, $"{path}: restart offset past the end");
        }
        stream.Position = offset;
        return ValueTask.FromResult<Stream>(stream);
    }

    public ValueTask<IFtpUpload> BeginUploadAsync(string path, FtpUploadMode mode, long offset, CancellationToken cancellationToken = default)
    {
        var physical = Resolve(path) ?? throw new FtpFileSystemException(FtpFileSystemError.OutsideRoot, $"{path}: out of reach");
        if (Directory.Exists(physical)) throw new FtpFileSystemException(FtpFileSystemError.NotAFile, $"{path}: is a directory");
        var directory = Path.GetDirectoryName(physical)!;
        if (!Directory.Exists(directory)) throw FtpFileSystemException.NotFound(FtpPathResolver.Parent(path));
        switch (mode)
        {
            case FtpUploadMode.Create:
            {
                var temp = Path.Join(directory, $".{Path.GetFileName(physical)}.{Guid.NewGuid():N}.upload");
                var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
                return ValueTask.FromResult<IFtpUpload>(new DiskUpload(stream, temp, physical));
            }
            case FtpUploadMode.Append:
            {
                var stream = new FileStream(physical, FileMode.Append, FileAccess.Write, FileShare.Read, BufferSize, FileOptions.Asynchronous);
                return ValueTask.FromResult<IFtpUpload>(new DiskUpload(stream, null, physical));
            }
            default:
            {
                var stream = new FileStream(physical, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, BufferSize, FileOptions.Asynchronous);
                if (offset > stream.Length)
                {
                    stream.Dispose();
                    throw new FtpFileSystemException(FtpFileSystemError.InvalidOffset, $"{path}: restart offset past the end");
                }
                stream.SetLength(offset);
                stream.Position = offset;
                return ValueTask.FromResult<IFtpUpload>(new DiskUpload(stream, null, physical));
            }
        }
    }

    private sealed class DiskUpload(FileStream stream, string? temp, string target) : IFtpUpload
    {
        private bool _committed;

        public Stream Stream => stream;

        public async ValueTask CommitAsync(CancellationToken cancellationToken = default)
        {
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            if (temp is not null) File.Move(temp, target, overwrite: true);
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            if (!_committed && temp is not null) File.Delete(temp);
        }
    }

    public ValueTask CreateDirectoryAsync(string path, CancellationToken cancellationToken = default)
    {
        var physical = RequireEntry(path);
        if (Path.Exists(physical)) throw new FtpFileSystemException(FtpFileSystemError.AlreadyExists, $"{path}: already exists");
        if (!Directory.Exists(Path.GetDirectoryName(physical))) throw FtpFileSystemException.NotFound(FtpPathResolver.Parent(path));
        Directory.CreateDirectory(physical);
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var physical = RequireEntry(path);
        var info = new FileInfo(physical);
        if (info.LinkTarget is null && Directory.Exists(physical))
            throw new FtpFileSystemException(FtpFileSystemError.NotAFile, $"{path}: is a directory");
        if (!info.Exists && info.LinkTarget is null) throw FtpFileSystemException.NotFound(path);
        info.Delete();
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteDirectoryAsync(string path, CancellationToken cancellationToken = default)
    {
        var physical = RequireEntry(path);
        var info = new DirectoryInfo(physical);
        if (info.LinkTarget is not null || !info.Exists)
            throw new FtpFileSystemException(FtpFileSystemError.NotADirectory, $"{path}: not a directory");
        if (info.EnumerateFileSystemInfos().Any())
            throw new FtpFileSystemException(FtpFileSystemError.NotEmpty, $"{path}: directory not empty");
        info.Delete(false);
        return ValueTask.CompletedTask;
    }

    public ValueTask RenameAsync(string from, string to, CancellationToken cancellationToken = default)
    {
        var source = RequireEntry(from);
        var target = RequireEntry(to);
        var sourceInfo = new FileInfo(source);
        var isDirectory = sourceInfo.LinkTarget is null && Directory.Exists(source);
        if (!isDirectory && !sourceInfo.Exists && sourceInfo.LinkTarget is null) throw FtpFileSystemException.NotFound(from);
        if (Directory.Exists(target)) throw new FtpFileSystemException(FtpFileSystemError.AlreadyExists, $"{to}: is a directory");
        if (isDirectory)
        {
            if (PhysicalPath.IsUnder(target, source))
                throw new FtpFileSystemException(FtpFileSystemError.AccessDenied, $"{to}: inside {from}");
            Directory.Move(source, target);
        }
        else
        {
            File.Move(source, target, overwrite: true);
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask SetModifiedAsync(string path, DateTimeOffset modified, CancellationToken cancellationToken = default)
    {
        var physical = Require(path);
        if (File.Exists(physical)) File.SetLastWriteTimeUtc(physical, modified.UtcDateTime);
        else if (Directory.Exists(physical)) Directory.SetLastWriteTimeUtc(physical, modified.UtcDateTime);
        else throw FtpFileSystemException.NotFound(path);
        return ValueTask.CompletedTask;
    }

    public string? GetPhysicalPath(string path)
    {
        var physical = Resolve(path);
        return physical is not null && File.Exists(physical) && SpecialFiles.IsRegular(physical) ? physical : null;
    }
}
