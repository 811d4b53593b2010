using Protocols.Lines;

namespace Protocols.Smtp;

/// <summary>What a command error was about.</summary>
public enum SmtpErrorCode
{
    /// <summary>The server refused the sender (MAIL FROM).</summary>
    SenderNotAccepted,
    /// <summary>The server refused every recipient (see <see cref="SmtpCommandException.Recipients"/>).</summary>
    RecipientNotAccepted,
    /// <summary>The server refused the message (DATA/BDAT, or SIZE checked before sending).</summary>
    MessageNotAccepted,
    /// <summary>Authentication failed or no common mechanism.</summary>
    AuthenticationFailed,
    /// <summary>Another command failed.</summary>
    UnexpectedStatusCode,
}

/// <summary>
/// The server said no with a reply code; the connection is still usable (compare <see cref="SmtpProtocolException"/>).
/// </summary>
public class SmtpCommandException : Exception
{
    public SmtpCommandException(SmtpErrorCode errorCode, int statusCode, string message, EnhancedStatusCode? enhancedStatusCode = null,
        IReadOnlyList<SmtpRecipientResult>? recipients = null)
        : base(message)
    {
        ErrorCode = errorCode;
        StatusCode = statusCode;
        EnhancedStatusCode = enhancedStatusCode;
        Recipients = recipients ?? [];
    }

    public SmtpCommandException() : this(SmtpErrorCode.UnexpectedStatusCode, 0, "SMTP command failed") { }
    public SmtpCommandException(string message) : this(SmtpErrorCode.UnexpectedStatusCode, 0, message) { }
    public SmtpCommandException(string message, Exception inner) : base(message, inner) => Recipients = [];

    public SmtpErrorCode ErrorCode { get; }

    /// <summary>The reply code (e.g. 550).</summary>
    public int StatusCode { get; }

    /// <summary>The RFC 3463 code when the server sent one.</summary>
    public EnhancedStatusCode? EnhancedStatusCode { get; }

    /// <summary>Per-recipient answers, for <see cref="SmtpErrorCode.RecipientNotAccepted"/>.</summary>
    public IReadOnlyList<SmtpRecipientResult> Recipients { get; }
}

/// <summary>The server broke the protocol or the connection failed: the client is disconnected.</summary>
public class SmtpProtocolException : IOException
{
    public SmtpProtocolException() : base("SMTP protocol error") { }
    public SmtpProtocolException(string message) : base(message) { }
    public SmtpProtocolException(string message, Exception? inner) : base(message, inner) { }
}
