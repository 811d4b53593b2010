using System.Globalization;
using System.Security.Cryptography;
using Protocols.Ftp.Listing;

namespace Protocols.Ftp;

/// <summary>The result for one file of a directory transfer.</summary>
public sealed record FtpResult(string LocalPath, string RemotePath, FtpStatus Status, Exception? Error = null);

public sealed partial class FtpClient
{
    /// <summary>PWD.</summary>
    public async Task<string> GetWorkingDirectoryAsync(CancellationToken cancellationToken = default)
    {
        var reply = await ExpectAsync("PWD", 257, cancellationToken).ConfigureAwait(false);
        var text = reply.Text;
        var first = text.IndexOf('"', StringComparison.Ordinal);
        if (first < 0) return text.Split(' ')[0];
        var sb = new System.Text.StringBuilder();
        for (var i = first + 1; i < text.Length; i++)
        {
            if (text[i] != '"') sb.Append(text[i]);
            else if (i + 1 < text.Length && text[i + 1] == '"')
            {
                sb.Append('"');
                i++;
            }
            else break;
        }
        return sb.ToString();
    }

    /// <summary>CWD.</summary>
    public Task SetWorkingDirectoryAsync(string path, CancellationToken cancellationToken = default) =>
        ExpectAsync("CWD " + path, 250, cancellationToken);

