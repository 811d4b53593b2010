using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Protocols.Net;

/// <summary>
/// Writes to a connection, asyncio's <c>StreamWriter</c> on a <see cref="PipeWriter"/>: <c>Write</c> buffers,
/// <see cref="DrainAsync"/> flushes with back-pressure. A write that finds the peer gone throws
/// <see cref="ConnectionClosedException"/>; nothing is dropped silently.
/// </summary>
public sealed class ConnectionWriter : IDisposable
{
    private readonly OperationTimer _timer = new();
    private PipeWriter _output;
    private ProtocolTap? _tap;

    internal ConnectionWriter(PipeWriter output, ConnectionOptions options)
    {
        _output = output;
        _timer.Timeout = options.WriteTimeout;
    }

    /// <summary>Limit on each drain; <see cref="Timeout.InfiniteTimeSpan"/> for none. Expiry throws <see cref="TimeoutException"/>.</summary>
    public TimeSpan WriteTimeout { get => _timer.Timeout; set => _timer.Timeout = value; }

    /// <summary>The underlying pipe writer, for code that formats straight into the buffer.</summary>
    public IBufferWriter<byte> Buffer => _output;

    /// <summary>Bytes written and not yet drained.</summary>
    public long UnflushedBytes => _output.CanGetUnflushedBytes ? _output.UnflushedBytes : 0;

    /// <summary>Buffers bytes for sending.</summary>
    public void Write(ReadOnlySpan<byte> data) => _output.Write(data);

    /// <summary>Buffers a line and its CRLF.</summary>
    public void WriteLine(ReadOnlySpan<byte> line)
    {
        var span = _output.GetSpan(line.Length + 2);
        line.CopyTo(span);
        span[line.Length] = (byte)'\r';
        span[line.Length + 1] = (byte)'\n';
        _output.Advance(line.Length + 2);
    }

    /// <summary>Buffers a line of text (UTF-8, so ASCII stays ASCII) and its CRLF.</summary>
    public void WriteLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        Encoding.UTF8.GetBytes(line.AsSpan(), _output);
        _output.Write("\r\n"u8);
    }

    /// <summary>Buffers text as UTF-8, no line end.</summary>
    public void Write(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Encoding.UTF8.GetBytes(text.AsSpan(), _output);
    }

    /// <summary>Sends what is buffered, waiting while the peer is slow to take it.</summary>
    public async ValueTask DrainAsync(CancellationToken cancellationToken = default)
    {
        FlushResult result;
        var token = _timer.Start(cancellationToken);
        try
        {
            var flush = _output.FlushAsync(token);
            result = await (flush.IsCompleted || !CompletesInline ? flush : SocketThread.LeaveAsync(flush)).ConfigureAwait(false);
        }
        catch (OperationCanceledException e)
        {
            throw _timer.Translate(e, cancellationToken, "writing");
        }
        catch (IOException e) when (e is not ConnectionClosedException)
        {
            throw new ConnectionClosedException("the peer closed the connection while we were writing", e);
        }
        catch (InvalidOperationException e)
        {
            throw new ConnectionClosedException("the connection is closed", e);
        }
        finally
        {
            _timer.Stop();
        }
        if (result.IsCompleted) throw new ConnectionClosedException("the peer closed the connection while we were writing");
        if (result.IsCanceled) throw new OperationCanceledException("the write was cancelled");
    }

    /// <summary>Writes bytes and drains.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        _output.Write(data.Span);
        return DrainAsync(cancellationToken);
    }

    /// <summary>Writes a line of text with its CRLF and drains.</summary>
    public ValueTask WriteLineAsync(string line, CancellationToken cancellationToken = default)
    {
        WriteLine(line);
        return DrainAsync(cancellationToken);
    }

    internal void Reset(PipeWriter output) => _output = _tap is null ? output : new TappedPipeWriter(output, _tap);

    /// <summary>Shows every byte written, at each flush, to the protocol log from now on.</summary>
    internal void Tap(ProtocolTap tap)
    {
        if (_tap is not null) throw new InvalidOperationException("the connection is already logged");
        _tap = tap;
        _output = new TappedPipeWriter(_output, tap);
    }

    internal PipeWriter Output => _output;

    /// <summary>True when the transport completes waits on .NET's socket thread (<see cref="SocketThread"/>): a wait that happened then hops to the thread pool.</summary>
    internal bool CompletesInline { get; set; }

    public void Dispose() => _timer.Dispose();
}
