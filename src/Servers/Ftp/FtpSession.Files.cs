using System.Globalization;
using Protocols.Ftp.Listing;
using Protocols.Servers.Ftp.FileSystem;

namespace Protocols.Servers.Ftp;

public sealed partial class FtpSession
{
    private string? _renameFrom;
    private string _hashAlgorithm = "SHA-256";

    private Task PwdAsync() => ReplyAsync(257, Quote(_cwd) + " is the current directory.");

    private async Task CwdAsync(string argument, CancellationToken cancellationToken)
    {
        var path = await ResolveAsync(argument).ConfigureAwait(false);
        if (path is null) return;
        var info = await Tree.GetInfoAsync(path, cancellationToken).ConfigureAwait(false);
        if (info is not { IsDirectory: true })
        {
            await ReplyAsync(550, "Failed to change directory.").ConfigureAwait(false);
            return;
        }
        _cwd = path;
        await ReplyAsync(250, "Directory successfully changed.").ConfigureAwait(false);
    }

    private async Task MkdAsync(string argument, CancellationToken cancellationToken)
    {
        var path = await ResolveAsync(argument, forCreate: true).ConfigureAwait(false);
        if (path is null) return;
        await Tree.CreateDirectoryAsync(path, cancellationToken).ConfigureAwait(false);
        await ReplyAsync(257, Quote(path) + " created.").ConfigureAwait(false);
    }

    private async Task RmdAsync(string argument, CancellationToken cancellationToken)
    {
        var path = await ResolveAsync(argument).ConfigureAwait(false);
        if (path is null) return;
        if (path == "/" || _cwd == path || _cwd.StartsWith(path + "/", StringComparison.Ordinal))
        {
            await ReplyAsync(550, "Cannot remove the current directory or one above it.").ConfigureAwait(false);
            return;
        }
        await Tree.DeleteDirectoryAsync(path, cancellationToken).ConfigureAwait(false);
        await ReplyAsync(250, "Remove directory operation successful.").ConfigureAwait(false);
    }

    private async Task DeleAsync(string argument, CancellationToken cancellationToken)
    {
        var path = await ResolveAsync(argument).ConfigureAwait(false);
        if (path is null) return;
        await Tree.DeleteFileAsync(path, cancellationToken).ConfigureAwait(false);
        await ReplyAsync(250, "Delete operation successful.").ConfigureAwait(false);
    }

    private async Task RnfrAsync(string argument, CancellationToken cancellationToken)
    {
        var path = await ResolveAsync(argument).ConfigureAwait(false);
        if (path is null) return;
        if (path == "/" || await Tree.GetInfoAsync(path, cancellationToken).ConfigureAwait(false) is null)
        {
            await ReplyAsync(550, "RNFR command failed.").ConfigureAwait(false);
            return;
        }
        _renameFrom = path;
        await ReplyAsync(350, "Ready for RNTO.").ConfigureAwait(false);
    }

    private async Task RntoAsync(string argument, CancellationToken cancellationToken)
    {
        var from = _renameFrom;
        _renameFrom = null;
        if (from is null)
        {
            await ReplyAsync(503, "RNFR required first.").ConfigureAwait(false);
            return;
        }
        var to = await ResolveAsync(argument, forCreate: true).ConfigureAwait(false);
        if (to is null) return;
        await Tree.RenameAsync(from, to, cancellationToken).ConfigureAwait(false);
        await ReplyAsync(250, "Rename successful.").ConfigureAwait(false);
    }

    private async Task<FtpFileInfo?> FileInfoOrReplyAsync(string argument, CancellationToken cancellationToken)
    {
        var path = await ResolveAsync(argument).ConfigureAwait(false);
        if (path is null) return null;
        var info = await Tree.GetInfoAsync(path, cancellationToken).ConfigureAwait(false);
        if (info is { IsDirectory: false }) return info;
        await ReplyAsync(550, info is null ? "No such file." : "Not a plain file.").ConfigureAwait(false);
        return null;
    }

