namespace Protocols.Net;

public sealed partial class Connection
{
    /// <summary>
    /// Sends a whole file: with sendfile(2) (the kernel copies from the page cache to the socket) when the connection
    /// is a plain socket, else through the writer in chunks. Returns the bytes sent.
    /// </summary>
    public async Task<long> SendFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (_socket is not null && _tls is null)
        {
            await Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
            var length = new FileInfo(path).Length;
            await _socket.SendFileAsync(path, cancellationToken).ConfigureAwait(false);
            return length;
        }
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            long sent = 0;
            while (true)
            {
                var memory = Writer.Buffer.GetMemory(_options.ReceiveBufferSize);
                var n = await file.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                Writer.Buffer.Advance(n);
                await Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
                sent += n;
            }
            return sent;
        }
    }
}
