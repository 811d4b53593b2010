using System.IO.Pipelines;
using System.Net.Security;

namespace Protocols.Net;

public sealed partial class Connection
{
    /// <summary>
    /// Upgrades to TLS in place as the client (after STARTTLS / AUTH TLS was accepted). Plaintext that arrived
    /// after the upgrade command is rejected by default: such bytes can only be an injection.
    /// </summary>
    public Task UpgradeToTlsAsync(SslClientAuthenticationOptions options, PlaintextPolicy policy = PlaintextPolicy.Reject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return UpgradeAsync((tls, token) => tls.AuthenticateAsClientAsync(options, token), policy, default, includeTransport: true, cancellationToken);
    }

    /// <summary>Upgrades to TLS in place as the client with our options; the host names SNI unless the options do.</summary>
    public Task UpgradeToTlsAsync(TlsClientOptions options, string host, PlaintextPolicy policy = PlaintextPolicy.Reject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return UpgradeToTlsAsync(options.ToSslOptions(host), policy, cancellationToken);
    }

    /// <summary>
    /// Upgrades to TLS in place as the server after the go-ahead reply was sent (220 to STARTTLS, 234 to AUTH TLS),
    /// or at once for an implicit-TLS endpoint. Plaintext the client pipelined with the command is discarded by
    /// default (RFC 3207 §4). Prefer the overload that takes the go-ahead reply: it checks the transport too.
    /// </summary>
    public Task UpgradeToTlsAsync(SslServerAuthenticationOptions options, PlaintextPolicy policy = PlaintextPolicy.Discard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return UpgradeAsync((tls, token) => tls.AuthenticateAsServerAsync(options, token), policy, default, includeTransport: false, cancellationToken);
    }

    /// <summary>
    /// Upgrades to TLS in place as the server in one step: drops (or rejects) every plaintext byte received so far,
    /// then sends <paramref name="goAheadReply"/> (e.g. <c>220 Ready to start TLS</c> and its CRLF), then runs the handshake.
    /// Nothing the client sent before it could see the reply is ever read as TLS, and its ClientHello is never mistaken
    /// for injected plaintext.
    /// </summary>
    public Task UpgradeToTlsAsync(SslServerAuthenticationOptions options, ReadOnlyMemory<byte> goAheadReply, PlaintextPolicy policy = PlaintextPolicy.Discard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return UpgradeAsync((tls, token) => tls.AuthenticateAsServerAsync(options, token), policy, goAheadReply, includeTransport: true, cancellationToken);
    }

    private async Task UpgradeAsync(Func<SslStream, CancellationToken, Task> handshake, PlaintextPolicy policy, ReadOnlyMemory<byte> goAhead, bool includeTransport, CancellationToken cancellationToken)
    {
        if (_tls is not null) throw new InvalidOperationException("the connection is already TLS");
        await Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        var pending = Reader.ReleaseForUpgrade(includeTransport);
        if (pending > 0 && policy == PlaintextPolicy.Reject) throw new PlaintextInjectionException(pending);
        if (!goAhead.IsEmpty) await Writer.WriteAsync(goAhead, cancellationToken).ConfigureAwait(false);

        Stream transport;
        if (_pipe is not null)
        {
            transport = new DuplexStream(_pipe);
        }
        else
        {
            // Stream pipes were made with leaveOpen: completing them leaves the stream to TLS.
            await _input.CompleteAsync().ConfigureAwait(false);
            await _output.CompleteAsync().ConfigureAwait(false);
            transport = _stream!;
        }

        var tls = new SslStream(transport, leaveInnerStreamOpen: true);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_options.TlsHandshakeTimeout);
            try
            {
                await handshake(tls, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                await tls.DisposeAsync().ConfigureAwait(false);
                throw new TimeoutException($"the TLS handshake timed out after {_options.TlsHandshakeTimeout.TotalSeconds:0.###} s", e);
            }
            catch
            {
                await tls.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        _tls = tls;
        _input = PipeReader.Create(tls, new StreamPipeReaderOptions(bufferSize: _options.ReceiveBufferSize, minimumReadSize: Math.Min(4096, _options.ReceiveBufferSize), leaveOpen: true));
        _output = PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true));
        Reader.Reset(_input);
        Writer.Reset(_output);
    }
}
