using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Protocols.Ftp.Listing;
using Protocols.Lines;

namespace Protocols.Ftp;

public sealed partial class FtpClient
{
    /// <summary>A data connection being set up: connected (passive) or listening (active).</summary>
    private sealed class DataChannel : IAsyncDisposable
    {
        public Socket? Connected;
        public Socket? Listener;
        public Stream? Stream;

        public async ValueTask DisposeAsync()
        {
            if (Stream is not null)
            {
                try
                {
                    await Stream.DisposeAsync().ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // The server already closed it.
                }
            }
            Connected?.Dispose();
            Listener?.Dispose();
        }
    }

    private async Task SetBinaryAsync(bool binary, CancellationToken cancellationToken)
    {
        if (_binary == binary) return;
        await ExpectAsync(binary ? "TYPE I" : "TYPE A", 200, cancellationToken).ConfigureAwait(false);
        _binary = binary;
    }

    private IPAddress ServerAddress => ((IPEndPoint)Control.RemoteEndPoint!).Address;

    private async Task<DataChannel> PrepareDataAsync(CancellationToken cancellationToken)
    {
        var channel = new DataChannel();
        try
        {
            if (Options.DataMode == FtpDataMode.Active)
            {
                var local = ((IPEndPoint)Control.LocalEndPoint!).Address;
                channel.Listener = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                channel.Listener.Bind(new IPEndPoint(local, 0));
                channel.Listener.Listen(1);
                var port = ((IPEndPoint)channel.Listener.LocalEndPoint!).Port;
                var family = local.AddressFamily == AddressFamily.InterNetwork ? 1 : 2;
                var reply = await ExecuteAsync($"EPRT |{family}|{(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local)}|{port}|", cancellationToken).ConfigureAwait(false);
                if (!reply.IsSuccess && family == 1)
                {
                    var b = local.MapToIPv4().GetAddressBytes();
                    await ExpectAsync(string.Create(CultureInfo.InvariantCulture, $"PORT {b[0]},{b[1]},{b[2]},{b[3]},{port >> 8},{port & 0xff}"), 200, cancellationToken).ConfigureAwait(false);
                }
                else if (!reply.IsSuccess)
                {
                    throw new FtpCommandException("EPRT", reply);
                }
                return channel;
            }
            int dataPort;
            var useEpsv = Options.DataMode == FtpDataMode.ExtendedPassive || (Options.DataMode == FtpDataMode.AutoPassive && !_epsvRefused);
            Reply? epsv = useEpsv ? await ExecuteAsync("EPSV", cancellationToken).ConfigureAwait(false) : null;
            if (epsv is { Code: 229 })
            {
                dataPort = ParseEpsv(epsv);
            }
            else
            {
                if (epsv is not null && Options.DataMode == FtpDataMode.ExtendedPassive) throw new FtpCommandException("EPSV", epsv);
                if (epsv is not null) _epsvRefused = true;
                var pasv = await ExpectAsync("PASV", 227, cancellationToken).ConfigureAwait(false);
                dataPort = ParsePasv(pasv);
            }
            // Always the control connection's address, never the one PASV names (NAT and hijack safe, as curl).
            var socket = new Socket(ServerAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            channel.Connected = socket;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Options.ConnectTimeout);
            await socket.ConnectAsync(new IPEndPoint(ServerAddress, dataPort), timeout.Token).ConfigureAwait(false);
            return channel;
        }
        catch
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static int ParseEpsv(Reply reply)
    {
        var text = reply.Text;
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.IndexOf(')', open + 1);
        if (open < 0 || close < 0) throw new Net.ProtocolException($"bad EPSV reply: {text}");
        var inner = text[(open + 1)..close];
        var parts = inner.Length > 0 ? inner.Split(inner[0]) : [];
        if (parts.Length != 5 || !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new Net.ProtocolException($"bad EPSV reply: {text}");
        return port;
    }

    private static int ParsePasv(Reply reply)
    {
        var text = reply.Text;
        var start = text.IndexOfAny("0123456789".ToCharArray(), text.IndexOf('(') + 1);
        var numbers = new List<int>();
        foreach (var part in text[Math.Max(start, 0)..].Split(',', ')', ' '))
        {
            if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) numbers.Add(n);
            if (numbers.Count == 6) break;
        }
        if (numbers.Count != 6 || numbers.Any(n => n > 255)) throw new Net.ProtocolException($"bad PASV reply: {text}");
        return numbers[4] << 8 | numbers[5];
    }

    /// <summary>Sends the transfer command and opens the data stream (TLS when PROT P); throws on a refusal.</summary>
    private async Task<Stream> StartTransferAsync(DataChannel channel, string command, CancellationToken cancellationToken)
    {
        await SendAsync(command, cancellationToken).ConfigureAwait(false);
        var reply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        if (!reply.IsPreliminary) throw new FtpCommandException(Redact(command), reply);
        Socket socket;
        if (channel.Listener is not null)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Options.ConnectTimeout);
            socket = await channel.Listener.AcceptAsync(timeout.Token).ConfigureAwait(false);
            channel.Connected = socket;
            if (!((IPEndPoint)socket.RemoteEndPoint!).Address.Equals(ServerAddress) &&
                !((IPEndPoint)socket.RemoteEndPoint!).Address.MapToIPv6().Equals(ServerAddress.MapToIPv6()))
                throw new Net.ProtocolException("the active data connection came from another address than the server's");
        }
        else
        {
            socket = channel.Connected!;
        }
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        if (_protectData)
        {
            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Options.ConnectTimeout);
            await tls.AuthenticateAsClientAsync(DataTlsOptions(), timeout.Token).ConfigureAwait(false);
            stream = tls;
        }
        channel.Stream = stream;
        return stream;
    }

    /// <summary>Reads the reply that ends a transfer (226/250); throws on anything else.</summary>
    private async Task FinishTransferAsync(string command, CancellationToken cancellationToken)
    {
        var reply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        if (!reply.IsSuccess) throw new FtpCommandException(command, reply);
    }

    private async Task<int> ReadDataAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.ReadTimeout);
        try
        {
            return await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the data connection stalled for {Options.ReadTimeout.TotalSeconds:0} s", e);
        }
    }

    /// <summary>
    /// Lists a directory: MLSD when the server offers MLST (exact sizes, UTC times, types), else LIST parsed in the
    /// Unix or Windows formats. Entries <c>.</c> and <c>..</c> are left out.
    /// </summary>
    public async IAsyncEnumerable<FtpListItem> GetListingAsync(string? path = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var mlsd = HasFeature("MLST");
        var command = (mlsd ? "MLSD" : "LIST") + (string.IsNullOrEmpty(path) ? "" : " " + path);
        await foreach (var item in ListRawAsync(command, mlsd ? FtpListFormat.Mlsd : FtpListFormat.Auto, cancellationToken).ConfigureAwait(false))
        {
            if (item.Name is "." or ".." || MlsdParser.IsSelfOrParent(item)) continue;
            yield return item;
        }
    }

    /// <summary>NLST: the names in a directory.</summary>
    public async IAsyncEnumerable<string> GetNameListingAsync(string? path = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await SetBinaryAsync(false, cancellationToken).ConfigureAwait(false);
        var command = "NLST" + (string.IsNullOrEmpty(path) ? "" : " " + path);
        var channel = await PrepareDataAsync(cancellationToken).ConfigureAwait(false);
        var lines = new List<string>();
        await using (channel.ConfigureAwait(false))
        {
            var stream = await StartTransferAsync(channel, command, cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
                if (line.Length > 0) lines.Add(line);
        }
        await FinishTransferAsync(command, cancellationToken).ConfigureAwait(false);
        foreach (var line in lines) yield return line;
    }

    private async IAsyncEnumerable<FtpListItem> ListRawAsync(string command, FtpListFormat format, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await SetBinaryAsync(false, cancellationToken).ConfigureAwait(false);
        var channel = await PrepareDataAsync(cancellationToken).ConfigureAwait(false);
        var finished = false;
        try
        {
            var stream = await StartTransferAsync(channel, command, cancellationToken).ConfigureAwait(false);
            var buffer = new byte[64 * 1024];
            var filled = 0;
            var items = new List<FtpListItem>();
            var now = DateTimeOffset.UtcNow;
            while (true)
            {
                if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                var n = await ReadDataAsync(stream, buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                filled += n;
                var sequence = new ReadOnlySequence<byte>(buffer, 0, filled);
                var consumed = FtpListParser.Parse(sequence, n == 0, format, now, items);
                var used = (int)sequence.Slice(0, consumed).Length;
                Buffer.BlockCopy(buffer, used, buffer, 0, filled - used);
                filled -= used;
                foreach (var item in items) yield return item;
                items.Clear();
                if (n == 0) break;
            }
            await channel.DisposeAsync().ConfigureAwait(false);
            finished = true;
            await FinishTransferAsync(command, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (!finished)
            {
                // The caller stopped early (or the read failed): drop the data connection and take the server's reply.
                await channel.DisposeAsync().ConfigureAwait(false);
                if (_control is not null && !cancellationToken.IsCancellationRequested)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    try
                    {
                        await ReadReplyAsync(timeout.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException)
                    {
                        Options.Transcript?.Invoke("* no reply after an abandoned listing: " + e.Message);
                    }
                }
            }
        }
    }

    /// <summary>Downloads <paramref name="remotePath"/> into <paramref name="destination"/>, from <paramref name="offset"/> (REST) when not 0. Returns the bytes received.</summary>
    public async Task<long> DownloadAsync(Stream destination, string remotePath, long offset = 0, IProgress<FtpProgress>? progress = null,
        long? totalBytes = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        await SetBinaryAsync(true, cancellationToken).ConfigureAwait(false);
        var channel = await PrepareDataAsync(cancellationToken).ConfigureAwait(false);
        long received = 0;
        await using (channel.ConfigureAwait(false))
        {
            if (offset > 0) await ExpectAsync(string.Create(CultureInfo.InvariantCulture, $"REST {offset}"), 350, cancellationToken).ConfigureAwait(false);
            var stream = await StartTransferAsync(channel, "RETR " + remotePath, cancellationToken).ConfigureAwait(false);
            var buffer = ArrayPool<byte>.Shared.Rent(Options.BufferSize);
            try
            {
                int n;
                while ((n = await ReadDataAsync(stream, buffer.AsMemory(0, Options.BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await destination.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    received += n;
                    progress?.Report(new FtpProgress(remotePath, offset + received, totalBytes));
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        await FinishTransferAsync("RETR " + remotePath, cancellationToken).ConfigureAwait(false);
        return received;
    }

    /// <summary>
    /// After our FIN, waits for the server's: a TLS 1.3 server sends session tickets we never read, and closing with
    /// unread bytes makes our kernel send a reset, which can cost the server the tail of the upload.
    /// </summary>
    private async Task DrainUntilClosedAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.ReadTimeout);
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (SocketException e)
        {
            Options.Transcript?.Invoke("* data connection closed uncleanly after the upload: " + e.SocketErrorCode);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Options.Transcript?.Invoke("* the server kept the data connection open after the upload");
        }
    }

    /// <summary>Uploads <paramref name="source"/> to <paramref name="remotePath"/> with STOR, APPE (append) or REST+STOR (offset). Returns the bytes sent.</summary>
    public async Task<long> UploadAsync(Stream source, string remotePath, bool append = false, long offset = 0, IProgress<FtpProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        await SetBinaryAsync(true, cancellationToken).ConfigureAwait(false);
        var channel = await PrepareDataAsync(cancellationToken).ConfigureAwait(false);
        long sent = 0;
        long? total = source.CanSeek ? offset + source.Length - source.Position : null;
        var command = (append ? "APPE " : "STOR ") + remotePath;
        await using (channel.ConfigureAwait(false))
        {
            if (offset > 0) await ExpectAsync(string.Create(CultureInfo.InvariantCulture, $"REST {offset}"), 350, cancellationToken).ConfigureAwait(false);
            var stream = await StartTransferAsync(channel, command, cancellationToken).ConfigureAwait(false);
            var buffer = ArrayPool<byte>.Shared.Rent(Options.BufferSize);
            try
            {
                int n;
                while ((n = await source.ReadAsync(buffer.AsMemory(0, Options.BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(Options.ReadTimeout);
                    await stream.WriteAsync(buffer.AsMemory(0, n), timeout.Token).ConfigureAwait(false);
                    sent += n;
                    progress?.Report(new FtpProgress(remotePath, offset + sent, total));
                }
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (stream is SslStream tls) await tls.ShutdownAsync().ConfigureAwait(false);
                channel.Connected!.Shutdown(SocketShutdown.Send);
                await DrainUntilClosedAsync(channel.Connected, buffer, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        await FinishTransferAsync(command, cancellationToken).ConfigureAwait(false);
        return sent;
    }
}
