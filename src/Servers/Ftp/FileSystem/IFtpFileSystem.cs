namespace Protocols.Servers.Ftp.FileSystem;

/// <summary>One entry of a directory, as the server lists it.</summary>
public sealed record FtpFileInfo(string Name, bool IsDirectory, long Length, DateTimeOffset Modified)
{
    /// <summary>Whether the entry may be written (shown in LIST modes and MLSD perm facts).</summary>
    public bool IsReadOnly { get; init; }
}

/// <summary>How an upload writes its file.</summary>
public enum FtpUploadMode
{
    /// <summary>STOR: the file appears (or replaces the old one) only when the upload completes.</summary>
    Create,
    /// <summary>APPE: appended in place.</summary>
    Append,
    /// <summary>REST n + STOR: written in place from offset n (at most the current length), an explicit resume.</summary>
    Resume,
}

/// <summary>An upload in progress: write to <see cref="Stream"/>, then commit; disposing without commit aborts.</summary>
public interface IFtpUpload : IAsyncDisposable
{
    Stream Stream { get; }

    ValueTask CommitAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// What the FTP session sees of storage. Every path is a virtual path from <see cref="FtpPathResolver"/>
/// (absolute, normalized, under the user's root). Failures are <see cref="FtpFileSystemException"/>.
/// </summary>
public interface IFtpFileSystem
{
    /// <summary>The entry at <paramref name="path"/>, or null when there is none (or it is out of reach).</summary>
    ValueTask<FtpFileInfo?> GetInfoAsync(string path, CancellationToken cancellationToken = default);

    IAsyncEnumerable<FtpFileInfo> ListAsync(string path, CancellationToken cancellationToken = default);

    ValueTask<Stream> OpenReadAsync(string path, long offset, CancellationToken cancellationToken = default);

    ValueTask<IFtpUpload> BeginUploadAsync(string path, FtpUploadMode mode, long offset, CancellationToken cancellationToken = default);

    ValueTask CreateDirectoryAsync(string path, CancellationToken cancellationToken = default);

    ValueTask DeleteFileAsync(string path, CancellationToken cancellationToken = default);

    ValueTask DeleteDirectoryAsync(string path, CancellationToken cancellationToken = default);

    ValueTask RenameAsync(string from, string to, CancellationToken cancellationToken = default);

    ValueTask SetModifiedAsync(string path, DateTimeOffset modified, CancellationToken cancellationToken = default);

    /// <summary>The file on disk for zero-copy sends, or null (in memory, or not a regular file under the root).</summary>
    string? GetPhysicalPath(string path);
}

/// <summary>Why a file-system operation failed; the session maps each to one reply code.</summary>
public enum FtpFileSystemError
{
    NotFound,
    AlreadyExists,
    NotEmpty,
    NotAFile,
    NotADirectory,
    OutsideRoot,
    InvalidOffset,
    AccessDenied,
}

public sealed class FtpFileSystemException(FtpFileSystemError error, string message) : IOException(message)
{
    public FtpFileSystemError Error { get; } = error;

    public static FtpFileSystemException NotFound(string path) => new(FtpFileSystemError.NotFound, $"{path}: no such file or directory");
}
