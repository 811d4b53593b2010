using Protocols.Servers.Lines;

namespace Protocols.Servers.Smtp;

/// <summary>Why the server said no. Mapped in one table (<see cref="SmtpRejectReasons"/>) to a reply code, an
/// enhanced status code (RFC 3463) and the text sent; the enum name is the log and metric reason.</summary>
public enum SmtpRejectReason
{
    /// <summary>Unknown verb.</summary>
    UnknownCommand,
    /// <summary>Known verb this server does not implement or has switched off.</summary>
    CommandNotImplemented,
    /// <summary>Bad arguments.</summary>
    SyntaxError,
    /// <summary>Command line longer than the limit.</summary>
    LineTooLong,
    /// <summary>Verb not allowed in the current state.</summary>
    BadSequence,
    /// <summary>MAIL/RCPT parameter unknown or not offered.</summary>
    ParameterNotImplemented,
    /// <summary>Address not valid (syntax, or non-ASCII without SMTPUTF8).</summary>
    BadAddress,
    /// <summary>SIZE declared at MAIL over the limit.</summary>
    DeclaredSizeTooLarge,
    /// <summary>Message grew over the limit while reading.</summary>
    MessageTooLarge,
    /// <summary>A text line in DATA was over the line limit.</summary>
    TextLineTooLong,
    /// <summary>Bare CR or LF in DATA, when the server refuses them.</summary>
    BareLineEnds,
    /// <summary>Too many recipients for one message.</summary>
    TooManyRecipients,
    /// <summary>DATA/BDAT with no accepted recipient.</summary>
    NoValidRecipients,
    /// <summary>Policy hook refused the sender.</summary>
    SenderRejected,
    /// <summary>Policy hook refused the recipient.</summary>
    RecipientRejected,
    /// <summary>Policy hook refused the message.</summary>
    MessageRejected,
    /// <summary>The store failed to save the message; the client should retry.</summary>
    StorageFailed,
    /// <summary>This command requires TLS first (AUTH without TLS, or a TLS-only server).</summary>
    TlsRequired,
    /// <summary>STARTTLS is not available or already active.</summary>
    TlsNotAvailable,
    /// <summary>Authentication is required before MAIL.</summary>
    AuthenticationRequired,
    /// <summary>Credentials refused.</summary>
    AuthenticationFailed,
    /// <summary>AUTH mechanism not offered.</summary>
    AuthMechanismNotSupported,
    /// <summary>AUTH exchange cancelled by the client with "*".</summary>
    AuthCancelled,
    /// <summary>Already authenticated.</summary>
    AlreadyAuthenticated,
    /// <summary>Too many bad commands: the session ends.</summary>
    TooManyErrors,
    /// <summary>A verb repeated too often: the session ends.</summary>
    TooManyRepeats,
    /// <summary>Too many failed AUTH attempts: the session ends.</summary>
    TooManyAuthFailures,
    /// <summary>The client was silent past the timeout: the session ends.</summary>
    Timeout,
    /// <summary>Too many concurrent connections: the session ends at once.</summary>
    TooManyConnections,
    /// <summary>Too many concurrent connections from one client address: the session ends at once.</summary>
    TooManyConnectionsFromAddress,
    /// <summary>The server is shutting down: the session ends.</summary>
    ShuttingDown,
    /// <summary>Scripted fault from a test server.</summary>
    Scripted,
    /// <summary>A non-ASCII address without the SMTPUTF8 parameter (RFC 6531 §3.2).</summary>
    Utf8Required,
    /// <summary>Too many no-op-like commands (NOOP, BDAT 0, refused recipients): the session ends.</summary>
    TooManyNoops,
    /// <summary>BDAT with a size that cannot be read: its chunk cannot be skipped, so the session ends.</summary>
    BadChunkSize,
    /// <summary>The store (or the spool) has no room left: a full disk or quota. The client should retry later.</summary>
    StorageFull,
}

/// <summary>The one table from reject reason to reply, log reason and metric tag.</summary>
public static class SmtpRejectReasons
{
    /// <summary>A reply line: code, enhanced status code (RFC 3463) or null, and text.</summary>
    public readonly record struct Entry(int Code, string? Enhanced, string Text)
    {
        /// <summary>Whether the session must end after this reply (a 421).</summary>
        public bool ClosesSession => Code == 421;
    }

    /// <summary>The table, with the kernel's own refusals mapped onto SMTP reasons.</summary>
    internal static RejectTable<SmtpRejectReason> Table { get; } = Build();

    /// <summary>Looks up the reply for a reason.</summary>
    public static Entry Get(SmtpRejectReason reason)
    {
        var e = Table[reason];
        return new Entry(e.Code, e.Enhanced, e.Text);
    }

