using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Protocols.Ftp.Listing;
using Protocols.Lines;
using Protocols.Net;

namespace Protocols.Ftp;

public sealed partial class FtpClient
{
    /// <summary>A data connection being set up: connected (passive) or listening (active).</summary>
    private sealed class DataChannel : IAsyncDisposable
    {
        public Connection? Connected;
        public IConnectionListener? Listener;

        public async ValueTask DisposeAsync()
        {
            if (Connected is not null) await Connected.DisposeAsync().ConfigureAwait(false);
            if (Listener is not null) await Listener.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Bytes of a file upload or download between progress reports.</summary>
    private const int TransferChunk = 8 << 20;

    /// <summary>Data connections: the transfer buffer, the read timeout as the idle limit each way, listing lines up to the parser's limit.</summary>
    private ConnectionOptions DataOptions() => new()
    {
        ConnectTimeout = Options.ConnectTimeout,
        TlsHandshakeTimeout = Options.ConnectTimeout,
        ReadTimeout = Options.ReadTimeout,
        WriteTimeout = Options.ReadTimeout,
        ReceiveBufferSize = Options.BufferSize,
        MaxLineLength = FtpListParser.MaxLineLength + 2,
        AcceptBareLf = true,
    };

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
                channel.Listener = Options.Network.Listen(new IPEndPoint(local, 0), backlog: 1);
                var port = channel.Listener.LocalEndPoint.Port;
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
            // Over real sockets the data connection stays out of .NET's event loop, so a file transfer's own thread wakes
            // no other thread each time the socket turns readable or writable (Connection.ConnectForTransferAsync).
            channel.Connected = Options.Network == SocketNetwork.Shared
                ? await Connection.ConnectForTransferAsync(ServerAddress, dataPort, DataOptions(), cancellationToken).ConfigureAwait(false)
                : await Options.Network.ConnectAsync(ServerAddress.ToString(), dataPort, DataOptions(), cancellationToken).ConfigureAwait(false);
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

    /// <summary>Sends the transfer command and opens the data connection (TLS when PROT P); throws on a refusal.</summary>
    private async Task<Connection> StartTransferAsync(DataChannel channel, string command, CancellationToken cancellationToken)
    {
        await SendAsync(command, cancellationToken).ConfigureAwait(false);
        var reply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        if (!reply.IsPreliminary) throw new FtpCommandException(Redact(command), reply);
        if (channel.Listener is not null)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Options.ConnectTimeout);
            try
            {
                channel.Connected = await channel.Listener.AcceptAsync(DataOptions(), timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"the server did not open the active data connection within {Options.ConnectTimeout.TotalSeconds:0} s", e);
            }
            var from = ((IPEndPoint)channel.Connected.RemoteEndPoint!).Address;
            if (!from.Equals(ServerAddress) && !from.MapToIPv6().Equals(ServerAddress.MapToIPv6()))
                throw new Net.ProtocolException("the active data connection came from another address than the server's");
        }
        var data = channel.Connected!;
        if (!_protectData) return data;
        try
        {
            await data.UpgradeToTlsAsync(TlsOptions().ToSslOptions(Host), PlaintextPolicy.Reject, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            // A server that refuses the data session (vsftpd: 522 when it was not resumed) says so on the control connection.
            throw await DataConnectionFailedAsync(command, e as IOException ?? new IOException(e.Message, e)).ConfigureAwait(false);
        }
        return data;
    }

    /// <summary>
    /// The data connection broke mid-transfer: the server's final reply says why (426 aborted, 451, 452 no space), and
    /// that refusal is the error to throw; without one (or with a success) the I/O error is.
    /// </summary>
    private async Task<Exception> DataConnectionFailedAsync(string command, IOException error)
    {
        try
        {
            using var timeout = new CancellationTokenSource(Options.ReadTimeout);
            var reply = await ReadReplyAsync(timeout.Token).ConfigureAwait(false);
            return reply.IsSuccess ? error : Refused(command, reply, error);
        }
        catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException)
        {
            Options.ProtocolLogger?.LogInfo("no reply after the data connection broke: " + e.Message);
            return error;
        }
    }

