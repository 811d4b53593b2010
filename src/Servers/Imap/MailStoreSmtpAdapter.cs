using Protocols.Servers.Mail;
using Protocols.Servers.Smtp;

namespace Protocols.Servers.Imap;

/// <summary>Feeds what an SMTP server accepts into an <see cref="IMailStore"/> (durable before the 250), with its envelope and session facts.</summary>
public static class MailStoreSmtpAdapter
{
    public static IMessageStore For(IMailStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return new DelegateMessageStore(async (message, cancellationToken) =>
        {
            var mail = new MailToAppend(message.Raw, message.From, [.. message.To])
            {
                ReceivedAt = message.ReceivedAt,
                Session = new MailSessionFacts(message.ClientEndPoint?.ToString(), message.HeloName, message.IsTls, message.AuthenticatedUser),
            };
            await store.AppendAsync(mail, cancellationToken).ConfigureAwait(false);
        });
    }
}
