using Protocols.Mime;

namespace Protocols.Smtp;

public sealed partial class SmtpClient
{
    /// <summary>
    /// Sends a built message: the envelope sender is Sender or the first From, the recipients are To, Cc and Bcc
    /// (Bcc is not written into the message).
    /// </summary>
    public Task<SmtpSendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var from = message.Sender?.Address ?? message.From.FirstOrDefault()?.Address
            ?? throw new ArgumentException("the message has no From or Sender", nameof(message));
        var recipients = message.To.Concat(message.Cc).Concat(message.Bcc).Select(a => a.Address).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return SendAsync(message, from, recipients, cancellationToken);
    }

    /// <summary>Sends a built message with an explicit envelope.</summary>
    public Task<SmtpSendResult> SendAsync(MimeMessage message, string from, IEnumerable<string> recipients, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.RequiresSmtpUtf8 && !Capabilities.Has(SmtpCapabilityFlags.SmtpUtf8))
            throw new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, 0, "the message has UTF-8 headers and the server does not offer SMTPUTF8");
        return SendAsync(message.ToBytes(), from, recipients, cancellationToken);
    }
}
