namespace Protocols.Servers.Smtp;

/// <summary>
/// Policy hooks. Every method has a default that accepts; return a <see cref="SmtpResponse"/> to refuse (or to
/// answer with another positive text). A hook that throws gets 451 (the client retries later); the exception is
/// logged, never sent.
/// </summary>
public interface ISmtpHandler
{
    /// <summary>A client connected (before the greeting). Refuse with a 554 to turn it away.</summary>
    ValueTask<SmtpResponse?> OnConnectAsync(ISmtpSessionInfo session, CancellationToken cancellationToken) =>
        ValueTask.FromResult<SmtpResponse?>(null);

    /// <summary>MAIL FROM: <paramref name="from"/> is the reverse-path (empty for &lt;&gt;).</summary>
    ValueTask<SmtpResponse?> OnMailFromAsync(
        ISmtpSessionInfo session, string from, IReadOnlyDictionary<string, string?> parameters,
        CancellationToken cancellationToken) =>
        ValueTask.FromResult<SmtpResponse?>(null);

    /// <summary>RCPT TO: one recipient.</summary>
    ValueTask<SmtpResponse?> OnRecipientAsync(
        ISmtpSessionInfo session, SmtpRecipient recipient, CancellationToken cancellationToken) =>
        ValueTask.FromResult<SmtpResponse?>(null);

    /// <summary>The whole message arrived; called before it is stored and before the 250.</summary>
    ValueTask<SmtpResponse?> OnMessageAsync(
        ISmtpSessionInfo session, ReceivedMessage message, CancellationToken cancellationToken) =>
        ValueTask.FromResult<SmtpResponse?>(null);
}

/// <summary>An <see cref="ISmtpHandler"/> made of lambdas, for tests and small programs.</summary>
public sealed class SmtpHandler : ISmtpHandler
{
    /// <summary>Accepts everything.</summary>
    public static readonly ISmtpHandler AcceptAll = new SmtpHandler();

    public Func<ISmtpSessionInfo, SmtpResponse?>? Connect { get; init; }
    public Func<ISmtpSessionInfo, string, IReadOnlyDictionary<string, string?>, SmtpResponse?>? MailFrom { get; init; }
    public Func<ISmtpSessionInfo, SmtpRecipient, SmtpResponse?>? Recipient { get; init; }
    public Func<ISmtpSessionInfo, ReceivedMessage, SmtpResponse?>? Message { get; init; }

    ValueTask<SmtpResponse?> ISmtpHandler.OnConnectAsync(ISmtpSessionInfo session, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Connect?.Invoke(session));

    ValueTask<SmtpResponse?> ISmtpHandler.OnMailFromAsync(
        ISmtpSessionInfo session, string from, IReadOnlyDictionary<string, string?> parameters,
        CancellationToken cancellationToken) =>
        ValueTask.FromResult(MailFrom?.Invoke(session, from, parameters));

    ValueTask<SmtpResponse?> ISmtpHandler.OnRecipientAsync(
        ISmtpSessionInfo session, SmtpRecipient recipient, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Recipient?.Invoke(session, recipient));

    ValueTask<SmtpResponse?> ISmtpHandler.OnMessageAsync(
        ISmtpSessionInfo session, ReceivedMessage message, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Message?.Invoke(session, message));
}
