using System.Text;
using MimeKit;

namespace Protocols.Smtp;

public sealed partial class SmtpClient
{
    /// <summary>
    /// Sends a MimeKit message with MailKit's envelope rules: when the message has Resent-Sender or Resent-From, the
    /// sender is Resent-Sender (else the first Resent-From) and the recipients are Resent-To, Resent-Cc and Resent-Bcc;
    /// otherwise the sender is Sender (else the first From) and the recipients are To, Cc and Bcc (groups expanded,
    /// each address once). Bcc and Resent-Bcc are never written. See <see cref="SendAsync(MimeMessage, MailboxAddress, IEnumerable{MailboxAddress}, CancellationToken)"/>
    /// for how the message is written.
    /// </summary>
    public Task<SmtpSendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var resent = message.ResentSender is not null || message.ResentFrom.Count > 0;
        var sender = (resent ? message.ResentSender ?? message.ResentFrom.Mailboxes.FirstOrDefault()
                : message.Sender ?? message.From.Mailboxes.FirstOrDefault())
            ?? throw new InvalidOperationException("the message has no sender (Sender or From)");
        var lists = resent ? new[] { message.ResentTo, message.ResentCc, message.ResentBcc } : [message.To, message.Cc, message.Bcc];
        var recipients = lists.SelectMany(l => l.Mailboxes).DistinctBy(m => m.Address, StringComparer.OrdinalIgnoreCase).ToList();
        if (recipients.Count == 0) throw new InvalidOperationException("the message has no recipients (To, Cc or Bcc)");
        return SendAsync(message, sender, recipients, cancellationToken);
    }

    /// <summary>
    /// Sends a MimeKit message with an explicit envelope. The message is written with CRLF line ends, without Bcc and
    /// Resent-Bcc. When the server offers neither 8BITMIME nor BINARYMIME, 8-bit parts are re-encoded first (MimeKit's
    /// <see cref="MimeMessage.Prepare(EncodingConstraint, int)"/>, as MailKit does). Headers are written as MimeKit
    /// writes them with <see cref="FormatOptions.Default"/> (a parsed, unchanged header goes out as it came; a new
    /// one with RFC 2047 encoded words); raw UTF-8 header text is sent with SMTPUTF8 (RFC 6531). Throws
    /// <see cref="SmtpNotSupportedException"/> when the message or an address still needs SMTPUTF8 or 8BITMIME and the
    /// server does not offer it (nothing is sent).
    /// </summary>
    public async Task<SmtpSendResult> SendAsync(MimeMessage message, MailboxAddress sender, IEnumerable<MailboxAddress> recipients, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(recipients);
        EnsureConnected();
        var caps = Capabilities;
        var smtpUtf8 = caps.Has(SmtpCapabilityFlags.SmtpUtf8);
        var eightBit = caps.Has(SmtpCapabilityFlags.EightBitMime) || caps.Has(SmtpCapabilityFlags.BinaryMime);
        message.Prepare(eightBit ? EncodingConstraint.EightBit : EncodingConstraint.SevenBit, 998);

        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.EnsureNewLine = true;
        format.HiddenHeaders.Add(HeaderId.Bcc);
        format.HiddenHeaders.Add(HeaderId.ResentBcc);
        using var buffer = new MemoryStream();
        await message.WriteToAsync(format, buffer, cancellationToken).ConfigureAwait(false);
        var bytes = new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, checked((int)buffer.Length));

        if (!smtpUtf8 && !Ascii.IsValid(HeaderSection(bytes.Span)))
            throw new SmtpNotSupportedException("SMTPUTF8", "the message has 8-bit header text and the server does not offer SMTPUTF8");
        if (!eightBit && NeedsEightBit(bytes.Span))
            throw new SmtpNotSupportedException("8BITMIME", "the message has 8-bit content MimeKit cannot re-encode and the server does not offer 8BITMIME");
        return await SendAsync(bytes, sender.Address, recipients.Select(r => r.Address), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The bytes before the first empty line (the whole message if there is none).</summary>
    private static ReadOnlySpan<byte> HeaderSection(ReadOnlySpan<byte> message)
    {
        if (message.StartsWith("\r\n"u8)) return default;
        var end = message.IndexOf("\r\n\r\n"u8);
        return end < 0 ? message : message[..end];
    }
}
