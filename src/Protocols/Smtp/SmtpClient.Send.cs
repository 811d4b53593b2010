using System.Globalization;
using System.Text;
using Protocols.Lines;

namespace Protocols.Smtp;

public sealed partial class SmtpClient
{
    /// <summary>Largest piece of message data written before draining (back-pressure while streaming).</summary>
    private const int WriteChunk = 64 * 1024;

    /// <summary>
    /// Sends raw message bytes (a complete RFC 5322 message with CRLF lines) to <paramref name="recipients"/>.
    /// Returns per-recipient results when at least one was accepted; throws <see cref="SmtpRefusedException"/>
    /// when the sender, every recipient, or the message was refused. The SIZE limit is checked before sending.
    /// </summary>
    public async Task<SmtpSendResult> SendAsync(ReadOnlyMemory<byte> message, string from, IEnumerable<string> recipients, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(recipients);
        EnsureConnected();
        var to = recipients.ToList();
        if (to.Count == 0) throw new ArgumentException("at least one recipient is needed", nameof(recipients));

        var caps = Capabilities;
        if (caps.MaxSize > 0 && message.Length > caps.MaxSize)
            throw new SmtpRefusedException(SmtpRefusal.MessageNotAccepted, 552,
                $"the message is {message.Length} bytes; the server accepts at most {caps.MaxSize}");
        var utf8 = !IsAscii(from) || to.Any(r => !IsAscii(r));
        if (utf8 && !caps.Has(SmtpCapabilityFlags.SmtpUtf8))
            throw new SmtpNotSupportedException("SMTPUTF8", "an address is not ASCII and the server does not offer SMTPUTF8");
        // RFC 6531 §3.4: UTF-8 header text (RFC 6532) also needs SMTPUTF8, when the server has it.
        utf8 |= caps.Has(SmtpCapabilityFlags.SmtpUtf8) && !Ascii.IsValid(HeaderSection(message.Span));
        var eightBit = NeedsEightBit(message.Span);

        var mail = new StringBuilder("MAIL FROM:<").Append(from).Append('>');
        if (caps.Has(SmtpCapabilityFlags.Size)) mail.Append(" SIZE=").Append(message.Length.ToString(CultureInfo.InvariantCulture));
        if (eightBit && caps.Has(SmtpCapabilityFlags.EightBitMime)) mail.Append(" BODY=8BITMIME");
        if (utf8) mail.Append(" SMTPUTF8");

        var chunking = PreferChunking && caps.Has(SmtpCapabilityFlags.Chunking);
        var pipelining = UsePipelining && caps.Has(SmtpCapabilityFlags.Pipelining);
        var results = new List<SmtpRecipientResult>(to.Count);

        if (pipelining)
        {
            Write(mail.ToString());
            foreach (var r in to) Write($"RCPT TO:<{r}>");
            if (chunking) WriteBdatHeader(message.Length);
            else Write("DATA");
            // With BDAT the chunk goes in the same flight: the server consumes it whatever it answers.
            if (chunking) await WriteDataAsync(message, stuff: false, cancellationToken).ConfigureAwait(false);
            else await FlushAsync(cancellationToken).ConfigureAwait(false);

            var mailReply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            foreach (var r in to)
            {
                var reply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
                results.Add(new SmtpRecipientResult(r, reply.Code, reply.Text));
            }
            var dataReply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            if (mailReply.Code != 250)
            {
                await ResetAfterFailureAsync(dataReply, chunking, cancellationToken).ConfigureAwait(false);
                throw Command(SmtpRefusal.SenderNotAccepted, mailReply, "sender refused");
            }
            if (!results.Any(r => r.Accepted))
            {
                await ResetAfterFailureAsync(dataReply, chunking, cancellationToken).ConfigureAwait(false);
                throw AllRecipientsRefused(results);
            }
            if (chunking) return Finish(dataReply, results, message.Length);
            if (dataReply.Code != 354) throw Command(SmtpRefusal.MessageNotAccepted, dataReply, "DATA refused");
            await WriteDataAsync(message, stuff: true, cancellationToken).ConfigureAwait(false);
            return Finish(await ReadReplyAsync(cancellationToken).ConfigureAwait(false), results, message.Length);
        }

        var m = await CommandAsync(mail.ToString(), cancellationToken).ConfigureAwait(false);
        if (m.Code != 250) throw Command(SmtpRefusal.SenderNotAccepted, m, "sender refused");
        foreach (var r in to)
        {
            var reply = await CommandAsync($"RCPT TO:<{r}>", cancellationToken).ConfigureAwait(false);
            results.Add(new SmtpRecipientResult(r, reply.Code, reply.Text));
        }
        if (!results.Any(r => r.Accepted))
        {
            await CommandAsync("RSET", cancellationToken).ConfigureAwait(false);
            throw AllRecipientsRefused(results);
        }
        if (chunking)
        {
            WriteBdatHeader(message.Length);
            await WriteDataAsync(message, stuff: false, cancellationToken).ConfigureAwait(false);
            return Finish(await ReadReplyAsync(cancellationToken).ConfigureAwait(false), results, message.Length);
        }
        var data = await CommandAsync("DATA", cancellationToken).ConfigureAwait(false);
        if (data.Code != 354) throw Command(SmtpRefusal.MessageNotAccepted, data, "DATA refused");
        await WriteDataAsync(message, stuff: true, cancellationToken).ConfigureAwait(false);
        return Finish(await ReadReplyAsync(cancellationToken).ConfigureAwait(false), results, message.Length);
    }

