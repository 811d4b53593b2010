using System.Buffers;
using System.IO.Pipelines;

namespace Protocols.Net;

/// <summary>
/// Between a connection and its <see cref="IProtocolLogger"/>: takes the bytes the writer buffers (handed on at each
/// flush) and the bytes the reader consumes, runs them through the connection's <see cref="ProtocolSecretDetector"/>,
/// and holds back payload while a client says so. One per connection; each direction is used by one caller at a time.
/// </summary>
internal sealed class ProtocolTap(IProtocolLogger logger, WireProtocol protocol)
{
    private readonly ProtocolSecretDetector _detector = new(protocol);
    private readonly ArrayBufferWriter<byte> _unflushed = new(256);
    private readonly ArrayBufferWriter<byte> _clientOut = new(256);
    private readonly ArrayBufferWriter<byte> _serverOut = new(256);
    private bool _clientPayload;
    private bool _serverPayload;

    public IProtocolLogger Logger => logger;

    /// <summary>Bytes the writer buffered; logged at the next flush unless they are payload.</summary>
    public void Written(ReadOnlySpan<byte> data)
    {
        if (!_clientPayload) _unflushed.Write(data);
    }

    /// <summary>The writer flushes: what it buffered goes to the logger.</summary>
    public void Flushed()
    {
        if (_unflushed.WrittenCount == 0) return;
        Emit(_unflushed.WrittenSpan, fromClient: true);
        _unflushed.ResetWrittenCount();
    }

    /// <summary>Bytes the reader consumed.</summary>
    public void Read(in ReadOnlySequence<byte> data)
    {
        if (_serverPayload || data.IsEmpty) return;
        if (data.IsSingleSegment) Emit(data.FirstSpan, fromClient: false);
        else foreach (var segment in data) Emit(segment.Span, fromClient: false);
    }

    /// <summary>Starts or ends client payload (message data, a request body); <paramref name="note"/> is logged as info, after what was written before.</summary>
    public void ClientPayload(bool on, string? note = null)
    {
        Flushed();
        _clientPayload = on;
        if (note is not null) logger.LogInfo(note);
    }

    /// <summary>Starts or ends server payload (a response body).</summary>
    public void ServerPayload(bool on) => _serverPayload = on;

    private void Emit(ReadOnlySpan<byte> data, bool fromClient)
    {
        if (data.IsEmpty) return;
        var output = fromClient ? _clientOut : _serverOut;
        output.ResetWrittenCount();
        _detector.Redact(data, fromClient, output);
        if (output.WrittenCount == 0) return;
        if (fromClient) logger.LogClient(output.WrittenSpan);
        else logger.LogServer(output.WrittenSpan);
    }
}

/// <summary>A pipe writer that shows the tap every byte advanced and every flush, and passes everything on.</summary>
internal sealed class TappedPipeWriter(PipeWriter inner, ProtocolTap tap) : PipeWriter
{
    private Memory<byte> _last;

    public override void Advance(int bytes)
    {
        if (bytes > 0) tap.Written(_last.Span[..bytes]);
        _last = default;
        inner.Advance(bytes);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => _last = inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => (_last = inner.GetMemory(sizeHint)).Span;

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        tap.Flushed();
        return inner.FlushAsync(cancellationToken);
    }

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;
}