    private async Task SizeAsync(string argument, CancellationToken cancellationToken)
    {
        var info = await FileInfoOrReplyAsync(argument, cancellationToken).ConfigureAwait(false);
        if (info is not null) await ReplyAsync(213, info.Length.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
    }

    private async Task MdtmAsync(string argument, CancellationToken cancellationToken)
    {
        var info = await FileInfoOrReplyAsync(argument, cancellationToken).ConfigureAwait(false);
        if (info is not null) await ReplyAsync(213, MlsdParser.FormatTime(info.Modified)).ConfigureAwait(false);
    }

    private async Task MfmtAsync(string argument, CancellationToken cancellationToken)
    {
        var space = argument.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !MlsdParser.TryParseTime(argument[..space], out var time))
        {
            await ReplyAsync(501, "Syntax: MFMT YYYYMMDDHHMMSS path").ConfigureAwait(false);
            return;
        }
        var path = await ResolveAsync(argument[(space + 1)..]).ConfigureAwait(false);
        if (path is null) return;
        await Tree.SetModifiedAsync(path, time, cancellationToken).ConfigureAwait(false);
        await ReplyAsync(213, $"Modify={MlsdParser.FormatTime(time)}; {argument[(space + 1)..]}").ConfigureAwait(false);
    }

    /// <summary>HASH (draft-bryan-ftp-hash: <c>213 ALGO 0-END HEX path</c>) and the X* forms (<c>250 HEX</c>, as ProFTPD's mod_digest).</summary>
    private async Task HashAsync(string argument, string? algorithm, CancellationToken cancellationToken)
    {
        var info = await FileInfoOrReplyAsync(argument, cancellationToken).ConfigureAwait(false);
        if (info is null) return;
        FtpPathResolver.TryResolve(_cwd, argument, out var path, out _);
        var stream = await Tree.OpenReadAsync(path, 0, cancellationToken).ConfigureAwait(false);
        string hex;
        await using (stream.ConfigureAwait(false))
            hex = await FtpHash.ComputeAsync(algorithm ?? _hashAlgorithm, stream, cancellationToken).ConfigureAwait(false);
        if (algorithm is null)
            await ReplyAsync(213, $"{_hashAlgorithm} 0-{info.Length} {hex} {argument}").ConfigureAwait(false);
        else
            await ReplyAsync(250, hex).ConfigureAwait(false);
    }

    private async Task MlstAsync(string argument, CancellationToken cancellationToken)
    {
        var path = await ResolveAsync(argument.Length == 0 ? "." : argument).ConfigureAwait(false);
        if (path is null) return;
        var info = await Tree.GetInfoAsync(path, cancellationToken).ConfigureAwait(false);
        if (info is null)
        {
            await ReplyAsync(550, "No such file or directory.").ConfigureAwait(false);
            return;
        }
        var facts = FtpListingFormatter.Facts(info, _user!.CanWrite, _facts);
        await ReplyAsync(250, [$"Listing {path}", $" {facts} {path}", "End."]).ConfigureAwait(false);
    }

    private async Task StatAsync(string argument, CancellationToken cancellationToken)
    {
        if (_transfer is not null)
        {
            await ReplyAsync(213, $"Status: {Interlocked.Read(ref _transferred)} bytes transferred.").ConfigureAwait(false);
            return;
        }
        if (argument.Length == 0 || _user is null)
        {
            await ReplyAsync(211, [
                "FTP server status:",
                $" Connected to {_remoteAddress}",
                _user is null ? " Not logged in" : $" Logged in as {_user.Name}",
                $" TYPE: {(_type == TransferType.Ascii ? "ASCII" : "BINARY")}, {(Secure ? "control TLS" : "control plain")}, data {(_protectData ? "TLS" : "plain")}",
                "End of status.",
            ]).ConfigureAwait(false);
            return;
        }
        var path = await ResolveAsync(StripListOptions(argument)).ConfigureAwait(false);
        if (path is null) return;
        var lines = new List<string> { $"Status of {path}:" };
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        await foreach (var item in EnumerateAsync(path, cancellationToken).ConfigureAwait(false))
            FtpListingFormatter.WriteList(buffer, item, _user.CanWrite, DateTimeOffset.UtcNow);
        lines.AddRange(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => " " + l));
        lines.Add("End of status.");
        await ReplyAsync(213, lines).ConfigureAwait(false);
    }
}