    /// <summary>Reads the reply that ends a transfer (226/250); throws on anything else.</summary>
    private async Task FinishTransferAsync(string command, CancellationToken cancellationToken)
    {
        var reply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        if (!reply.IsSuccess) throw Refused(command, reply);
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
            var data = await StartTransferAsync(channel, command, cancellationToken).ConfigureAwait(false);
            while (await data.Reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
                if (line.Length > 0) lines.Add(FtpListParser.Decode(line));
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
            var reader = (await StartTransferAsync(channel, command, cancellationToken).ConfigureAwait(false)).Reader;
            var items = new List<FtpListItem>();
            var now = DateTimeOffset.UtcNow;
            while (true)
            {
                // The parser bounds each line (FtpListParser.MaxLineLength); the reader's timeout bounds each wait.
                await reader.FillAsync(cancellationToken).ConfigureAwait(false);
                var consumed = FtpListParser.Parse(reader.Buffered, reader.IsCompleted, format, now, items);
                reader.Consume(consumed);
                foreach (var item in items) yield return item;
                items.Clear();
                if (reader.IsCompleted) break;
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
                        Options.ProtocolLogger?.LogInfo("no reply after an abandoned listing: " + e.Message);
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
        var command = "RETR " + remotePath;
        await using (channel.ConfigureAwait(false))
        {
            try
            {
                if (offset > 0) await ExpectAsync(string.Create(CultureInfo.InvariantCulture, $"REST {offset}"), 350, cancellationToken).ConfigureAwait(false);
                var data = await StartTransferAsync(channel, command, cancellationToken).ConfigureAwait(false);
                if (destination is FileStream file)
                {
                    // Into a file: on a plain connection one thread receives into a large buffer and writes (progress
                    // after each chunk); over TLS through the reader. Each wait is bounded by the read timeout.
                    try
                    {
                        await data.ReceiveToFileAsync(file, TransferChunk, n =>
                        {
                            received += n;
                            progress?.Report(new FtpProgress(remotePath, offset + received, totalBytes));
                        }, cancellationToken).ConfigureAwait(false);
                    }
                    catch (ConnectionClosedException e)
                    {
                        throw await DataConnectionFailedAsync(command, e).ConfigureAwait(false);
                    }
                }
                while (destination is not FileStream)
                {
                    ReadOnlySequence<byte> chunk;
                    try
                    {
                        chunk = await data.Reader.ReadAvailableAsync(Options.BufferSize, cancellationToken).ConfigureAwait(false);
                    }
                    catch (IOException e)
                    {
                        throw await DataConnectionFailedAsync(command, e).ConfigureAwait(false);
                    }
                    if (chunk.IsEmpty) break;
                    foreach (var segment in chunk) await destination.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
                    received += chunk.Length;
                    progress?.Report(new FtpProgress(remotePath, offset + received, totalBytes));
                }
                await channel.DisposeAsync().ConfigureAwait(false);
                await FinishTransferAsync(command, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                // Cancelled, or the data connection went quiet: the transfer's reply is still owed on the control connection.
                await AbortAfterCancelAsync(channel).ConfigureAwait(false);
                throw;
            }
        }
        return received;
    }

    /// <summary>
    /// The caller cancelled a transfer, or its data connection timed out: reset the data connection (never a clean
    /// close, which a server takes as the end of the file), send ABOR, and read every reply still owed (the transfer's
    /// 426 or 226, then ABOR's 225/226), so the control connection stays in step. A server that does not answer in time
    /// gets the control connection closed.
    /// </summary>
    private async Task AbortAfterCancelAsync(DataChannel channel)
    {
        channel.Connected?.Abort();
        if (_control is null) return;
        using var timeout = new CancellationTokenSource(Options.ReadTimeout < AbortTimeout ? Options.ReadTimeout : AbortTimeout);
        try
        {
            await SendAsync("ABOR", timeout.Token).ConfigureAwait(false);
            while (_awaitingReplies > 0) await ReadReplyAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException)
        {
            Options.ProtocolLogger?.LogInfo("no answer to ABOR, closing the control connection: " + e.Message);
            await _control.DisposeAsync().ConfigureAwait(false);
            _control = null;
        }
    }

    /// <summary>
    /// After our FIN, waits for the server's: a TLS 1.3 server sends session tickets we never read, and closing with
    /// unread bytes makes our kernel send a reset, which can cost the server the tail of the upload.
    /// </summary>
    private async Task DrainUntilClosedAsync(Connection data, CancellationToken cancellationToken)
    {
        try
        {
            while (!(await data.Reader.ReadAvailableAsync(64 * 1024, cancellationToken).ConfigureAwait(false)).IsEmpty)
            {
            }
        }
        catch (IOException e)
        {
            Options.ProtocolLogger?.LogInfo("data connection closed uncleanly after the upload: " + e.Message);
        }
        catch (TimeoutException)
        {
            Options.ProtocolLogger?.LogInfo("the server kept the data connection open after the upload");
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
            try
            {
                if (offset > 0) await ExpectAsync(string.Create(CultureInfo.InvariantCulture, $"REST {offset}"), 350, cancellationToken).ConfigureAwait(false);
                var data = await StartTransferAsync(channel, command, cancellationToken).ConfigureAwait(false);
                // A file over a plain connection goes on one sending thread (Connection.SendFileRestAsync; progress
                // after each chunk); anything else is read straight into the data writer's buffer. Each wait is
                // bounded by the read timeout.
                try
                {
                    if (source is FileStream { CanSeek: true } file && data.CanSendFile)
                    {
                        await data.SendFileRestAsync(file, TransferChunk, n =>
                        {
                            sent += n;
                            progress?.Report(new FtpProgress(remotePath, offset + sent, total));
                        }, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        var output = data.Writer.Buffer;
                        int n;
                        while ((n = await source.ReadAsync(output.GetMemory(Options.BufferSize)[..Options.BufferSize], cancellationToken).ConfigureAwait(false)) > 0)
                        {
                            output.Advance(n);
                            await data.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
                            sent += n;
                            progress?.Report(new FtpProgress(remotePath, offset + sent, total));
                        }
                    }
                }
                catch (ConnectionClosedException e)
                {
                    throw await DataConnectionFailedAsync(command, e).ConfigureAwait(false);
                }
                try
                {
                    await data.CloseAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    throw await DataConnectionFailedAsync(command, e).ConfigureAwait(false);
                }
                // A plain connection with nothing unread closes at once (the kernel sends what is queued, then FIN, as
                // curl's close does); the server's 226 says when it has it all. Only TLS (tickets) waits for its FIN.
                if (data.MayHaveUnreadInput) await DrainUntilClosedAsync(data, cancellationToken).ConfigureAwait(false);
                await channel.DisposeAsync().ConfigureAwait(false);
                await FinishTransferAsync(command, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                // Cancelled mid-upload, or the server stopped taking it: a reset and ABOR, so the server never keeps the
                // part it got as the whole file, and the transfer's reply owed on the control connection is read.
                await AbortAfterCancelAsync(channel).ConfigureAwait(false);
                throw;
            }
        }
        return sent;
    }
}
