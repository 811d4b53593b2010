using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Protocols.Net;
using Protocols.Servers.Lines;

namespace Protocols.Servers.Hosting;

/// <summary>Implicit TLS on a line endpoint: the server-side handshake (the stream layer's, as STARTTLS) at accept, within its timeout.</summary>
internal sealed record LineTls(SslServerAuthenticationOptions Options, TimeSpan HandshakeTimeout);

/// <summary>
/// A line-protocol endpoint served without Kestrel (<see cref="ProtocolsHostBuilder.AddLineEndpoint(string, System.Net.IPEndPoint, Protocols.Servers.Lines.LineConnectionHandler, Protocols.Servers.Hosting.EndpointTls)"/>): one
/// listening socket, one accept loop, and each accepted socket handed to its <see cref="LineConnectionHandler"/> as a
/// <see cref="Connection"/> at once, on the thread that accepted it (for an implicit-TLS endpoint after the server-side
/// handshake, <see cref="Connection.UpgradeToTlsAsync(SslServerAuthenticationOptions, PlaintextPolicy, CancellationToken)"/>:
/// the code STARTTLS uses; a handshake that fails or outlasts its timeout closes the connection). With the event loop (<see cref="SocketEngine"/>) the
/// accept, the session and its sends all run on the epoll thread: Kestrel queued every new connection to the thread pool
/// and its closed-token callback there again, two pool wake-ups per connection, and kept two pipes per connection between
/// the socket and the session. A one-message SMTP session cost 130-190 us of server CPU that way and 114 us this way
/// (docs/performance.md, "branch conn"). The limits, the refusal line, metrics and logs stay the handler's; stopping is
/// <see cref="StopAsync"/>: no new connections, the sessions in flight finish within the grace, then the ones left get
/// the protocol's shutdown reply (the handler's token is cancelled) and, a second later, a reset. On Linux (x64, arm64)
/// the accepted sockets never become .NET <see cref="Socket"/>s: the listener runs on the raw event loop
/// (<see cref="EpollListener"/>: accept4 without the fcntl pair after it, recv only after a readiness edge, no shutdown
/// before a close that sends the FIN anyway), and each session gets a <see cref="Connection"/> over an
/// <see cref="EpollSocketStream"/>, the same pipes and the same STARTTLS code (an <see cref="SslStream"/> over that
/// stream) as anywhere; <c>PROTOCOLS_LINE_TRANSPORT=socket</c> keeps .NET's sockets, as Windows and macOS do
/// (docs/performance.md, "Branch native").
/// </summary>
internal sealed class LineListener
{
    // After the grace: how long a cancelled session gets to send its closing reply before its socket is reset.
    private static readonly TimeSpan ClosingReplyTime = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly LineConnectionHandler _handler;
    private readonly ILogger _logger;
    private readonly LineTls? _tls;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<Connection, byte> _open = [];
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _accepting = Task.CompletedTask;
    private EpollListener? _epoll;
    private int _stopped;

    private LineListener(Socket socket, LineConnectionHandler handler, ILogger logger, LineTls? tls)
    {
        _tls = tls;
        _socket = socket;
        _handler = handler;
        _logger = logger;
        EndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>Where it listens (the real port when 0 was asked).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Binds and listens (as Kestrel does: dual-mode on the IPv6 any address, a backlog of 512).</summary>
    /// <exception cref="SocketException">The address is in use or cannot be bound.</exception>
    public static LineListener Bind(IPEndPoint endPoint, LineConnectionHandler handler, ILogger logger, LineTls? tls = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.Address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.Bind(endPoint);
            socket.Listen(512);
            return new LineListener(socket, handler, logger, tls);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts accepting: on Linux on the raw event loop (<see cref="EpollListener"/>), elsewhere with .NET's sockets.</summary>
    public void Start()
    {
        if (EpollLoop.IsSupported)
            _epoll = EpollListener.Start(_socket, (stream, local, remote) => _ = RunAsync(Connection.Create(stream, local, remote, new ConnectionOptions()),
                    DescriptorLimit.IsNearLimit(stream.Descriptor)),
                error => LineLog.AcceptFailed(_logger, EndPoint, error.ToString()));
        else
            _accepting = AcceptLoopAsync();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is ObjectDisposedException || (e is SocketException && Volatile.Read(ref _stopped) != 0))
            {
                return; // stopped
            }
            catch (SocketException e)
            {
                // Out of descriptors or memory, or a connection reset before it was accepted: go on after a breath.
                LineLog.AcceptFailed(_logger, EndPoint, e.SocketErrorCode.ToString());
                await Task.Delay(TimeSpan.FromMilliseconds(10)).ConfigureAwait(false);
                continue;
            }
            Connection connection;
            bool nearLimit;
            try
            {
                accepted.NoDelay = true;
                nearLimit = DescriptorLimit.Applies && DescriptorLimit.IsNearLimit(accepted.SafeHandle.DangerousGetHandle());
                connection = Connection.Create(accepted, new ConnectionOptions());
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                accepted.Dispose(); // the client was gone before it was served
                continue;
            }
            _ = RunAsync(connection, nearLimit);
        }
    }

