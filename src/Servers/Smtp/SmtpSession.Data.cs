using System.Globalization;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Lines;

namespace Protocols.Servers.Smtp;

public sealed partial class SmtpSession
{
    private static long s_messageCounter;

    private async ValueTask<bool> DataAsync(CancellationToken cancellationToken)
    {
        if (_recipients.Count == 0) return await Refused(SmtpRejectReason.NoValidRecipients).ConfigureAwait(false);
        Reply(354, null, "End data with <CR><LF>.<CR><LF>");
        await Connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);

        StartMessage();
        if (_mailParameters is not null && _mailParameters.TryGetValue("SIZE", out var declared)
            && long.TryParse(declared, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            _buffer.Expect(size);
        _dataOptions.MaxSize = _limits.MaxMessageSize > 0 ? _limits.MaxMessageSize : long.MaxValue;
        _dataOptions.MaxLineLength = _limits.MaxTextLineLength;
        var result = await TransferAsync(static (s, ct) => DotStuffedReader.ReadAsync(s.Connection.Reader, s._buffer, s._dataOptions, ct),
            cancellationToken).ConfigureAwait(false);

        if (result.TooLarge)
        {
            ResetTransaction();
            return await Refused(SmtpRejectReason.MessageTooLarge).ConfigureAwait(false);
        }
        if (_buffer.SpoolFailed) return StorageFailed();
        if (_limits.RejectLongTextLines && result.LineTooLong)
        {
            ResetTransaction();
            return await Refused(SmtpRejectReason.TextLineTooLong).ConfigureAwait(false);
        }
        if (_limits.RejectBareLineEnds && result.HasBareLineEnds)
        {
            ResetTransaction();
            return await Refused(SmtpRejectReason.BareLineEnds).ConfigureAwait(false);
        }
        await DeliverAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// BDAT size [LAST] (RFC 3030). The chunk's bytes are always consumed, whatever the answer, so they are never
    /// read as commands (a chunk holding "MAIL FROM:..." must not become a second transaction); a size that cannot be
    /// read leaves no way to find the chunk's end, so the session ends after the 501.
    /// </summary>
    private async ValueTask<bool> BdatAsync(string argument, CancellationToken cancellationToken)
    {
        if (!_options.Offers(SmtpExtensions.Chunking))
        {
            // Not offered: a server without CHUNKING does not know BDAT, so the bytes are not consumed either.
            return await Refused(SmtpRejectReason.CommandNotImplemented, bad: true).ConfigureAwait(false);
        }
        var parsed = ParseBdat(argument, out var size, out var last);
        if (parsed == BdatSyntax.BadSize)
        {
            Reject(SmtpRejectReason.BadChunkSize);
            Closing = true;
            return false;
        }
        if (parsed == BdatSyntax.BadLast)
        {
            await SkipAsync(size, cancellationToken).ConfigureAwait(false);
            return await Refused(SmtpRejectReason.SyntaxError, bad: true, "Syntax: BDAT size [LAST]").ConfigureAwait(false);
        }
        if (_recipients.Count == 0)
        {
            await SkipAsync(size, cancellationToken).ConfigureAwait(false);
            return await Refused(SmtpRejectReason.NoValidRecipients).ConfigureAwait(false);
        }
        if (size == 0 && !last && CountNoop())
        {
            Refuse(LineReject.TooManyNoops);
            return false;
        }
        if (State != SmtpState.Chunking)
        {
            StartMessage();
            _buffer.Limit = _limits.MaxMessageSize > 0 ? _limits.MaxMessageSize : long.MaxValue;
        }
        await TransferAsync(async ct =>
        {
            var copied = await Connection.Reader.CopyToAsync(_buffer, size, ct).ConfigureAwait(false);
            if (copied < size) throw new IncompleteReadException(ReadOnlyMemory<byte>.Empty, size);
        }, cancellationToken).ConfigureAwait(false);

        if (_buffer.Overflowed)
        {
            ResetTransaction();
            return await Refused(SmtpRejectReason.MessageTooLarge).ConfigureAwait(false);
        }
        if (_buffer.SpoolFailed) return StorageFailed();
        if (!last)
        {
            State = SmtpState.Chunking;
            Reply(250, "2.0.0", $"{size} octets received");
            return true;
        }
        await DeliverAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>An empty buffer for the next message, spooling past the threshold where the store says.</summary>
    private void StartMessage()
    {
        _buffer.Reset();
        _buffer.SpoolDirectory = _options.Store.SpoolDirectory;
        _buffer.SpoolThreshold = _limits.SpoolThreshold;
    }

    /// <summary>The spool file could not be written: 451 (452 when its disk is full), the client may retry.</summary>
    private bool StorageFailed()
    {
        var full = _buffer.SpoolFull;
        ResetTransaction();
        Reject(full ? SmtpRejectReason.StorageFull : SmtpRejectReason.StorageFailed);
        return true;
    }

    private enum BdatSyntax { Ok, BadSize, BadLast }

    private static BdatSyntax ParseBdat(string argument, out long size, out bool last)
    {
        last = false;
        size = 0;
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts[0].Length > 18 || !parts[0].All(char.IsAsciiDigit)) return BdatSyntax.BadSize;
        size = long.Parse(parts[0], CultureInfo.InvariantCulture);
        if (parts.Length > 2) return BdatSyntax.BadLast;
        if (parts.Length == 2)
        {
            if (!parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase)) return BdatSyntax.BadLast;
            last = true;
        }
        return BdatSyntax.Ok;
    }

    /// <summary>The verb table's payload rule: a BDAT refused unhandled still has its chunk consumed (-1: unreadable size).</summary>
    private long ChunkSize(string argument)
    {
        if (!_options.Offers(SmtpExtensions.Chunking)) return 0;
        return ParseBdat(argument, out var size, out _) == BdatSyntax.BadSize ? -1 : size;
    }

    private async ValueTask DeliverAsync(CancellationToken cancellationToken)
    {
        var now = _options.TimeProvider.GetUtcNow();
        var id = string.Create(CultureInfo.InvariantCulture,
            $"{now:yyyyMMddHHmmss}-{Environment.ProcessId:x}-{Interlocked.Increment(ref s_messageCounter):x}");
        var envelope = new SmtpEnvelope(_from ?? "", _mailParameters ?? [], [.. _recipients]);
        var content = _buffer.TakeContent();
        var message = new ReceivedMessage(id, envelope, content, now, RemoteEndPoint, HeloName,
            IsTls, AuthenticatedUser) { Transcript = Transcript?.TakeForMessage() };
        ResetTransaction();
        try
        {
            await DeliverAsync(message, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            content.Release(); // a spool file the store did not take
        }
    }

    private async ValueTask DeliverAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var envelope = message.Envelope;
        var id = message.Id;
        if (!await StageFaultAsync(FaultStages.AfterData, envelope.From, cancellationToken).ConfigureAwait(false)) return;

        if (await CallHookAsync(static (h, s, m, t) => h.OnMessageAsync(s, m, t), message, cancellationToken).ConfigureAwait(false) is { IsPositive: false } refused)
        {
            CountRejected(SmtpRejectReasons.Table[SmtpRejectReason.MessageRejected]);
            Reply(refused);
            return;
        }
        try
        {
            await _options.Store.SaveAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            HookFailed(e);
            Reject(StorageFullException.IsFull(e) ? SmtpRejectReason.StorageFull : SmtpRejectReason.StorageFailed);
            return;
        }
        MessageCount++;
        Services.Metrics.MessageTransferred(Services.Protocol, message.Size);
        WriteReply(250, last: true, UseEnhanced ? "2.0.0" : null, "Ok: queued as ", id);
    }

    private void HookFailed(Exception e) => LineLog.HandlerFailed(Logger, Services.Protocol, SessionId, "hook or store", e);
}
