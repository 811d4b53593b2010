using System.Buffers;
using System.Net.Security;
using Protocols.Net;

namespace Protocols.Servers.Lines;

public abstract partial class LineSession<TSession, TState>
{
    /// <summary>
    /// Runs a bulk read (SMTP DATA/BDAT, an IMAP literal, an upload) under the transfer limits: no silence longer than
    /// <see cref="SessionLimits.TransferIdleTimeout"/> and the whole of it within <see cref="SessionLimits.TransferDeadline"/>.
    /// Either expiry is a <see cref="TimeoutException"/> (the session's timeout reply).
    /// </summary>
    protected async ValueTask TransferAsync(Func<CancellationToken, ValueTask> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        await TransferCoreAsync(static async (_, read, token) =>
        {
            await read(token).ConfigureAwait(false);
            return true;
        }, read, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><see cref="TransferAsync(Func{CancellationToken, ValueTask}, CancellationToken)"/> for a read with a
    /// result, written as a static lambda over the session (no closure per transfer).</summary>
    protected ValueTask<TResult> TransferAsync<TResult>(Func<TSession, CancellationToken, ValueTask<TResult>> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        return TransferCoreAsync(static (session, read, token) => read(session, token), read, cancellationToken);
    }

    // The deadline's source is kept for the session's next transfer when it did not fire (reset, not reallocated).
    private CancellationTokenSource? _transferSource;
    private CancellationToken _transferLinkedTo;

    private async ValueTask<TResult> TransferCoreAsync<TArg, TResult>(Func<TSession, TArg, CancellationToken, ValueTask<TResult>> read, TArg argument,
        CancellationToken cancellationToken)
    {
        var reader = Connection.Reader;
        reader.ReadTimeout = Limits.TransferIdleTimeout;
        if (_transferSource is null || _transferLinkedTo != cancellationToken)
        {
            _transferSource?.Dispose();
            _transferSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _transferLinkedTo = cancellationToken;
        }
        var total = _transferSource;
        if (Limits.TransferDeadline != Timeout.InfiniteTimeSpan) total.CancelAfter(Limits.TransferDeadline);
        try
        {
            return await read((TSession)this, argument, total.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the transfer took longer than {Limits.TransferDeadline.TotalSeconds:0.###} s", e);
        }
        finally
        {
            reader.ReadTimeout = Limits.IdleTimeout;
            if (!total.TryReset())
            {
                total.Dispose();
                _transferSource = null;
            }
        }
    }

    /// <summary>Consumes <paramref name="count"/> bytes that will not be used (a refused chunk), under the transfer limits.</summary>
    protected ValueTask SkipAsync(long count, CancellationToken cancellationToken) =>
        TransferAsync(async token =>
        {
            var copied = await Connection.Reader.CopyToAsync(Stream.Null, count, token).ConfigureAwait(false);
            if (copied < count) throw new IncompleteReadException(ReadOnlyMemory<byte>.Empty, count);
        }, cancellationToken);

    /// <summary>
    /// Reads one more line that belongs to the current command (a SASL response after a 334 or <c>+</c> challenge),
    /// within the command deadline; null at the end of the stream. The line is valid until the next read.
    /// </summary>
    protected async ValueTask<ReadOnlySequence<byte>?> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        await Connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        var reader = Connection.Reader;
        var saved = reader.MaxLineLength;
        reader.MaxLineLength = maxLength;
        try
        {
            var deadline = Deadline();
            while (true)
            {
                if (reader.TryReadLine(out var line)) return line;
                if (reader.IsCompleted)
                {
                    if (reader.BufferedLength == 0) return null;
                    throw new IncompleteReadException(reader.Buffered.ToArray(), null);
                }
                await FillWithinAsync(deadline, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            reader.MaxLineLength = saved;
        }
    }

    /// <summary>
    /// The one TLS upgrade path (SMTP STARTTLS, POP3 STLS, IMAP STARTTLS, FTP AUTH TLS): answers what came before,
    /// drops every plaintext byte the client pipelined after the command (RFC 3207 §4, RFC 2595 §4; CVE-2011-0411),
    /// sends <paramref name="goAhead"/> (the protocol's reply line with its CRLF), then runs the handshake within the
    /// connection's handshake timeout. False (the session then ends, connection aborted) when the handshake fails.
    /// </summary>
    protected ValueTask<bool> UpgradeToTlsAsync(SslServerAuthenticationOptions options, ReadOnlyMemory<byte> goAhead, CancellationToken cancellationToken) =>
        UpgradeToTlsAsync(options, goAhead, PlaintextPolicy.Discard, cancellationToken);

    /// <summary>
    /// The one TLS upgrade path, with the protocol's rule for plaintext pipelined after the command:
    /// <see cref="PlaintextPolicy.Discard"/> drops it (SMTP, POP3, IMAP); <see cref="PlaintextPolicy.Reject"/> (FTP's
    /// AUTH TLS, as before the kernel) still sends <paramref name="goAhead"/>, then ends the session without a
    /// handshake, so nothing the client sent before it could see the go-ahead is ever read, as TLS or otherwise.
    /// False when the session ends (rejected plaintext, a failed handshake).
    /// </summary>
    protected async ValueTask<bool> UpgradeToTlsAsync(SslServerAuthenticationOptions options, ReadOnlyMemory<byte> goAhead, PlaintextPolicy policy,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            await Connection.UpgradeToTlsAsync(options, goAhead, policy, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PlaintextInjectionException e)
        {
            LineLog.ProtocolError(Logger, Services.Protocol, SessionId, e.Message);
            Connection.Writer.Write(goAhead.Span); // the session ends after it (drained, then closed)
            Closing = true;
            return false;
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or TimeoutException)
        {
            LineLog.TlsFailed(Logger, Services.Protocol, SessionId, e.Message);
            Closing = true;
            Connection.Abort();
            return false;
        }
    }

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        _transferSource?.Dispose();
        return Connection.DisposeAsync();
    }
}