    private static RejectTable<SmtpRejectReason> Build()
    {
        var t = new RejectTable<SmtpRejectReason>();
        void Set(SmtpRejectReason r, int code, string? enhanced, string text) => t.Set(r, code, enhanced, text, closes: code == 421);
        Set(SmtpRejectReason.UnknownCommand, 500, "5.5.2", "Command unrecognized");
        Set(SmtpRejectReason.CommandNotImplemented, 502, "5.5.1", "Command not implemented");
        Set(SmtpRejectReason.SyntaxError, 501, "5.5.4", "Syntax error in parameters or arguments");
        Set(SmtpRejectReason.LineTooLong, 500, "5.5.6", "Line too long");
        Set(SmtpRejectReason.BadSequence, 503, "5.5.1", "Bad sequence of commands");
        Set(SmtpRejectReason.ParameterNotImplemented, 555, "5.5.4", "Parameter not recognized or not implemented");
        Set(SmtpRejectReason.BadAddress, 553, "5.1.3", "Bad address syntax");
        Set(SmtpRejectReason.DeclaredSizeTooLarge, 552, "5.3.4", "Message size exceeds fixed maximum message size");
        Set(SmtpRejectReason.MessageTooLarge, 552, "5.3.4", "Message size exceeds fixed maximum message size");
        Set(SmtpRejectReason.TextLineTooLong, 500, "5.5.6", "Text line too long");
        Set(SmtpRejectReason.BareLineEnds, 554, "5.6.0", "Bare CR or LF in message data is not allowed");
        Set(SmtpRejectReason.TooManyRecipients, 452, "4.5.3", "Too many recipients");
        Set(SmtpRejectReason.NoValidRecipients, 554, "5.5.1", "No valid recipients");
        Set(SmtpRejectReason.SenderRejected, 550, "5.7.1", "Sender rejected");
        Set(SmtpRejectReason.RecipientRejected, 550, "5.1.1", "Recipient rejected");
        Set(SmtpRejectReason.MessageRejected, 554, "5.7.1", "Message rejected");
        Set(SmtpRejectReason.StorageFailed, 451, "4.3.0", "Local error in processing");
        Set(SmtpRejectReason.StorageFull, 452, "4.3.1", "Insufficient system storage");
        Set(SmtpRejectReason.TlsRequired, 530, "5.7.0", "Must issue a STARTTLS command first");
        Set(SmtpRejectReason.TlsNotAvailable, 454, "4.7.0", "TLS not available");
        Set(SmtpRejectReason.AuthenticationRequired, 530, "5.7.0", "Authentication required");
        Set(SmtpRejectReason.AuthenticationFailed, 535, "5.7.8", "Authentication credentials invalid");
        Set(SmtpRejectReason.AuthMechanismNotSupported, 504, "5.5.4", "Unrecognized authentication type");
        Set(SmtpRejectReason.AuthCancelled, 501, "5.7.0", "Authentication cancelled");
        Set(SmtpRejectReason.AlreadyAuthenticated, 503, "5.5.1", "Already authenticated");
        Set(SmtpRejectReason.TooManyErrors, 421, "4.7.0", "Too many errors, closing connection");
        Set(SmtpRejectReason.TooManyRepeats, 421, "4.7.0", "Too many repeated commands, closing connection");
        Set(SmtpRejectReason.TooManyAuthFailures, 421, "4.7.0", "Too many failed authentication attempts, closing connection");
        Set(SmtpRejectReason.Timeout, 421, "4.4.2", "Timeout, closing connection");
        Set(SmtpRejectReason.TooManyConnections, 421, "4.7.0", "Too many connections, try again later");
        Set(SmtpRejectReason.TooManyConnectionsFromAddress, 421, "4.7.0", "Too many connections from your address, try again later");
        Set(SmtpRejectReason.ShuttingDown, 421, "4.3.2", "Service shutting down");
        Set(SmtpRejectReason.Scripted, 451, "4.3.0", "Scripted failure");
        Set(SmtpRejectReason.Utf8Required, 553, "5.6.7", "SMTPUTF8 is required for a non-ASCII address: send MAIL FROM with the SMTPUTF8 parameter");
        Set(SmtpRejectReason.TooManyNoops, 421, "4.7.0", "Too many commands that do nothing, closing connection");
        Set(SmtpRejectReason.BadChunkSize, 501, "5.5.4", "Syntax: BDAT size [LAST]; the chunk size cannot be read, closing connection");
        t.Map(LineReject.UnknownCommand, SmtpRejectReason.UnknownCommand)
            .Map(LineReject.SyntaxError, SmtpRejectReason.SyntaxError)
            .Map(LineReject.BadSequence, SmtpRejectReason.BadSequence)
            .Map(LineReject.LineTooLong, SmtpRejectReason.LineTooLong)
            .Map(LineReject.ProtocolError, SmtpRejectReason.SyntaxError)
            .Map(LineReject.TooManyErrors, SmtpRejectReason.TooManyErrors)
            .Map(LineReject.TooManyRepeats, SmtpRejectReason.TooManyRepeats)
            .Map(LineReject.TooManyNoops, SmtpRejectReason.TooManyNoops)
            .Map(LineReject.TooManyAuthFailures, SmtpRejectReason.TooManyAuthFailures)
            .Map(LineReject.Timeout, SmtpRejectReason.Timeout)
            .Map(LineReject.ShuttingDown, SmtpRejectReason.ShuttingDown)
            .Map(LineReject.TooManyConnections, SmtpRejectReason.TooManyConnections)
            .Map(LineReject.TooManyConnectionsFromAddress, SmtpRejectReason.TooManyConnectionsFromAddress);
        return t.Seal();
    }
}