    // nearLimit: the connection's descriptor is within the reserve under the process's limit (DescriptorLimit): it gets
    // the protocol's too-many-connections reply, so the process keeps descriptors for its threads, files and store.
    private async Task RunAsync(Connection connection, bool nearLimit)
    {
        lock (_open)
        {
            if (Volatile.Read(ref _stopped) != 0)
            {
                connection.Abort();
                _ = connection.DisposeAsync();
                return;
            }
            _open.Add(connection, 0);
        }
        try
        {
            if (nearLimit && _tls is null)
                await _handler.RefuseNearDescriptorLimitAsync(connection, _stopping.Token).ConfigureAwait(false);
            else if (nearLimit)
                connection.Abort(); // implicit TLS: no reply can be read before a handshake, which would cost more
            else if (_tls is null || await HandshakeAsync(connection, _tls).ConfigureAwait(false))
                await _handler.RunAsync(connection, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A session never throws for what its client does; this is a defect worth a log line, not a dead loop.
            LineLog.ConnectionFailed(_logger, EndPoint, e);
            connection.Abort();
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            lock (_open)
            {
                _open.Remove(connection);
                if (_open.Count == 0 && Volatile.Read(ref _stopped) != 0) _drained.TrySetResult();
            }
        }
    }

    // Implicit TLS: the handshake before the first byte of the protocol, bounded by its timeout and by the stop.
    private async Task<bool> HandshakeAsync(Connection connection, LineTls tls)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        deadline.CancelAfter(tls.HandshakeTimeout);
        try
        {
            await connection.UpgradeToTlsAsync(tls.Options, PlaintextPolicy.Reject, deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or TimeoutException
                                      or PlaintextInjectionException or InvalidOperationException)
        {
            LineLog.TlsFailed(_logger, _handler.Protocol, EndPoint.ToString(), e.GetType().Name + ": " + e.Message);
            connection.Abort();
            return false;
        }
    }

    /// <summary>
    /// Stops accepting, waits for the sessions in flight until <paramref name="grace"/> is cancelled, then cancels the
    /// ones left (their shutdown reply) and resets those still open a second later. Returns when every session has ended.
    /// </summary>
    public async Task StopAsync(CancellationToken grace)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        _epoll?.Dispose();
        _socket.Dispose();
        await _accepting.ConfigureAwait(false);
        lock (_open)
        {
            if (_open.Count == 0) _drained.TrySetResult();
        }
        if (!await EndedWithinAsync(grace).ConfigureAwait(false))
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            using var closing = new CancellationTokenSource(ClosingReplyTime);
            if (!await EndedWithinAsync(closing.Token).ConfigureAwait(false))
            {
                lock (_open)
                {
                    foreach (var connection in _open.Keys) connection.Abort();
                }
                using var reset = new CancellationTokenSource(ClosingReplyTime);
                if (!await EndedWithinAsync(reset.Token).ConfigureAwait(false))
                {
                    int left;
                    lock (_open) left = _open.Count;
                    LineLog.ShutdownLeft(_logger, EndPoint, left); // a handler stuck past a reset: leave it, do not hang the stop
                    return;
                }
            }
        }
        _stopping.Dispose();
    }

    private async Task<bool> EndedWithinAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
