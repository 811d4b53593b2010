using Microsoft.Extensions.Logging;
using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using Protocols.Net;
using Protocols.Servers.Ftp.FileSystem;

namespace Protocols.Servers.Ftp;

public sealed partial class FtpSession
{
    private const int TransferBufferSize = 256 * 1024;

    private enum ListKind { List, Names, Mlsd }

    private enum StoreKind { Stor, Appe, Stou }

    private Task? _transfer;
    private CancellationTokenSource? _transferCts;
    private long _transferred;

    /// <summary>A transfer that failed on our side, with the reply to give (451 local error, 452 disk full).</summary>
    private sealed class TransferFailedException(int code, string message, Exception? inner = null) : Exception(message, inner)
    {
        public int Code { get; } = code;
    }

    private async Task WaitForTransferAsync()
    {
        var transfer = _transfer;
        if (transfer is null) return;
        await transfer.ConfigureAwait(false);
        _transfer = null;
        _transferCts?.Dispose();
        _transferCts = null;
    }

    private async Task AbortTransferAsync()
    {
        if (_transfer is null) return;
        await (_transferCts?.CancelAsync() ?? Task.CompletedTask).ConfigureAwait(false);
        await WaitForTransferAsync().ConfigureAwait(false);
    }

    private async Task AborAsync()
    {
        if (_transfer is null or { IsCompleted: true })
        {
            await WaitForTransferAsync().ConfigureAwait(false);
            await ReplaceDataChannelAsync(null).ConfigureAwait(false);
            await ReplyAsync(225, "No transfer to ABOR.").ConfigureAwait(false);
            return;
        }
        await AbortTransferAsync().ConfigureAwait(false);
        await ReplyAsync(226, "ABOR successful.").ConfigureAwait(false);
    }

    /// <summary>
    /// Replies 150, opens the data connection and runs <paramref name="body"/> beside the command loop, so ABOR and
    /// STAT are answered meanwhile. The final reply, posted to the loop, is 226 (success), 425 (no data connection),
    /// 426 (broken or aborted) or the code of a <see cref="TransferFailedException"/>. <paramref name="cleanup"/> always runs.
    /// </summary>
    private async Task StartTransferAsync(string preliminary, Func<Connection, CancellationToken, Task<string>> body,
        Func<ValueTask> cleanup, CancellationToken cancellationToken, bool upload = false)
    {
        var channel = _dataChannel;
        _dataChannel = null;
        if (channel is null)
        {
            await cleanup().ConfigureAwait(false);
            await ReplyAsync(425, "Use PORT, EPRT, PASV or EPSV first.").ConfigureAwait(false);
            return;
        }
        await ReplyAsync(150, preliminary).ConfigureAwait(false);
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _transferCts = cts;
        Interlocked.Exchange(ref _transferred, 0);
        _transfer = StartBeside(() => RunTransferAsync(channel, upload, body, cleanup, cts.Token));
    }

    private async Task<ReadOnlyMemory<byte>> RunTransferAsync(FtpDataChannel channel, bool upload, Func<Connection, CancellationToken, Task<string>> body,
        Func<ValueTask> cleanup, CancellationToken cancellationToken)
    {
        (int Code, string Text) final;
        try
        {
            final = await OpenAndRunAsync(channel, upload, body, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                await cleanup().ConfigureAwait(false);
            }
            catch (IOException e)
            {
                Logger.LogWarning(e, "FTP transfer cleanup for {Remote} failed", _remoteAddress);
            }
            await channel.DisposeAsync().ConfigureAwait(false);
        }
        return Line(final.Code, final.Text);
    }

