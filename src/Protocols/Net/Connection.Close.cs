using System.Net.Sockets;

namespace Protocols.Net;

public sealed partial class Connection
{
    /// <summary>
    /// Closes gracefully: drains what is buffered, ends TLS with close_notify, and sends FIN. The peer's
    /// remaining bytes can still be read until it closes too. Idempotent.
    /// </summary>
    public async ValueTask CloseAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        await Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        if (_tls is not null)
        {
            await _tls.ShutdownAsync().ConfigureAwait(false);
            await _output.CompleteAsync().ConfigureAwait(false);
        }
        if (_socket is not null)
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException e)
            {
                throw new ConnectionClosedException("the connection was already closed by the peer", e);
            }
        }
        else if (_stream is EpollSocketStream raw)
        {
            raw.ShutdownSend();
        }
        else if (_pipe is not null)
        {
            await _pipe.Output.CompleteAsync().ConfigureAwait(false);
        }
        else if (_tls is null)
        {
            await _output.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// True when the peer sent bytes nobody read yet (in the reader's buffer, or queued in a plain socket): closing then
    /// makes the kernel answer with a reset, so drain first. Always true over TLS (a TLS 1.3 server's session tickets
    /// may be on their way) and when the transport cannot tell.
    /// </summary>
    internal bool MayHaveUnreadInput
    {
        get
        {
            if (!Reader.Buffered.IsEmpty || _tls is not null || _socket is null) return true;
            try
            {
                return _socket.Available > 0;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return true;
            }
        }
    }

    /// <summary>Drops the connection at once (a TCP reset where the transport allows it); nothing more is sent.</summary>
    public void Abort()
    {
        Interlocked.Exchange(ref _closed, 1);
        if (Volatile.Read(ref _disposed) != 0) return; // already released: nothing left to reset
        if (_socket is not null)
        {
            try
            {
                _socket.LingerState = new LingerOption(true, 0);
            }
            catch (ObjectDisposedException)
            {
                return; // aborted before: already reset
            }
            _socket.Dispose();
        }
        else if (_stream is EpollSocketStream raw)
        {
            raw.Reset();
        }
        else if (_abort is not null)
        {
            _abort();
        }
        else if (_pipe is not null)
        {
            var reason = new ConnectionClosedException("the connection was aborted");
            _pipe.Output.Complete(reason);
            _pipe.Input.Complete(reason);
        }
        else
        {
            _stream?.Dispose();
        }
    }

    /// <summary>Releases the connection (without a graceful close: call <see cref="CloseAsync"/> first for that).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Interlocked.Exchange(ref _closed, 1);
        try
        {
            await _input.CompleteAsync().ConfigureAwait(false);
            await _output.CompleteAsync().ConfigureAwait(false);
            if (_tls is not null) await _tls.DisposeAsync().ConfigureAwait(false);
            if (_pipe is not null)
            {
                await _pipe.Input.CompleteAsync().ConfigureAwait(false);
                await _pipe.Output.CompleteAsync().ConfigureAwait(false);
            }
            if (_stream is not null && OwnsStream) await _stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The peer was already gone; there is nothing left to release on the wire.
        }
        finally
        {
            _socket?.Dispose();
            Reader.Dispose();
            Writer.Dispose();
        }
    }
}