    /// <summary>Sends a UTF-8 string message (convenience for tests and scripts).</summary>
    public Task<SmtpSendResult> SendAsync(string message, string from, IEnumerable<string> recipients, CancellationToken cancellationToken = default) =>
        SendAsync(Encoding.UTF8.GetBytes(message), from, recipients, cancellationToken);

    private void WriteBdatHeader(long length) => Write($"BDAT {length.ToString(CultureInfo.InvariantCulture)} LAST");

    private async Task WriteDataAsync(ReadOnlyMemory<byte> message, bool stuff, CancellationToken cancellationToken)
    {
        var log = _connection!.Log;
        log?.ClientPayload(true, $"<{message.Length} bytes of message data{(stuff ? ", dot-stuffed" : "")}>");
        var writer = _connection.Writer;
        var stuffer = stuff ? new DotStuffingWriter(writer.Buffer) : null;
        for (var offset = 0; offset < message.Length; offset += WriteChunk)
        {
            var piece = message.Span.Slice(offset, Math.Min(WriteChunk, message.Length - offset));
            if (stuffer is not null) stuffer.Write(piece);
            else writer.Write(piece);
            if (offset + WriteChunk < message.Length) await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        log?.ClientPayload(false);
        stuffer?.Complete();
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After a pipelined failure: if DATA got 354 anyway, end the empty data; then RSET.</summary>
    private async Task ResetAfterFailureAsync(Reply dataReply, bool chunking, CancellationToken cancellationToken)
    {
        if (!chunking && dataReply.Code == 354)
        {
            // Should not happen (no valid recipient), but if the server is waiting for data, give it none it would keep.
            Write(".");
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        }
        await CommandAsync("RSET", cancellationToken).ConfigureAwait(false);
    }

    private static SmtpSendResult Finish(Reply final, List<SmtpRecipientResult> results, long size)
    {
        if (final.Code != 250) throw Command(SmtpRefusal.MessageNotAccepted, final, "message refused");
        return new SmtpSendResult(final, results) { Size = size };
    }

    private static SmtpRefusedException AllRecipientsRefused(List<SmtpRecipientResult> results)
    {
        var first = results[0];
        return new SmtpRefusedException(SmtpRefusal.RecipientNotAccepted, first.StatusCode,
            $"every recipient was refused: {string.Join("; ", results.Select(r => $"{r.Address}: {r.StatusCode} {r.Response}"))}",
            null, results);
    }
}