    /// <summary>Opens the data connection and runs the body; always returns the final reply (425, 426, 226 or the body's failure code).</summary>
    private async Task<(int Code, string Text)> OpenAndRunAsync(FtpDataChannel channel, bool upload, Func<Connection, CancellationToken, Task<string>> body,
        CancellationToken cancellationToken)
    {
        Connection data;
        try
        {
            data = await channel.OpenAsync(_dataOptions, _protectData ? _options.Certificate : null, upload, _options.DataConnectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or TimeoutException or IOException or System.Security.Authentication.AuthenticationException)
        {
            Logger.LogDebug(e, "FTP data connection for {Remote} failed", _remoteAddress);
            return (425, "Cannot open data connection.");
        }
        catch (OperationCanceledException)
        {
            return (426, "Transfer aborted.");
        }
        await using (data.ConfigureAwait(false))
        {
            try
            {
                return (226, await body(data, cancellationToken).ConfigureAwait(false));
            }
            catch (TransferFailedException e)
            {
                data.Abort();
                return (e.Code, e.Message);
            }
            catch (OperationCanceledException)
            {
                data.Abort();
                return (426, "Transfer aborted.");
            }
            catch (Exception e) when (e is IOException or SocketException or TimeoutException or ObjectDisposedException)
            {
                Logger.LogDebug(e, "FTP transfer for {Remote} broke", _remoteAddress);
                return (426, "Connection closed; transfer aborted.");
            }
        }
    }

    private async Task ListAsync(string argument, ListKind kind, CancellationToken cancellationToken)
    {
        var path = await ResolveAsync(argument.Length == 0 || kind == ListKind.Mlsd && argument.Length == 0 ? "." : StripListOptions(argument) is { Length: > 0 } a ? a : ".").ConfigureAwait(false);
        if (path is null) return;
        var info = await Tree.GetInfoAsync(path, cancellationToken).ConfigureAwait(false);
        if (info is null)
        {
            await ReplyAsync(550, "No such file or directory.").ConfigureAwait(false);
            return;
        }
        if (kind == ListKind.Mlsd && !info.IsDirectory)
        {
            await ReplyAsync(501, "MLSD needs a directory.").ConfigureAwait(false);
            return;
        }
        var canWrite = _user!.CanWrite;
        var facts = _facts;
        await StartTransferAsync("Here comes the directory listing.", async (data, token) =>
        {
            var output = data.Writer.Buffer;
            var now = DateTimeOffset.UtcNow;
            FtpListingFormatter.Reserve(output);
            if (info.IsDirectory && Tree is DiskFileSystem disk)
            {
                // On disk: each line from the name's bytes and one status, no FtpFileInfo or string per entry.
                using var listing = disk.OpenListing(path);
                while (listing.MoveNext())
                {
                    token.ThrowIfCancellationRequested();
                    if (!FtpListingFormatter.IsListable(listing.Name)) continue;
                    switch (kind)
                    {
                        case ListKind.List: FtpListingFormatter.WriteList(output, listing.Name, listing.Facts, canWrite, now.UtcDateTime); break;
                        case ListKind.Names: FtpListingFormatter.WriteName(output, listing.Name); break;
                        default: FtpListingFormatter.WriteMlsd(output, listing.Name, listing.Facts, canWrite, facts); break;
                    }
                    if (data.Writer.UnflushedBytes >= FtpListingFormatter.DrainBytes) await DrainListingAsync(data, token).ConfigureAwait(false);
                }
            }
            else
            {
                await foreach (var item in EnumerateAsync(path, token).ConfigureAwait(false))
                {
                    switch (kind)
                    {
                        case ListKind.List: FtpListingFormatter.WriteList(output, item, canWrite, now); break;
                        case ListKind.Names: FtpListingFormatter.WriteName(output, item.Name); break;
                        default: FtpListingFormatter.WriteMlsd(output, item, canWrite, facts); break;
                    }
                    if (data.Writer.UnflushedBytes >= FtpListingFormatter.DrainBytes) await DrainListingAsync(data, token).ConfigureAwait(false);
                }
            }
            await DrainDataAsync(data, token).ConfigureAwait(false);
            await data.CloseAsync(token).ConfigureAwait(false);
            return "Directory send OK.";
        }, () => ValueTask.CompletedTask, cancellationToken).ConfigureAwait(false);
    }

    private async Task DrainListingAsync(Connection data, CancellationToken cancellationToken)
    {
        await DrainDataAsync(data, cancellationToken).ConfigureAwait(false);
        FtpListingFormatter.Reserve(data.Writer.Buffer);
    }

    /// <summary>Sends what the data writer holds (its write timeout is the data idle timeout) and counts it.</summary>
    private async Task DrainDataAsync(Connection data, CancellationToken cancellationToken)
    {
        var pending = data.Writer.UnflushedBytes;
        await data.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _transferred, pending);
    }

