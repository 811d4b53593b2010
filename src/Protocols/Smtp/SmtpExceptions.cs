using Protocols.Lines;

namespace Protocols.Smtp;

/// <summary>What a command error was about.</summary>
public enum SmtpRefusal
{
    /// <summary>The server refused the sender (MAIL FROM).</summary>
    SenderNotAccepted,
    /// <summary>The server refused every recipient (see <see cref="SmtpRefusedException.Recipients"/>).</summary>
    RecipientNotAccepted,
    /// <summary>The server refused the message (DATA/BDAT, or SIZE checked before sending).</summary>
    MessageNotAccepted,
    /// <summary>Authentication failed or no common mechanism.</summary>
    AuthenticationFailed,
    /// <summary>Another command failed.</summary>
    UnexpectedStatusCode,
}

/// <summary>
/// The server said no with a reply code; the connection is still usable (compare <see cref="SmtpConnectionException"/>).
/// </summary>
public class SmtpRefusedException : Exception
{
    public SmtpRefusedException(SmtpRefusal errorCode, int statusCode, string message, EnhancedStatusCode? enhancedStatusCode = null,
        IReadOnlyList<SmtpRecipientResult>? recipients = null)
        : base(message)
    {
        ErrorCode = errorCode;
        StatusCode = statusCode;
        EnhancedStatusCode = enhancedStatusCode;
        Recipients = recipients ?? [];
    }

    public SmtpRefusedException() : this(SmtpRefusal.UnexpectedStatusCode, 0, "SMTP command failed") { }
    public SmtpRefusedException(string message) : this(SmtpRefusal.UnexpectedStatusCode, 0, message) { }
    public SmtpRefusedException(string message, Exception inner) : base(message, inner) => Recipients = [];

    public SmtpRefusal ErrorCode { get; }

    /// <summary>The reply code (e.g. 550).</summary>
    public int StatusCode { get; }

    /// <summary>The RFC 3463 code when the server sent one.</summary>
    public EnhancedStatusCode? EnhancedStatusCode { get; }

    /// <summary>Per-recipient answers, for <see cref="SmtpRefusal.RecipientNotAccepted"/>.</summary>
    public IReadOnlyList<SmtpRecipientResult> Recipients { get; }
}

/// <summary>The server broke the protocol or the connection failed: the client is disconnected.</summary>
public class SmtpConnectionException : IOException
{
    public SmtpConnectionException() : base("SMTP protocol error") { }
    public SmtpConnectionException(string message) : base(message) { }
    public SmtpConnectionException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>
/// The message or an address needs an extension the server did not offer (SMTPUTF8 for UTF-8 addresses or header
/// text, 8BITMIME for 8-bit content); nothing was sent and the connection is still usable.
/// </summary>
public class SmtpNotSupportedException : NotSupportedException
{
    public SmtpNotSupportedException(string extension, string message) : base(message) => Extension = extension;

    public SmtpNotSupportedException() : this("", "the server lacks an SMTP extension the message needs") { }
    public SmtpNotSupportedException(string message) : this("", message) { }
    public SmtpNotSupportedException(string message, Exception inner) : base(message, inner) => Extension = "";

    /// <summary>The EHLO keyword that was missing, e.g. "SMTPUTF8" or "8BITMIME".</summary>
    public string Extension { get; }
}
