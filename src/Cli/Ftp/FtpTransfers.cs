using Protocols.Cli.Common;
using Protocols.Ftp;

namespace Protocols.Cli.Ftp;

/// <summary>get and put of files and trees: SIZE first for the progress line, downloads through a temporary file.</summary>
internal static class FtpTransfers
{
    public static async Task<int> GetFileAsync(FtpClient client, string path, string local, bool resume, CancellationToken ct)
    {
        if (local == "-")
        {
            var stdout = StandardOutput.Open();
            await using (stdout.ConfigureAwait(false)) await client.DownloadAsync(stdout, path, cancellationToken: ct).ConfigureAwait(false);
            return 0;
        }
        var total = await SizeAsync(client, path, ct).ConfigureAwait(false);
        if (resume && total is { } size && File.Exists(local) && new FileInfo(local).Length > size)
            throw new UsageException($"{local} is larger than {path} on the server ({new FileInfo(local).Length} > {size} bytes): not resuming");
        if (Directory.Exists(local)) throw new UsageException($"{local} is a directory");
        using var progress = TransferProgress.Start(path, total);
        // The library writes a new copy to a temporary file and renames it over the target only when complete;
        // a resume appends to the partial file, so what arrived stays and a second resume goes on from there.
        await client.DownloadFileAsync(local, path, resume ? FtpExists.Resume : FtpExists.Overwrite, progress: Adapter(progress), cancellationToken: ct).ConfigureAwait(false);
        progress?.Complete();
        return 0;
    }

    public static async Task<int> GetTreeAsync(FtpClient client, string path, string local, bool resume, CancellationToken ct)
    {
        using var progress = new PerFileProgress();
        var results = await client.DownloadDirectoryAsync(local, path, resume ? FtpExists.Resume : FtpExists.Overwrite, progress, ct).ConfigureAwait(false);
        progress.Dispose();
        return Report(results);
    }

    public static async Task<int> PutFileAsync(FtpClient client, string local, string path, bool resume, CancellationToken ct)
    {
        if (!File.Exists(local)) throw new UsageException(Directory.Exists(local) ? $"{local} is a directory (use -r)" : $"no such file: {local}");
        var remote = path.Length == 0 || path.EndsWith('/') ? path + Path.GetFileName(local) : path;
        using var progress = TransferProgress.Start(remote, new FileInfo(local).Length);
        await client.UploadFileAsync(local, remote, resume ? FtpExists.Resume : FtpExists.Overwrite, createRemoteDirectory: true,
            progress: Adapter(progress), cancellationToken: ct).ConfigureAwait(false);
        progress?.Complete();
        return 0;
    }

    /// <summary>Like <c>scp -r</c>: to a URL ending in / (or an existing directory) the tree goes into a directory of its own name.</summary>
    public static async Task<int> PutTreeAsync(FtpClient client, string local, string path, bool resume, CancellationToken ct)
    {
        if (!Directory.Exists(local)) throw new UsageException(File.Exists(local) ? $"{local} is a file (drop -r)" : $"no such directory: {local}");
        var name = Path.GetFileName(Path.GetFullPath(local).TrimEnd(Path.DirectorySeparatorChar));
        var remote = path.Length == 0 || path.EndsWith('/') || await client.DirectoryExistsAsync(path, ct).ConfigureAwait(false)
            ? path.TrimEnd('/') + "/" + name
            : path;
        using var progress = new PerFileProgress();
        var results = await client.UploadDirectoryAsync(local, remote, resume ? FtpExists.Resume : FtpExists.Overwrite, progress, ct).ConfigureAwait(false);
        progress.Dispose();
        return Report(results);
    }

    /// <summary>SIZE, when the server answers it; null otherwise (the progress line then shows bytes and rate).</summary>
    private static async Task<long?> SizeAsync(FtpClient client, string path, CancellationToken ct)
    {
        try
        {
            var size = await client.GetFileSizeAsync(path, ct).ConfigureAwait(false);
            return size >= 0 ? size : null;
        }
        catch (FtpCommandException)
        {
            return null;
        }
    }

    private static int Report(IReadOnlyList<FtpResult> results)
    {
        foreach (var failed in results.Where(r => r.Status == FtpStatus.Failed))
            VerbRunner.Error(Console.Error, $"{failed.RemotePath}: {failed.Error?.Message}");
        var ok = results.Count(r => r.Status == FtpStatus.Success);
        var skipped = results.Count(r => r.Status == FtpStatus.Skipped);
        Console.Error.WriteLine($"proto: {ok} transferred, {skipped} skipped, {results.Count - ok - skipped} failed");
        return results.Any(r => r.Status == FtpStatus.Failed) ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static IProgress<FtpProgress>? Adapter(TransferProgress? progress) => progress is null ? null : new SyncProgress(p =>
    {
        if (p.TotalBytes is { } total) progress.Total = total;
        progress.Report(p.TransferredBytes);
    });

    private sealed class SyncProgress(Action<FtpProgress> report) : IProgress<FtpProgress>
    {
        public void Report(FtpProgress value) => report(value);
    }

    /// <summary>A tree transfer: one progress line per file, each ended when the next file starts.</summary>
    private sealed class PerFileProgress : IProgress<FtpProgress>, IDisposable
    {
        private string? _path;
        private TransferProgress? _line;

        public void Report(FtpProgress value)
        {
            if (value.RemotePath != _path)
            {
                _line?.Complete();
                _path = value.RemotePath;
                _line = TransferProgress.Start(value.RemotePath, value.TotalBytes);
            }
            if (value.TotalBytes is { } total && _line is not null) _line.Total = total;
            _line?.Report(value.TransferredBytes);
        }

        public void Dispose()
        {
            _line?.Complete();
            _line = null;
        }
    }
}