    private async Task RetrAsync(string argument, CancellationToken cancellationToken)
    {
        var path = await ResolveAsync(argument).ConfigureAwait(false);
        if (path is null) return;
        var offset = _restart;
        _restart = 0;
        var info = await Tree.GetInfoAsync(path, cancellationToken).ConfigureAwait(false);
        if (info is not { IsDirectory: false })
        {
            await ReplyAsync(550, info is null ? "No such file." : "Not a plain file.").ConfigureAwait(false);
            return;
        }
        var stream = await Tree.OpenReadAsync(path, offset, cancellationToken).ConfigureAwait(false);
        // sendfile(2) from the file that was opened and checked (/proc/self/fd/N), never by name again: a name
        // can be re-pointed outside the root between the check and the send.
        var physical = _type == TransferType.Binary && !_protectData && offset == 0 && _options.UseSendFile && _options.Faults is null
            && stream is FileStream file
            ? Protocols.Servers.FileSystem.OpenedEntry.PathOf(file)
            : null;
        var ascii = _type == TransferType.Ascii;
        var length = info.Length;
        await StartTransferAsync(
            string.Create(CultureInfo.InvariantCulture, $"Opening {(ascii ? "ASCII" : "BINARY")} mode data connection for {FtpPathResolver.Name(path)} ({length} bytes)."),
            async (data, token) =>
            {
                if (physical is not null)
                {
                    // sendfile(2): the kernel copies from the page cache to the socket. Allow the slowest client
                    // 64 KiB/s on average beyond the idle timeout before giving up.
                    using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
                    limit.CancelAfter(_options.DataIdleTimeout + TimeSpan.FromSeconds(length / (64.0 * 1024)));
                    Interlocked.Add(ref _transferred, await data.SendFileAsync(physical, limit.Token).ConfigureAwait(false));
                }
                else
                {
                    await SendStreamAsync(data, stream, ascii, token).ConfigureAwait(false);
                }
                await data.CloseAsync(token).ConfigureAwait(false);
                return "Transfer complete.";
            },
            () => stream.DisposeAsync(), cancellationToken).ConfigureAwait(false);
    }

