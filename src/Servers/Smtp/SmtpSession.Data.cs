using System.Globalization;
using Protocols.Lines;
using Protocols.Net;

namespace Protocols.Servers.Smtp;

public sealed partial class SmtpSession
{
    private static long s_messageCounter;

    private async ValueTask DataAsync(string argument, CancellationToken cancellationToken)
    {
        if (argument.Length != 0)
        {
            Bad(SmtpRejectReason.SyntaxError);
            return;
        }
        if (_recipients.Count == 0)
        {
            Reject(SmtpRejectReason.NoValidRecipients);
            return;
        }
        Reply(354, null, "End data with <CR><LF>.<CR><LF>");
        await _connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);

        _buffer.Reset();
        _dataOptions.MaxSize = _limits.MaxMessageSize > 0 ? _limits.MaxMessageSize : long.MaxValue;
        _dataOptions.MaxLineLength = _limits.MaxTextLineLength;
        DotReadResult result = default;
        await ReadBulkAsync(async ct => result = await DotStuffedReader.ReadAsync(_connection.Reader, _buffer, _dataOptions, ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);

        if (result.TooLarge)
        {
            Log("message of {0} bytes over the size limit", result.Size.ToString(CultureInfo.InvariantCulture));
            ResetTransaction();
            Reject(SmtpRejectReason.MessageTooLarge);
            return;
        }
        if (_limits.RejectLongTextLines && result.LineTooLong)
        {
            ResetTransaction();
            Reject(SmtpRejectReason.TextLineTooLong);
            return;
        }
        if (_limits.RejectBareLineEnds && result.HasBareLineEnds)
        {
            ResetTransaction();
            Reject(SmtpRejectReason.BareLineEnds);
            return;
        }
        await DeliverAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>BDAT size [LAST] (RFC 3030). The chunk's bytes are always consumed, whatever the answer.</summary>
    private async ValueTask BdatAsync(string argument, CancellationToken cancellationToken)
    {
        if (!_options.Offers(SmtpExtensions.Chunking))
        {
            // Not offered: a server without CHUNKING does not know BDAT, so the bytes are not consumed either.
            Bad(SmtpRejectReason.CommandNotImplemented);
            return;
        }
        if (!TryParseBdat(argument, out var size, out var last))
        {
            Bad(SmtpRejectReason.SyntaxError);
            return;
        }
        if (_recipients.Count == 0)
        {
            await SkipBytesAsync(size, cancellationToken).ConfigureAwait(false);
            Reject(SmtpRejectReason.NoValidRecipients);
            return;
        }
        if (_state != SmtpState.Chunking)
        {
            _buffer.Reset();
            _buffer.Limit = _limits.MaxMessageSize > 0 ? _limits.MaxMessageSize : long.MaxValue;
        }
        await ReadBulkAsync(async ct =>
        {
            var copied = await _connection.Reader.CopyToAsync(_buffer, size, ct).ConfigureAwait(false);
            if (copied < size) throw new IncompleteReadException(ReadOnlyMemory<byte>.Empty, size);
        }, cancellationToken).ConfigureAwait(false);

        if (_buffer.Overflowed)
        {
            ResetTransaction();
            Reject(SmtpRejectReason.MessageTooLarge);
            return;
        }
        if (!last)
        {
            _state = SmtpState.Chunking;
            Reply(250, "2.0.0", $"{size} octets received");
            return;
        }
        await DeliverAsync(cancellationToken).ConfigureAwait(false);
    }

    private static bool TryParseBdat(string argument, out long size, out bool last)
    {
        last = false;
        size = 0;
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2) return false;
        if (parts[0].Length > 18 || !parts[0].All(char.IsAsciiDigit)) return false;
        size = long.Parse(parts[0], CultureInfo.InvariantCulture);
        if (parts.Length == 2)
        {
            if (!parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase)) return false;
            last = true;
        }
        return true;
    }

    /// <summary>Consumes a BDAT chunk that will not be accepted, so the session stays in sync.</summary>
    private async ValueTask SkipChunkAsync(string argument, CancellationToken cancellationToken)
    {
        if (_options.Offers(SmtpExtensions.Chunking) && TryParseBdat(argument, out var size, out _)) await SkipBytesAsync(size, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask SkipBytesAsync(long size, CancellationToken cancellationToken) =>
        ReadBulkAsync(async ct =>
        {
            var copied = await _connection.Reader.CopyToAsync(Stream.Null, size, ct).ConfigureAwait(false);
            if (copied < size) throw new IncompleteReadException(ReadOnlyMemory<byte>.Empty, size);
        }, cancellationToken);

    /// <summary>Runs a DATA/BDAT read under the data timeouts: per read (block) and in total.</summary>
    private async ValueTask ReadBulkAsync(Func<CancellationToken, ValueTask> read, CancellationToken cancellationToken)
    {
        var reader = _connection.Reader;
        reader.ReadTimeout = _limits.DataBlockTimeout;
        using var total = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_limits.DataTotalTimeout != Timeout.InfiniteTimeSpan) total.CancelAfter(_limits.DataTotalTimeout);
        try
        {
            await read(total.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("the data transfer took longer than the limit", e);
        }
        finally
        {
            reader.ReadTimeout = _limits.CommandTimeout;
        }
    }

    private async ValueTask DeliverAsync(CancellationToken cancellationToken)
    {
        var now = _options.TimeProvider.GetUtcNow();
        var id = string.Create(CultureInfo.InvariantCulture,
            $"{now:yyyyMMddHHmmss}-{Environment.ProcessId:x}-{Interlocked.Increment(ref s_messageCounter):x}");
        var envelope = new SmtpEnvelope(_from ?? "", _mailParameters ?? [], [.. _recipients]);
        var message = new ReceivedMessage(id, envelope, _buffer.ToArray(), now, RemoteEndPoint, HeloName,
            IsTls, AuthenticatedUser);
        ResetTransaction();

        if (await CallHookAsync(() => _options.Handler.OnMessageAsync(this, message, cancellationToken)).ConfigureAwait(false) is { IsPositive: false } refused)
        {
            SmtpServerMetrics.Rejected(SmtpRejectReason.MessageRejected);
            Reply(refused);
            return;
        }
        try
        {
            await _options.Store.SaveAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log("store failed: {0}", e.ToString());
            Reject(SmtpRejectReason.StorageFailed);
            return;
        }
        MessageCount++;
        SmtpServerMetrics.Received(message.Raw.Length);
        Reply(250, "2.0.0", $"Ok: queued as {id}");
    }
}
