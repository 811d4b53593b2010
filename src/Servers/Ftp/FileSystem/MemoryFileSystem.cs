using System.Runtime.CompilerServices;

namespace Protocols.Servers.Ftp.FileSystem;

/// <summary>
/// An FTP tree held in memory, for tests and throwaway servers. Thread-safe (one lock); uploads become visible
/// when they complete (STOR) or as they are written (APPE, REST+STOR), as on <see cref="DiskFileSystem"/>.
/// </summary>
public sealed class MemoryFileSystem : IFtpFileSystem
{
    private readonly object _lock = new();
    private readonly Node _root = Node.Directory("/");

    /// <summary>Raised after a file's upload is committed, with its virtual path.</summary>
    public event Action<string>? FileCommitted;

    /// <summary>Adds or replaces a file, creating parent directories.</summary>
    public void AddFile(string path, ReadOnlySpan<byte> content, DateTimeOffset? modified = null)
    {
        var normalized = Normalize(path);
        lock (_lock)
        {
            var parent = EnsureDirectories(FtpPathResolver.Parent(normalized));
            var name = FtpPathResolver.Name(normalized);
            parent.Children[name] = new Node(name, false) { Content = content.ToArray(), Modified = modified ?? DateTimeOffset.UtcNow };
        }
    }

    public void AddDirectory(string path)
    {
        lock (_lock) EnsureDirectories(Normalize(path));
    }

    /// <summary>A copy of a file's bytes, or null.</summary>
    public byte[]? ReadFile(string path)
    {
        lock (_lock) return Find(Normalize(path)) is { IsDirectory: false } node ? node.Content.ToArray() : null;
    }

    public bool Exists(string path)
    {
        lock (_lock) return Find(Normalize(path)) is not null;
    }

    private static string Normalize(string path) =>
        FtpPathResolver.TryResolve("/", path, out var normalized, out _) ? normalized : throw new ArgumentException($"bad path {path}", nameof(path));