    /// <summary>SIZE; -1 when the server has no such file.</summary>
    public async Task<long> GetFileSizeAsync(string path, CancellationToken cancellationToken = default)
    {
        await SetBinaryAsync(true, cancellationToken).ConfigureAwait(false);
        var reply = await ExecuteAsync("SIZE " + path, cancellationToken).ConfigureAwait(false);
        if (reply.Code == 550) return -1;
        if (reply.Code != 213 || !long.TryParse(reply.Text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            throw new FtpCommandException("SIZE " + path, reply);
        return size;
    }

    /// <summary>MDTM: the modification time in UTC.</summary>
    public async Task<DateTimeOffset> GetModifiedTimeAsync(string path, CancellationToken cancellationToken = default)
    {
        var reply = await ExpectAsync("MDTM " + path, 213, cancellationToken).ConfigureAwait(false);
        return MlsdParser.TryParseTime(reply.Text.Trim(), out var time) ? time : throw new FtpCommandException("MDTM " + path, reply);
    }

    /// <summary>MFMT: sets the modification time.</summary>
    public Task SetModifiedTimeAsync(string path, DateTimeOffset time, CancellationToken cancellationToken = default) =>
        ExpectAsync($"MFMT {MlsdParser.FormatTime(time)} {path}", 213, cancellationToken);

    /// <summary>MLST: facts about one path, or null when it does not exist. Needs MLST (RFC 3659).</summary>
    public async Task<FtpListItem?> GetObjectInfoAsync(string path, CancellationToken cancellationToken = default)
    {
        var reply = await ExecuteAsync("MLST " + path, cancellationToken).ConfigureAwait(false);
        if (reply.Code != 250) return null;
        foreach (var line in reply.Lines.Skip(1))
            if (MlsdParser.TryParse(line.TrimStart(' '), out var item)) return item;
        return null;
    }

    public async Task<bool> FileExistsAsync(string path, CancellationToken cancellationToken = default)
    {
        if (HasFeature("MLST")) return await GetObjectInfoAsync(path, cancellationToken).ConfigureAwait(false) is { Type: FtpObjectType.File };
        return await GetFileSizeAsync(path, cancellationToken).ConfigureAwait(false) >= 0;
    }

    public async Task<bool> DirectoryExistsAsync(string path, CancellationToken cancellationToken = default)
    {
        if (HasFeature("MLST")) return await GetObjectInfoAsync(path, cancellationToken).ConfigureAwait(false) is { Type: FtpObjectType.Directory };
        var here = await GetWorkingDirectoryAsync(cancellationToken).ConfigureAwait(false);
        var reply = await ExecuteAsync("CWD " + path, cancellationToken).ConfigureAwait(false);
        if (reply.Code != 250) return false;
        await SetWorkingDirectoryAsync(here, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>MKD; with <paramref name="recursive"/> every missing parent too (mkdir -p). Existing directories are fine.</summary>
    public async Task CreateDirectoryAsync(string path, bool recursive = true, CancellationToken cancellationToken = default)
    {
        if (!recursive)
        {
            await ExpectAsync("MKD " + path, 257, cancellationToken).ConfigureAwait(false);
            return;
        }
        await CreateMissingDirectoriesAsync(path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>mkdir -p: false when the whole path was already there (nothing created), true when directories were made.</summary>
    private async Task<bool> CreateMissingDirectoriesAsync(string path, CancellationToken cancellationToken)
    {
        // The whole path first: it usually exists (an upload's directory), and then one check does instead of one per parent.
        if (await DirectoryExistsAsync(path, cancellationToken).ConfigureAwait(false)) return false;
        var prefix = path.StartsWith('/') ? "" : null;
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            prefix = prefix is null ? segment : prefix + "/" + segment;
            if (await DirectoryExistsAsync(prefix, cancellationToken).ConfigureAwait(false)) continue;
            var reply = await ExecuteAsync("MKD " + prefix, cancellationToken).ConfigureAwait(false);
            if (reply.Code != 257 && !await DirectoryExistsAsync(prefix, cancellationToken).ConfigureAwait(false))
                throw new FtpCommandException("MKD " + prefix, reply);
        }
        return true;
    }

    public Task DeleteFileAsync(string path, CancellationToken cancellationToken = default) =>
        ExpectAsync("DELE " + path, 250, cancellationToken);

    /// <summary>RMD; with <paramref name="recursive"/> everything inside first.</summary>
    public async Task DeleteDirectoryAsync(string path, bool recursive = false, CancellationToken cancellationToken = default)
    {
        if (recursive)
        {
            var items = new List<FtpListItem>();
            await foreach (var item in GetListingAsync(path, cancellationToken).ConfigureAwait(false)) items.Add(item);
            foreach (var item in items)
            {
                var child = Join(path, item.Name);
                if (item.Type == FtpObjectType.Directory) await DeleteDirectoryAsync(child, true, cancellationToken).ConfigureAwait(false);
                else await DeleteFileAsync(child, cancellationToken).ConfigureAwait(false);
            }
        }
        await ExpectAsync("RMD " + path, 250, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>RNFR + RNTO.</summary>
    public async Task RenameAsync(string from, string to, CancellationToken cancellationToken = default)
    {
        await ExpectAsync("RNFR " + from, 350, cancellationToken).ConfigureAwait(false);
        await ExpectAsync("RNTO " + to, 250, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>HASH (draft-bryan-ftp-hash): the server's checksum of a file as (algorithm, lower-case hex), or null when not offered.</summary>
    public async Task<(string Algorithm, string Hex)?> GetChecksumAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!HasFeature("HASH")) return null;
        var reply = await ExecuteAsync("HASH " + path, cancellationToken).ConfigureAwait(false);
        if (reply.Code != 213) return null;
        var parts = reply.Text.Split(' ', 4);
        return parts.Length >= 3 ? (parts[0].ToUpperInvariant(), parts[2].ToLowerInvariant()) : null;
    }

    private static string Join(string directory, string name) =>
        directory.Length == 0 ? name : directory.EndsWith('/') ? directory + name : directory + "/" + name;

    /// <summary>
    /// Checks a transferred file: HASH when the server offers it (SHA-256, SHA-1, MD5 or SHA-512), else SIZE.
    /// Throws <see cref="InvalidDataException"/> on a mismatch.
    /// </summary>
    public async Task VerifyAsync(string localPath, string remotePath, CancellationToken cancellationToken = default)
    {
        var local = new FileInfo(localPath);
        if (await GetChecksumAsync(remotePath, cancellationToken).ConfigureAwait(false) is { } checksum && HashName(checksum.Algorithm) is { } name)
        {
            await using var stream = File.OpenRead(localPath);
            using var hash = IncrementalHash.CreateHash(name);
            var buffer = new byte[128 * 1024];
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0) hash.AppendData(buffer, 0, n);
            var hex = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (hex != checksum.Hex) throw new InvalidDataException($"{remotePath}: {checksum.Algorithm} differs (local {hex}, remote {checksum.Hex})");
            return;
        }
        var size = await GetFileSizeAsync(remotePath, cancellationToken).ConfigureAwait(false);
        if (size != local.Length) throw new InvalidDataException($"{remotePath}: size differs (local {local.Length}, remote {size})");
    }

    private static HashAlgorithmName? HashName(string algorithm) => algorithm switch
    {
        "SHA-256" => HashAlgorithmName.SHA256,
        "SHA-1" => HashAlgorithmName.SHA1,
        "MD5" => HashAlgorithmName.MD5,
        "SHA-512" => HashAlgorithmName.SHA512,
        _ => null,
    };

    /// <summary>Uploads a local file; <paramref name="exists"/> says what to do with an existing remote file.</summary>
    public async Task<FtpStatus> UploadFileAsync(string localPath, string remotePath, FtpExists exists = FtpExists.Overwrite,
        bool createRemoteDirectory = false, bool verify = false, IProgress<FtpProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await using var source = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var append = exists == FtpExists.Append;
        if (exists is FtpExists.Skip or FtpExists.Resume)
        {
            var remoteSize = await GetFileSizeAsync(remotePath, cancellationToken).ConfigureAwait(false);
            if (exists == FtpExists.Skip && remoteSize >= 0) return FtpStatus.Skipped;
            if (exists == FtpExists.Resume && remoteSize >= 0)
            {
                if (remoteSize == source.Length) return FtpStatus.Skipped;
                if (remoteSize < source.Length)
                {
                    source.Position = remoteSize;
                    append = true;
                }
            }
        }
        // The remote directory is made only when the server refuses the file (mkdir -p after a 550/553 to STOR): it
        // usually exists, and checking first cost three round trips on a server without MLST (PWD, CWD, CWD back).
        var start = source.Position;
        var slash = remotePath.LastIndexOf('/');
        try
        {
            await UploadAsync(source, remotePath, append, 0, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (FtpCommandException e) when (createRemoteDirectory && slash > 0 && source.Position == start && IsMissingDirectory(e))
        {
            // Nothing was missing: the refusal stands (permissions, a bad name).
            if (!await CreateMissingDirectoriesAsync(remotePath[..slash], cancellationToken).ConfigureAwait(false)) throw;
            await UploadAsync(source, remotePath, append, 0, progress, cancellationToken).ConfigureAwait(false);
        }
        if (verify) await VerifyAsync(localPath, remotePath, cancellationToken).ConfigureAwait(false);
        return FtpStatus.Success;
    }

    /// <summary>A refusal of the transfer command itself that a missing directory explains: 550 (no such file) or 553 (name not allowed; vsftpd's answer).</summary>
    private static bool IsMissingDirectory(FtpCommandException e) =>
        e.Code is 550 or 553 && (e.Command.StartsWith("STOR ", StringComparison.Ordinal) || e.Command.StartsWith("APPE ", StringComparison.Ordinal));

    /// <summary>Downloads a remote file to a local path; <see cref="FtpExists.Resume"/> continues a partial local copy with REST.</summary>
    public async Task<FtpStatus> DownloadFileAsync(string localPath, string remotePath, FtpExists exists = FtpExists.Overwrite,
        bool verify = false, IProgress<FtpProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var local = new FileInfo(localPath);
        long offset = 0;
        long? total = null;
        if (local.Exists && exists == FtpExists.Skip) return FtpStatus.Skipped;
        if (local.Exists && exists == FtpExists.Resume)
        {
            var remoteSize = await GetFileSizeAsync(remotePath, cancellationToken).ConfigureAwait(false);
            total = remoteSize;
            if (remoteSize == local.Length) return FtpStatus.Skipped;
            if (remoteSize > local.Length) offset = local.Length;
        }
        if (local.DirectoryName is { } dir) Directory.CreateDirectory(dir);
        var append = offset > 0 || exists == FtpExists.Append;
        // A new copy is written beside the target and renamed over it only when complete: a failed or cancelled
        // download leaves an existing file as it was (an append or resume writes in place: it is a partial file, and
        // so does a fifo or device such as /dev/null, which a rename would replace).
        var special = !append && Files.SpecialTarget.Is(localPath);
        var inPlace = append || special;
        var writing = inPlace ? localPath : Path.Combine(local.DirectoryName ?? ".", $".{local.Name}.{Guid.NewGuid():N}.part");
        try
        {
            await using (var destination = new FileStream(writing, append ? FileMode.Append : special ? FileMode.Open : FileMode.CreateNew,
                             FileAccess.Write, special ? FileShare.ReadWrite : FileShare.None, 1, special ? FileOptions.None : FileOptions.Asynchronous))
            {
                await DownloadAsync(destination, remotePath, offset, progress, total, cancellationToken).ConfigureAwait(false);
            }
            if (!inPlace) File.Move(writing, localPath, overwrite: true);
        }
        finally
        {
            if (!inPlace) File.Delete(writing);
        }
        if (verify) await VerifyAsync(localPath, remotePath, cancellationToken).ConfigureAwait(false);
        return FtpStatus.Success;
    }

    /// <summary>Uploads a local directory tree (mkdir -p on the server); one result per file.</summary>
    public async Task<IReadOnlyList<FtpResult>> UploadDirectoryAsync(string localDirectory, string remoteDirectory, FtpExists exists = FtpExists.Overwrite,
        IProgress<FtpProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var results = new List<FtpResult>();
        await CreateDirectoryAsync(remoteDirectory, true, cancellationToken).ConfigureAwait(false);
        foreach (var dir in Directory.EnumerateDirectories(localDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            await CreateDirectoryAsync(Join(remoteDirectory, Relative(localDirectory, dir)), true, cancellationToken).ConfigureAwait(false);
        foreach (var file in Directory.EnumerateFiles(localDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var remote = Join(remoteDirectory, Relative(localDirectory, file));
            try
            {
                results.Add(new FtpResult(file, remote, await UploadFileAsync(file, remote, exists, false, false, progress, cancellationToken).ConfigureAwait(false)));
            }
            catch (FtpCommandException e)
            {
                results.Add(new FtpResult(file, remote, FtpStatus.Failed, e));
            }
        }
        return results;
    }

    /// <summary>Downloads a remote directory tree; links and special files are skipped; one result per file.</summary>
    public async Task<IReadOnlyList<FtpResult>> DownloadDirectoryAsync(string localDirectory, string remoteDirectory, FtpExists exists = FtpExists.Overwrite,
        IProgress<FtpProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var results = new List<FtpResult>();
        Directory.CreateDirectory(localDirectory);
        var items = new List<FtpListItem>();
        await foreach (var item in GetListingAsync(remoteDirectory, cancellationToken).ConfigureAwait(false)) items.Add(item);
        foreach (var item in items)
        {
            if (item.Name.Contains('/', StringComparison.Ordinal) || item.Name.Contains('\\', StringComparison.Ordinal) || item.Name is "." or "..")
                continue; // never let a server name escape the local directory
            var remote = Join(remoteDirectory, item.Name);
            var local = Path.Combine(localDirectory, item.Name);
            if (item.Type == FtpObjectType.Directory)
            {
                results.AddRange(await DownloadDirectoryAsync(local, remote, exists, progress, cancellationToken).ConfigureAwait(false));
            }
            else if (item.Type == FtpObjectType.File)
            {
                try
                {
                    results.Add(new FtpResult(local, remote, await DownloadFileAsync(local, remote, exists, false, progress, cancellationToken).ConfigureAwait(false)));
                }
                catch (FtpCommandException e)
                {
                    results.Add(new FtpResult(local, remote, FtpStatus.Failed, e));
                }
            }
        }
        return results;
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');
}
