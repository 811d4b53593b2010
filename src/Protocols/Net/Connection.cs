using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace Protocols.Net;

/// <summary>
/// One duplex byte connection with a <see cref="Reader"/> and a <see cref="Writer"/>: the .NET counterpart of
/// asyncio's <c>open_connection</c> pair, over a socket, an <see cref="IDuplexPipe"/> (a Kestrel connection,
/// an in-memory pair) or a <see cref="Stream"/>, with TLS at connect or upgraded in place.
/// </summary>
public sealed partial class Connection : IAsyncDisposable
{
    private readonly ConnectionOptions _options;
    private readonly Socket? _socket;
    private readonly Stream? _stream;
    private readonly IDuplexPipe? _pipe;
    private readonly Action? _abort;
    private SslStream? _tls;
    private PipeReader _input;
    private PipeWriter _output;
    private readonly bool _completesInline, _loopbackPeer;
    private int _closed;
    private int _disposed;

    private Connection(ConnectionOptions options, PipeReader input, PipeWriter output)
    {
        _options = options;
        _input = input;
        _output = output;
        Reader = new ConnectionReader(input, options);
        Writer = new ConnectionWriter(output, options);
    }

    private Connection(Socket socket, ConnectionOptions options)
        : this(options, new NetworkStream(socket, ownsSocket: true), ownsStream: true)
    {
        _socket = socket;
        if (options.QuickReplies && options.Tls is null && SocketThread.TryCompleteInline(socket))
        {
            _completesInline = true;
            Reader.CompletesInline = true;
            Writer.CompletesInline = true;
            _loopbackPeer = socket.RemoteEndPoint is IPEndPoint { Address: var peer } && IPAddress.IsLoopback(peer);
        }
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
    }