    private Node EnsureDirectories(string path)
    {
        var node = _root;
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!node.Children.TryGetValue(segment, out var child))
            {
                child = Node.Directory(segment);
                node.Children[segment] = child;
            }
            if (!child.IsDirectory) throw new FtpFileSystemException(FtpFileSystemError.NotADirectory, $"{segment}: not a directory");
            node = child;
        }
        return node;
    }

    private Node? Find(string path)
    {
        var node = _root;
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!node.IsDirectory || !node.Children.TryGetValue(segment, out var child)) return null;
            node = child;
        }
        return node;
    }

    private Node FindDirectory(string path) =>
        Find(path) switch
        {
            null => throw FtpFileSystemException.NotFound(path),
            { IsDirectory: false } => throw new FtpFileSystemException(FtpFileSystemError.NotADirectory, $"{path}: not a directory"),
            var d => d,
        };

    public ValueTask<FtpFileInfo?> GetInfoAsync(string path, CancellationToken cancellationToken = default)
    {
        lock (_lock) return ValueTask.FromResult(Find(path)?.Info());
    }

    public async IAsyncEnumerable<FtpFileInfo> ListAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<FtpFileInfo> items;
        lock (_lock) items = FindDirectory(path).Children.Values.Select(n => n.Info()).ToList();
        foreach (var item in items.OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public ValueTask<Stream> OpenReadAsync(string path, long offset, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var node = Find(path) ?? throw FtpFileSystemException.NotFound(path);
            if (node.IsDirectory) throw new FtpFileSystemException(FtpFileSystemError.NotAFile, $"{path}: is a directory");
            if (offset > node.Content.Length) throw new FtpFileSystemException(FtpFileSystemError.InvalidOffset, $"{path}: restart offset past the end");
            return ValueTask.FromResult<Stream>(new MemoryStream(node.Content, (int)offset, node.Content.Length - (int)offset, false));
        }
    }

    public ValueTask<IFtpUpload> BeginUploadAsync(string path, FtpUploadMode mode, long offset, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var parent = FindDirectory(FtpPathResolver.Parent(path));
            var name = FtpPathResolver.Name(path);
            parent.Children.TryGetValue(name, out var existing);
            if (existing is { IsDirectory: true }) throw new FtpFileSystemException(FtpFileSystemError.NotAFile, $"{path}: is a directory");
            var start = mode switch
            {
                FtpUploadMode.Append => existing?.Content ?? [],
                FtpUploadMode.Resume when offset > (existing?.Content.Length ?? 0) =>
                    throw new FtpFileSystemException(FtpFileSystemError.InvalidOffset, $"{path}: restart offset past the end"),
                FtpUploadMode.Resume => (existing?.Content ?? [])[..(int)offset],
                _ => [],
            };
            return ValueTask.FromResult<IFtpUpload>(new MemoryUpload(this, path, start, mode != FtpUploadMode.Create));
        }
    }

    private void Store(string path, byte[] content)
    {
        lock (_lock)
        {
            var parent = FindDirectory(FtpPathResolver.Parent(path));
            var name = FtpPathResolver.Name(path);
            parent.Children[name] = new Node(name, false) { Content = content, Modified = DateTimeOffset.UtcNow };
        }
    }

    private sealed class MemoryUpload : IFtpUpload
    {
        private readonly MemoryFileSystem _owner;
        private readonly string _path;
        private readonly bool _inPlace;
        private readonly MemoryStream _buffer = new();
        private bool _committed;

        public MemoryUpload(MemoryFileSystem owner, string path, byte[] start, bool inPlace)
        {
            _owner = owner;
            _path = path;
            _inPlace = inPlace;
            _buffer.Write(start);
        }

        public Stream Stream => _buffer;

        public ValueTask CommitAsync(CancellationToken cancellationToken = default)
        {
            _committed = true;
            _owner.Store(_path, _buffer.ToArray());
            _owner.FileCommitted?.Invoke(_path);
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            // In-place writes (APPE, resume) keep what arrived, as on disk; STOR without commit leaves nothing.
            if (!_committed && _inPlace) _owner.Store(_path, _buffer.ToArray());
            return ValueTask.CompletedTask;
        }
    }

    public ValueTask CreateDirectoryAsync(string path, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (path == "/") throw new FtpFileSystemException(FtpFileSystemError.AlreadyExists, "/: already exists");
            var parent = FindDirectory(FtpPathResolver.Parent(path));
            var name = FtpPathResolver.Name(path);
            if (parent.Children.ContainsKey(name)) throw new FtpFileSystemException(FtpFileSystemError.AlreadyExists, $"{path}: already exists");
            parent.Children[name] = Node.Directory(name);
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteFileAsync(string path, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var parent = FindDirectory(FtpPathResolver.Parent(path));
            var name = FtpPathResolver.Name(path);
            if (!parent.Children.TryGetValue(name, out var node)) throw FtpFileSystemException.NotFound(path);
            if (node.IsDirectory) throw new FtpFileSystemException(FtpFileSystemError.NotAFile, $"{path}: is a directory");
            parent.Children.Remove(name);
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteDirectoryAsync(string path, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (path == "/") throw new FtpFileSystemException(FtpFileSystemError.AccessDenied, "/: the root cannot be removed");
            var parent = FindDirectory(FtpPathResolver.Parent(path));
            var name = FtpPathResolver.Name(path);
            if (!parent.Children.TryGetValue(name, out var node)) throw FtpFileSystemException.NotFound(path);
            if (!node.IsDirectory) throw new FtpFileSystemException(FtpFileSystemError.NotADirectory, $"{path}: not a directory");
            if (node.Children.Count > 0) throw new FtpFileSystemException(FtpFileSystemError.NotEmpty, $"{path}: directory not empty");
            parent.Children.Remove(name);
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask RenameAsync(string from, string to, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (from == "/" || to == "/") throw new FtpFileSystemException(FtpFileSystemError.AccessDenied, "the root cannot be renamed");
            if (to.StartsWith(from + "/", StringComparison.Ordinal))
                throw new FtpFileSystemException(FtpFileSystemError.AccessDenied, $"{to}: inside {from}");
            var sourceParent = FindDirectory(FtpPathResolver.Parent(from));
            var sourceName = FtpPathResolver.Name(from);
            if (!sourceParent.Children.TryGetValue(sourceName, out var node)) throw FtpFileSystemException.NotFound(from);
            var targetParent = FindDirectory(FtpPathResolver.Parent(to));
            var targetName = FtpPathResolver.Name(to);
            if (targetParent.Children.TryGetValue(targetName, out var existing) && existing.IsDirectory)
                throw new FtpFileSystemException(FtpFileSystemError.AlreadyExists, $"{to}: is a directory");
            sourceParent.Children.Remove(sourceName);
            node.Name = targetName;
            targetParent.Children[targetName] = node;
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask SetModifiedAsync(string path, DateTimeOffset modified, CancellationToken cancellationToken = default)
    {
        lock (_lock) (Find(path) ?? throw FtpFileSystemException.NotFound(path)).Modified = modified;
        return ValueTask.CompletedTask;
    }

    public string? GetPhysicalPath(string path) => null;

    private sealed class Node(string name, bool isDirectory)
    {
        public string Name { get; set; } = name;
        public bool IsDirectory { get; } = isDirectory;
        public byte[] Content { get; set; } = [];
        public DateTimeOffset Modified { get; set; } = DateTimeOffset.UtcNow;
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        public static Node Directory(string name) => new(name, true);

        public FtpFileInfo Info() => new(Name, IsDirectory, IsDirectory ? 0 : Content.Length, Modified);
    }
}
