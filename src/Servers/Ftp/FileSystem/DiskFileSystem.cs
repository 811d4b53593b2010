using Protocols.Files;
using System.Runtime.CompilerServices;
using Protocols.Servers.FileSystem;

namespace Protocols.Servers.Ftp.FileSystem;

/// <summary>
/// A directory on disk as the FTP tree. Every virtual path is mapped under the root through the one safe resolver
/// (<see cref="SafeRoot"/>: open, then check what was opened): anything whose real location is outside the root (a
/// symbolic link or junction to <c>/etc</c>, a link chain, a link to <c>..</c>, a link swapped in mid-request) is
/// refused as not found, and such links are left out of listings. Reads and listings go through the open entry.
/// Deleting or renaming a link acts on the link itself (its directory is what gets checked).
/// STOR writes a hidden temporary file beside the target and renames it into place when the upload completes.
/// </summary>
public sealed class DiskFileSystem : IFtpFileSystem
{
    private const int BufferSize = 128 * 1024;

    private readonly SafeRoot _safe;

    /// <summary>The canonical root directory.</summary>
    public string Root => _safe.Root;

    public DiskFileSystem(string root)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"FTP root {root} does not exist");
        _safe = new SafeRoot(root);
    }

    private string Join(string virtualPath) => Path.Join(Root, virtualPath.TrimStart('/').Replace('/', Path.DirectorySeparatorChar));

    /// <summary>
    /// Maps a virtual path to its canonical physical path under the root, following links (names not there yet are
    /// kept); null if outside. A check only: reads and listings open through <see cref="SafeRoot.Open"/> instead.
    /// </summary>
    public string? Resolve(string virtualPath) => _safe.RealPathForCreate(Join(virtualPath));

    private OpenedEntry? Open(string virtualPath) => _safe.Open(Join(virtualPath));

    /// <summary>Maps a virtual path to the physical entry itself: the parent is resolved, the last name is not followed.</summary>
    public string? ResolveEntry(string virtualPath)
    {
        if (virtualPath == "/") return null;
        var parent = Resolve(FtpPathResolver.Parent(virtualPath));
        return parent is null ? null : Path.Join(parent, FtpPathResolver.Name(virtualPath));
    }

    /// <summary>
    /// The entry itself for a change (delete, rename, make): its parent directory opened and checked, and the name
    /// inside it. Changes go through the open parent, so a parent swapped for a link meanwhile cannot redirect them.
    /// </summary>
    private Entry RequireEntry(string path)
    {
        var parent = path == "/" ? null : Open(FtpPathResolver.Parent(path));
        if (parent is { IsDirectory: true }) return new Entry(parent, FtpPathResolver.Name(path));
        parent?.Dispose();
        if (path != "/" && parent is null && Resolve(FtpPathResolver.Parent(path)) is not null) throw FtpFileSystemException.NotFound(FtpPathResolver.Parent(path));
        throw new FtpFileSystemException(FtpFileSystemError.AccessDenied, $"{path}: cannot be changed");
    }

    private readonly record struct Entry(OpenedEntry Parent, string Name) : IDisposable
    {
        /// <summary>The name through the open parent: what the change acts on.</summary>
        public string Path => System.IO.Path.Join(Parent.Path, Name);

        /// <summary>Where that is: for comparisons only.</summary>
        public string RealPath => System.IO.Path.Join(Parent.RealPath, Name);

        public void Dispose() => Parent.Dispose();
    }

    public ValueTask<FtpFileInfo?> GetInfoAsync(string path, CancellationToken cancellationToken = default)
    {
        using var opened = Open(path);
        if (opened is null) return ValueTask.FromResult<FtpFileInfo?>(null);
        var name = path == "/" ? "/" : FtpPathResolver.Name(path);
        return ValueTask.FromResult<FtpFileInfo?>(Describe(opened, name));
    }

    private static FtpFileInfo Describe(OpenedEntry opened, string name) => opened.IsDirectory
        ? new FtpFileInfo(name, true, 0, opened.LastWriteTimeUtc) { IsReadOnly = false }
        : new FtpFileInfo(name, false, opened.Length, opened.LastWriteTimeUtc) { IsReadOnly = (opened.Attributes & FileAttributes.ReadOnly) != 0 };

    public async IAsyncEnumerable<FtpFileInfo> ListAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var listing = OpenListing(path);
        while (listing.MoveNext())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return listing.Current;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>
    /// The directory at <paramref name="path"/> to list entry by entry, names as bytes (what <see cref="ListAsync"/>
    /// reads; the FTP session formats its lines from it without an <see cref="FtpFileInfo"/> per entry). It reads the
    /// opened directory itself (/proc/self/fd/N): a swapped name cannot redirect the listing.
    /// </summary>
    internal DiskListing OpenListing(string path)
    {
        var directory = Open(path) ?? throw FtpFileSystemException.NotFound(path);
        if (!directory.IsDirectory)
        {
            directory.Dispose();
            throw new FtpFileSystemException(FtpFileSystemError.NotADirectory, $"{path}: not a directory");
        }
        try
        {
            return new DiskListing(directory, _safe);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Opens the file through the resolver and reads what was opened and checked (a <see cref="FileStream"/>).</summary>
    public ValueTask<Stream> OpenReadAsync(string path, long offset, CancellationToken cancellationToken = default)
    {
        using var opened = Open(path) ?? throw FtpFileSystemException.NotFound(path);
        if (opened.IsDirectory) throw new FtpFileSystemException(FtpFileSystemError.NotAFile, $"{path}: is a directory");
        if (!opened.IsRegularFile) throw FtpFileSystemException.NotFound(path);
        var stream = opened.OpenRead(BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        if (offset > stream.Length)
        {
            stream.Dispose();
            throw new FtpFileSystemException(FtpFileSystemError.InvalidOffset, $"{path}: restart offset past the end");
        }
        stream.Position = offset;
        return ValueTask.FromResult<Stream>(stream);
    }

    /// <summary>
    /// Opens the target's directory through the resolver and writes inside what was opened: a new file goes to a
    /// temporary name there (created exclusively, never through a link) and is renamed into place on commit; append
    /// and restart open the existing file through the resolver too.
    /// </summary>
    public ValueTask<IFtpUpload> BeginUploadAsync(string path, FtpUploadMode mode, long offset, CancellationToken cancellationToken = default)
    {
        if (path == "/") throw new FtpFileSystemException(FtpFileSystemError.NotAFile, $"{path}: is a directory");
        var directory = Open(FtpPathResolver.Parent(path));
        if (directory is not { IsDirectory: true })
        {
            directory?.Dispose();
            throw FtpFileSystemException.NotFound(FtpPathResolver.Parent(path));
        }
        try
        {
            var name = FtpPathResolver.Name(path);
            var target = Path.Join(directory.Path, name);
            if (Directory.Exists(target)) throw new FtpFileSystemException(FtpFileSystemError.NotAFile, $"{path}: is a directory");
            if (mode == FtpUploadMode.Create)
            {
                var temp = Path.Join(directory.Path, $".{name}.{Guid.NewGuid():N}.upload");
                var created = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
                return ValueTask.FromResult<IFtpUpload>(new DiskUpload(created, temp, target, directory));
            }
            FileStream stream;
            using (var existing = _safe.Open(target))
            {
                if (existing is null)
                {
                    // Nothing there, or a link that leads outside: only a new plain file may be made (O_EXCL).
                    if (new FileInfo(target).LinkTarget is not null)
                        throw new FtpFileSystemException(FtpFileSystemError.OutsideRoot, $"{path}: out of reach");
                    stream = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.Read, BufferSize, FileOptions.Asynchronous);
                }
                else if (!existing.IsRegularFile)
                {
                    throw new FtpFileSystemException(FtpFileSystemError.NotAFile, $"{path}: not a plain file");
                }
                else
                {
                    stream = existing.OpenWrite(mode == FtpUploadMode.Append ? FileMode.Append : FileMode.Open, BufferSize, FileOptions.Asynchronous);
                }
            }
            if (mode != FtpUploadMode.Append)
            {
                if (offset > stream.Length)
                {
                    stream.Dispose();
                    throw new FtpFileSystemException(FtpFileSystemError.InvalidOffset, $"{path}: restart offset past the end");
                }
                stream.SetLength(offset);
                stream.Position = offset;
            }
            return ValueTask.FromResult<IFtpUpload>(new DiskUpload(stream, null, target, directory));
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    private sealed class DiskUpload(FileStream stream, string? temp, string target, OpenedEntry directory) : IFtpUpload
    {
        private bool _committed;

        public Stream Stream => stream;

        public async ValueTask CommitAsync(CancellationToken cancellationToken = default)
        {
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            if (temp is not null) File.Move(temp, target, overwrite: true); // both inside the opened directory
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            if (!_committed && temp is not null) File.Delete(temp);
            directory.Dispose();
        }
    }

    public ValueTask CreateDirectoryAsync(string path, CancellationToken cancellationToken = default)
    {
        using var entry = RequireEntry(path);
        if (Path.Exists(entry.Path) || new FileInfo(entry.Path).LinkTarget is not null)
            throw new FtpFileSystemException(FtpFileSystemError.AlreadyExists, $"{path}: already exists");
        Directory.CreateDirectory(entry.Path);
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteFileAsync(string path, CancellationToken cancellationToken = default)
    {
        using var entry = RequireEntry(path);
        var info = new FileInfo(entry.Path);
        if (info.LinkTarget is null && Directory.Exists(entry.Path))
            throw new FtpFileSystemException(FtpFileSystemError.NotAFile, $"{path}: is a directory");
        if (!info.Exists && info.LinkTarget is null) throw FtpFileSystemException.NotFound(path);
        info.Delete(); // a link is deleted itself, never what it points to
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteDirectoryAsync(string path, CancellationToken cancellationToken = default)
    {
        using var entry = RequireEntry(path);
        var info = new DirectoryInfo(entry.Path);
        if (info.LinkTarget is not null || !info.Exists)
            throw new FtpFileSystemException(FtpFileSystemError.NotADirectory, $"{path}: not a directory");
        if (info.EnumerateFileSystemInfos().Any())
            throw new FtpFileSystemException(FtpFileSystemError.NotEmpty, $"{path}: directory not empty");
        info.Delete(false);
        return ValueTask.CompletedTask;
    }

    public ValueTask RenameAsync(string from, string to, CancellationToken cancellationToken = default)
    {
        using var source = RequireEntry(from);
        using var target = RequireEntry(to);
        var sourceInfo = new FileInfo(source.Path);
        var isDirectory = sourceInfo.LinkTarget is null && Directory.Exists(source.Path);
        if (!isDirectory && !sourceInfo.Exists && sourceInfo.LinkTarget is null) throw FtpFileSystemException.NotFound(from);
        if (Directory.Exists(target.Path)) throw new FtpFileSystemException(FtpFileSystemError.AlreadyExists, $"{to}: is a directory");
        if (isDirectory)
        {
            var sourceReal = source.RealPath;
            if (target.RealPath == sourceReal
                || target.RealPath.StartsWith(Path.EndsInDirectorySeparator(sourceReal) ? sourceReal : sourceReal + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new FtpFileSystemException(FtpFileSystemError.AccessDenied, $"{to}: inside {from}");
            Directory.Move(source.Path, target.Path);
        }
        else
        {
            File.Move(source.Path, target.Path, overwrite: true);
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask SetModifiedAsync(string path, DateTimeOffset modified, CancellationToken cancellationToken = default)
    {
        using var opened = Open(path) ?? throw FtpFileSystemException.NotFound(path);
        opened.SetLastWriteTimeUtc(modified.UtcDateTime);
        return ValueTask.CompletedTask;
    }

    /// <summary>The checked real path of a regular file; a name, not a handle: RETR reads through <see cref="OpenReadAsync"/>.</summary>
    public string? GetPhysicalPath(string path)
    {
        using var opened = Open(path);
        return opened is { IsRegularFile: true } ? opened.RealPath : null;
    }
}