    private Connection(ConnectionOptions options, Stream stream, bool ownsStream, MemoryPool<byte>? receiveMemory = null)
        : this(options,
            PipeReader.Create(stream, new StreamPipeReaderOptions(receiveMemory, options.ReceiveBufferSize, Math.Min(4096, options.ReceiveBufferSize), leaveOpen: true)),
            PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)))
    {
        _stream = stream;
        OwnsStream = ownsStream;
    }

    private Connection(ConnectionOptions options, IDuplexPipe pipe, Action? abort)
        : this(options, pipe.Input, pipe.Output)
    {
        _pipe = pipe;
        _abort = abort;
    }

    private bool OwnsStream { get; }

    /// <summary>Reads from the peer.</summary>
    public ConnectionReader Reader { get; }

    /// <summary>Writes to the peer.</summary>
    public ConnectionWriter Writer { get; }

    /// <summary>Our end, when known.</summary>
    public EndPoint? LocalEndPoint { get; private init; }

    /// <summary>The peer's end, when known.</summary>
    public EndPoint? RemoteEndPoint { get; private init; }

    /// <summary>True once TLS is up (at connect or after an upgrade).</summary>
    public bool IsTls => _tls is not null;

    /// <summary>The TLS stream once TLS is up: protocol, cipher, certificates, ALPN.</summary>
    public SslStream? Tls => _tls;

    /// <summary>The options this connection was made with.</summary>
    public ConnectionOptions Options => _options;

    /// <summary>Opens a TCP connection (IPv4 or IPv6), within <see cref="ConnectionOptions.ConnectTimeout"/>, with TLS at once when <see cref="ConnectionOptions.Tls"/> is set.</summary>
    public static async Task<Connection> ConnectAsync(string host, int port, ConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        options ??= ConnectionOptions.Default;
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        Socket socket;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(options.ConnectTimeout);
            try
            {
                var addresses = IPAddress.TryParse(bare, out var literal)
                    ? [literal]
                    : await Dns.GetHostAddressesAsync(bare, timeout.Token).ConfigureAwait(false);
                socket = await ConnectAnyAsync(addresses, port, options, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"connecting to {host}:{port} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s", e);
            }
        }
        var connection = new Connection(socket, options);
        if (options.Tls is { } tls)
        {
            try
            {
                await connection.UpgradeToTlsAsync(tls.ToSslOptions(bare), PlaintextPolicy.Reject, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        return connection;
    }

    private static async Task<Socket> ConnectAnyAsync(IPAddress[] addresses, int port, ConnectionOptions options, CancellationToken cancellationToken)
    {
        if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            // Quick replies from this machine: a loopback connect completes within the call, and a socket that never
            // waits asynchronously stays out of the event loop (no epoll wake-up per reply; see WaitReadable).
            if (options.QuickReplies && options.Tls is null && OperatingSystem.IsLinux() && IPAddress.IsLoopback(address))
            {
                try
                {
                    return await ConnectOutsideEventLoopAsync(address, port, options, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    last = e;
                    continue;
                }
            }
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, port, cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    /// <summary>Wraps an accepted socket (a server's side).</summary>
    public static Connection Create(Socket socket, ConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return new Connection(socket, options ?? ConnectionOptions.Default);
    }

    /// <summary>Wraps a socket accepted on an <see cref="EpollLoop"/> (the line listener's transport on Linux); owns it.</summary>
    /// Its reader's bulk transfers (past <see cref="ConnectionOptions.BulkReadThreshold"/>) leave the loop (<see cref="EpollSocketStream"/>).
    internal static Connection Create(EpollSocketStream socket, EndPoint localEndPoint, EndPoint remoteEndPoint, ConnectionOptions? options = null)
    {
        options ??= ConnectionOptions.Default;
        var memory = socket.ReceiveMemory = new ReceiveMemory(options.ReceiveBufferSize);
        var connection = new Connection(options, socket, ownsStream: true, memory)
        {
            LocalEndPoint = localEndPoint,
            RemoteEndPoint = remoteEndPoint,
        };
        connection.Reader.BulkTransport = socket;
        return connection;
    }

    /// <summary>Wraps a duplex pipe: what Kestrel hands a <c>ConnectionHandler</c> as <c>ConnectionContext.Transport</c>.</summary>
    /// <param name="abort">How to reset the connection (<c>ConnectionContext.Abort</c>); null completes the pipes instead.</param>
    public static Connection Create(IDuplexPipe pipe, ConnectionOptions? options = null, EndPoint? localEndPoint = null, EndPoint? remoteEndPoint = null, Action? abort = null)
    {
        ArgumentNullException.ThrowIfNull(pipe);
        return new Connection(options ?? ConnectionOptions.Default, pipe, abort)
        {
            LocalEndPoint = localEndPoint,
            RemoteEndPoint = remoteEndPoint,
        };
    }

    /// <summary>Wraps a readable and writable stream; the connection owns it unless <paramref name="leaveOpen"/>.</summary>
    public static Connection Create(Stream stream, ConnectionOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead || !stream.CanWrite) throw new ArgumentException("the stream must be readable and writable", nameof(stream));
        return new Connection(options ?? ConnectionOptions.Default, stream, ownsStream: !leaveOpen);
    }

    /// <summary>Two connections joined in memory, for tests: what one writes, the other reads.</summary>
    public static (Connection Client, Connection Server) CreatePair(ConnectionOptions? clientOptions = null, ConnectionOptions? serverOptions = null)
    {
        var clientEnd = new IPEndPoint(IPAddress.Loopback, 49152);
        var serverEnd = new IPEndPoint(IPAddress.Loopback, 0);
        var (clientPipe, serverPipe) = CreatePipePair();
        var client = Create(clientPipe, clientOptions, clientEnd, serverEnd);
        var server = Create(serverPipe, serverOptions, serverEnd, clientEnd);
        return (client, server);
    }

    /// <summary>The two ends of an in-memory duplex byte stream (1 MiB of back-pressure each way).</summary>
    internal static (IDuplexPipe A, IDuplexPipe B) CreatePipePair()
    {
        var pipeOptions = new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false);
        var toB = new Pipe(pipeOptions);
        var toA = new Pipe(pipeOptions);
        return (new InMemoryDuplexPipe(toA.Reader, toB.Writer), new InMemoryDuplexPipe(toB.Reader, toA.Writer));
    }

    private sealed class InMemoryDuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }
}
