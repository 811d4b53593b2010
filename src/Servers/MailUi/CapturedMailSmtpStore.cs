using Protocols.Servers.Metrics;
using Protocols.Servers.Smtp;

namespace Protocols.Servers.MailUi;

/// <summary>The SMTP server's message store that feeds the capture (and counts each message for the status line).</summary>
public sealed class CapturedMailSmtpStore(CapturedMailStore capture, ProtocolsMetrics? metrics = null) : IMessageStore
{
    private readonly CapturedMailStore _capture = capture ?? throw new ArgumentNullException(nameof(capture));

    public ValueTask SaveAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        _capture.Add(new CapturedMail(message.Id, message.ReceivedAt, message.From, [.. message.To], message.Raw));
        metrics?.MessageTransferred("smtp", message.Raw.Length);
        return ValueTask.CompletedTask;
    }
}
