using Microsoft.Extensions.Logging;
using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
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
    private int _storCount;

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
    /// Replies 150, opens the data connection and runs <paramref name="body"/> in the background, so ABOR and STAT are
    /// answered meanwhile. The final reply is 226 (success), 425 (no data connection), 426 (broken or aborted) or
    /// the code of a <see cref="TransferFailedException"/>. <paramref name="cleanup"/> always runs.
    /// </summary>
    private async Task StartTransferAsync(string preliminary, Func<DataConnection, CancellationToken, Task<string>> body,
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
        _transferCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Interlocked.Exchange(ref _transferred, 0);
        _transfer = RunTransferAsync(channel, upload, body, cleanup, _transferCts.Token);
    }

    private async Task RunTransferAsync(FtpDataChannel channel, bool upload, Func<DataConnection, CancellationToken, Task<string>> body,
        Func<ValueTask> cleanup, CancellationToken cancellationToken)
    {
        await Task.Yield();
        int code;
        string text;
        try
        {
            DataConnection data;
            try
            {
                data = await channel.OpenAsync(_protectData ? _options.Certificate : null, upload, _options.DataConnectTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or TimeoutException or IOException or System.Security.Authentication.AuthenticationException)
            {
                (code, text) = (425, "Cannot open data connection.");
                _logger.LogDebug(e, "FTP data connection for {Remote} failed", _remoteAddress);
                return;
            }
            await using (data.ConfigureAwait(false))
            {
                try
                {
                    (code, text) = (226, await body(data, cancellationToken).ConfigureAwait(false));
                }
                catch (TransferFailedException e)
                {
                    (code, text) = (e.Code, e.Message);
                    data.Socket.LingerState = new LingerOption(true, 0);
                }
                catch (OperationCanceledException)
                {
                    (code, text) = (426, "Transfer aborted.");
                    data.Socket.LingerState = new LingerOption(true, 0);
                }
                catch (Exception e) when (e is IOException or SocketException or TimeoutException or ObjectDisposedException)
                {
                    (code, text) = (426, "Connection closed; transfer aborted.");
                    _logger.LogDebug(e, "FTP transfer for {Remote} broke", _remoteAddress);
                }
            }
        }
        finally
        {
            try
            {
                await cleanup().ConfigureAwait(false);
            }
            catch (IOException e)
            {
                _logger.LogWarning(e, "FTP transfer cleanup for {Remote} failed", _remoteAddress);
            }
            await channel.DisposeAsync().ConfigureAwait(false);
        }
        await TryReplyAsync(code, text).ConfigureAwait(false);
        _idle.CancelAfter(_options.IdleTimeout);
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
            var buffer = new ArrayBufferWriter<byte>(64 * 1024);
            var now = DateTimeOffset.UtcNow;
            await foreach (var item in EnumerateAsync(path, token).ConfigureAwait(false))
            {
                switch (kind)
                {
                    case ListKind.List: FtpListingFormatter.WriteList(buffer, item, canWrite, now); break;
                    case ListKind.Names: FtpListingFormatter.WriteName(buffer, item.Name); break;
                    default: FtpListingFormatter.WriteMlsd(buffer, item, canWrite, facts); break;
                }
                if (buffer.WrittenCount >= 60 * 1024) await FlushAsync(data, buffer, token).ConfigureAwait(false);
            }
            await FlushAsync(data, buffer, token).ConfigureAwait(false);
            await data.CompleteSendAsync().ConfigureAwait(false);
            return "Directory send OK.";
        }, () => ValueTask.CompletedTask, cancellationToken).ConfigureAwait(false);
    }

    private async Task FlushAsync(DataConnection data, ArrayBufferWriter<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.WrittenCount == 0) return;
        await WriteDataAsync(data, buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        buffer.ResetWrittenCount();
    }

    private async Task WriteDataAsync(DataConnection data, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.DataIdleTimeout);
        try
        {
            await data.Stream.WriteAsync(chunk, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("the data connection stalled", e);
        }
        Interlocked.Add(ref _transferred, chunk.Length);
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
                    await data.Socket.SendFileAsync(physical, limit.Token).ConfigureAwait(false);
                    Interlocked.Add(ref _transferred, length);
                }
                else
                {
                    await SendStreamAsync(data, stream, ascii, token).ConfigureAwait(false);
                }
                await data.CompleteSendAsync().ConfigureAwait(false);
                return "Transfer complete.";
            },
            () => stream.DisposeAsync(), cancellationToken).ConfigureAwait(false);
    }

    private async Task SendStreamAsync(DataConnection data, Stream source, bool ascii, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(TransferBufferSize);
        var converted = ascii ? ArrayPool<byte>.Shared.Rent(TransferBufferSize * 2) : null;
        var conversion = new AsciiConversion();
        var dropAfter = _options.Faults?.DropDataAfterBytes;
        long sent = 0;
        try
        {
            int n;
            while ((n = await source.ReadAsync(buffer.AsMemory(0, TransferBufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                ReadOnlyMemory<byte> chunk = buffer.AsMemory(0, n);
                if (converted is not null) chunk = converted.AsMemory(0, conversion.ToNetwork(chunk.Span, converted));
                if (dropAfter is { } limit && sent + chunk.Length > limit)
                {
                    await WriteDataAsync(data, chunk[..(int)(limit - sent)], cancellationToken).ConfigureAwait(false);
                    throw new TransferFailedException(426, "Connection closed; transfer aborted.");
                }
                await WriteDataAsync(data, chunk, cancellationToken).ConfigureAwait(false);
                sent += chunk.Length;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (converted is not null) ArrayPool<byte>.Shared.Return(converted);
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
        var count = Interlocked.Increment(ref _storCount);
        if (_options.Faults?.ReplyToStor is { } fault && fault.Nth == count)
        {
            await ReplyAsync(fault.Code, fault.Text).ConfigureAwait(false);
            return;
        }
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

    private async Task ReceiveAsync(DataConnection data, Stream destination, bool ascii, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(TransferBufferSize);
        var converted = ascii ? ArrayPool<byte>.Shared.Rent(TransferBufferSize + 1) : null;
        var conversion = new AsciiConversion();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (true)
            {
                timeout.CancelAfter(_options.DataIdleTimeout);
                int n;
                try
                {
                    n = await data.Stream.ReadAsync(buffer.AsMemory(0, TransferBufferSize), timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException("the data connection stalled", e);
                }
                ReadOnlyMemory<byte> chunk;
                if (n == 0)
                {
                    if (converted is null) break;
                    chunk = converted.AsMemory(0, conversion.Flush(converted));
                }
                else
                {
                    chunk = converted is null ? buffer.AsMemory(0, n) : converted.AsMemory(0, conversion.FromNetwork(buffer.AsSpan(0, n), converted));
                }
                try
                {
                    await destination.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    throw DiskFailure(e);
                }
                Interlocked.Add(ref _transferred, n);
                if (n == 0) break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (converted is not null) ArrayPool<byte>.Shared.Return(converted);
        }
    }
}
