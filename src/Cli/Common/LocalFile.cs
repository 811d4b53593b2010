namespace Protocols.Cli.Common;

/// <summary>
/// A download's local file: written as a hidden temporary file beside the target and renamed over it only by
/// <see cref="CommitAsync"/>. A failed or cancelled download disposes it unfinished, the temporary file is deleted and
/// the target (an existing file of the same name included) is left as it was. An existing fifo or device
/// (<c>-o /dev/null</c>) is written in place: renaming over it would replace it with a plain file.
/// </summary>
internal sealed class LocalFile : IAsyncDisposable
{
    private readonly string? _temporary;
    private bool _committed;

    private LocalFile(string path, string? temporary, FileStream stream)
    {
        Path = path;
        _temporary = temporary;
        Stream = stream;
    }

    /// <summary>The final name.</summary>
    public string Path { get; }

    public FileStream Stream { get; }

    public static LocalFile Create(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new UsageException($"{path} is a directory");
        var directory = System.IO.Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory)) throw new UsageException($"no such directory: {directory}");
        if (Protocols.Files.SpecialTarget.Is(full))
            return new LocalFile(full, null, new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1));
        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.part");
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        return new LocalFile(full, temporary, stream);
    }

    /// <summary>Flushes the data and renames the temporary file over the target.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        await Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        await Stream.DisposeAsync().ConfigureAwait(false);
        if (_temporary is not null) File.Move(_temporary, Path, overwrite: true);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync().ConfigureAwait(false);
        if (!_committed && _temporary is not null) File.Delete(_temporary);
    }
}