    private async Task SendStreamAsync(Connection data, Stream source, bool ascii, CancellationToken cancellationToken)
    {
        // Binary: the file is read straight into the data writer's buffer. ASCII: through a buffer, converted into it.
        var buffer = ascii ? ArrayPool<byte>.Shared.Rent(TransferBufferSize) : null;
        var conversion = new AsciiConversion();
        var output = data.Writer.Buffer;
        var dropAfter = _options.Faults?.DropDataAfterBytes;
        long sent = 0;
        try
        {
            while (true)
            {
                Memory<byte> target;
                int n;
                if (buffer is null)
                {
                    target = output.GetMemory(TransferBufferSize)[..TransferBufferSize];
                    n = await source.ReadAsync(target, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    n = await source.ReadAsync(buffer.AsMemory(0, TransferBufferSize), cancellationToken).ConfigureAwait(false);
                    target = output.GetMemory(2 * n + 1);
                    n = conversion.ToNetwork(buffer.AsSpan(0, n), target.Span);
                }
                if (n == 0) break;
                if (dropAfter is { } limit && sent + n > limit)
                {
                    output.Advance((int)(limit - sent));
                    await DrainDataAsync(data, cancellationToken).ConfigureAwait(false);
                    throw new TransferFailedException(426, "Connection closed; transfer aborted.");
                }
                output.Advance(n);
                await DrainDataAsync(data, cancellationToken).ConfigureAwait(false);
                sent += n;
            }
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task StoreAsync(string argument, StoreKind kind, CancellationToken cancellationToken)
    {
        string? path;
        if (kind == StoreKind.Stou)
        {
            path = null;
            for (var i = 0; i < 16 && path is null; i++)
            {
                var candidate = FtpPathResolver.Combine(_cwd, $"ftp-{Guid.NewGuid().ToString("N")[..12]}");
                if (await Tree.GetInfoAsync(candidate, cancellationToken).ConfigureAwait(false) is null) path = candidate;
            }
            if (path is null)
            {
                await ReplyAsync(450, "Could not make a unique name.").ConfigureAwait(false);
                return;
            }
        }
        else
        {
            path = await ResolveAsync(argument, forCreate: true).ConfigureAwait(false);
            if (path is null) return;
        }
        var offset = _restart;
        _restart = 0;
        var mode = kind == StoreKind.Appe ? FtpUploadMode.Append : offset > 0 ? FtpUploadMode.Resume : FtpUploadMode.Create;
        var upload = await Tree.BeginUploadAsync(path, mode, offset, cancellationToken).ConfigureAwait(false);
        var ascii = _type == TransferType.Ascii;
        var preliminary = kind == StoreKind.Stou ? $"FILE: {FtpPathResolver.Name(path)}" : "Ok to send data.";
        await StartTransferAsync(preliminary, async (data, token) =>
        {
            await ReceiveAsync(data, upload.Stream, ascii, token).ConfigureAwait(false);
            try
            {
                await upload.CommitAsync(token).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw DiskFailure(e);
            }
            _options.Faults?.OnStored(path);
            return kind == StoreKind.Stou ? $"Transfer complete ({FtpPathResolver.Name(path)})." : "Transfer complete.";
        }, () => upload.DisposeAsync(), cancellationToken, upload: true).ConfigureAwait(false);
    }

    private static TransferFailedException DiskFailure(IOException e) =>
        e.HResult is 28 or 0x70 or unchecked((int)0x80070070) // ENOSPC, ERROR_DISK_FULL
            ? new TransferFailedException(452, "Insufficient storage space.", e)
            : new TransferFailedException(451, "Local error in processing.", e);

    private async Task ReceiveAsync(Connection data, Stream destination, bool ascii, CancellationToken cancellationToken)
    {
        var converted = ascii ? ArrayPool<byte>.Shared.Rent(TransferBufferSize + 1) : null;
        var conversion = new AsciiConversion();
        try
        {
            while (true)
            {
                // The data reader's read timeout is the data idle timeout: a stalled upload ends in TimeoutException.
                var chunk = await data.Reader.ReadAvailableAsync(TransferBufferSize, cancellationToken).ConfigureAwait(false);
                if (chunk.IsEmpty)
                {
                    if (converted is not null) await WriteAsync(destination, converted.AsMemory(0, conversion.Flush(converted)), cancellationToken).ConfigureAwait(false);
                    break;
                }
                foreach (var segment in chunk)
                {
                    var bytes = converted is null ? segment : converted.AsMemory(0, conversion.FromNetwork(segment.Span, converted));
                    await WriteAsync(destination, bytes, cancellationToken).ConfigureAwait(false);
                }
                Interlocked.Add(ref _transferred, chunk.Length);
            }
        }
        finally
        {
            if (converted is not null) ArrayPool<byte>.Shared.Return(converted);
        }
    }

    private static async Task WriteAsync(Stream destination, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        try
        {
            await destination.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw DiskFailure(e);
        }
    }
}
