using Protocols.Servers.Lines;

namespace Protocols.Servers.Pop3;

/// <summary>Why the POP3 server said no; the enum name (kebab case) is the log reason and metric tag.</summary>
public enum Pop3Reject
{
    UnknownCommand,
    SyntaxError,
    BadSequence,
    LineTooLong,
    ProtocolError,
    NoSuchMessage,
    PlaintextLoginDisabled,
    AuthenticationFailed,
    TooManyErrors,
    TooManyRepeats,
    TooManyNoops,
    TooManyAuthFailures,
    Timeout,
    ShuttingDown,
    TooManyConnections,
    TooManyConnectionsFromAddress,
}

/// <summary>The one table from POP3 reject reason to the text after <c>-ERR</c> (response codes from RFC 2449 and RFC 3206).</summary>
internal static class Pop3Rejects
{
    public static RejectTable<Pop3Reject> Table { get; } = new RejectTable<Pop3Reject>()
        .Set(Pop3Reject.UnknownCommand, 500, null, "unknown command")
        .Set(Pop3Reject.SyntaxError, 501, null, "syntax error")
        .Set(Pop3Reject.BadSequence, 503, null, "command not valid in this state", tag: "out-of-sequence")
        .Set(Pop3Reject.LineTooLong, 500, null, "line too long")
        .Set(Pop3Reject.ProtocolError, 500, null, "protocol error", closes: true)
        .Set(Pop3Reject.NoSuchMessage, 550, null, "no such message")
        .Set(Pop3Reject.PlaintextLoginDisabled, 530, null, "[AUTH] plaintext login is disabled: use STLS first", tag: "plaintext-login")
        .Set(Pop3Reject.AuthenticationFailed, 535, null, "[AUTH] invalid user name or password", tag: "auth")
        .Set(Pop3Reject.TooManyErrors, 421, null, "[SYS/PERM] too many errors, closing", closes: true)
        .Set(Pop3Reject.TooManyRepeats, 421, null, "[SYS/PERM] too many repeated commands, closing", closes: true)
        .Set(Pop3Reject.TooManyNoops, 421, null, "[SYS/PERM] too many commands that do nothing, closing", closes: true)
        .Set(Pop3Reject.TooManyAuthFailures, 421, null, "[AUTH] too many failed logins, closing", closes: true)
        .Set(Pop3Reject.Timeout, 421, null, "autologout: idle for too long", closes: true)
        .Set(Pop3Reject.ShuttingDown, 421, null, "[SYS/TEMP] server shutting down", closes: true)
        .Set(Pop3Reject.TooManyConnections, 421, null, "[SYS/TEMP] too many connections, try again later", closes: true)
        .Set(Pop3Reject.TooManyConnectionsFromAddress, 421, null, "[SYS/TEMP] too many connections from your address, try again later", closes: true)
        .Map(LineReject.UnknownCommand, Pop3Reject.UnknownCommand)
        .Map(LineReject.SyntaxError, Pop3Reject.SyntaxError)
        .Map(LineReject.BadSequence, Pop3Reject.BadSequence)
        .Map(LineReject.LineTooLong, Pop3Reject.LineTooLong)
        .Map(LineReject.ProtocolError, Pop3Reject.ProtocolError)
        .Map(LineReject.TooManyErrors, Pop3Reject.TooManyErrors)
        .Map(LineReject.TooManyRepeats, Pop3Reject.TooManyRepeats)
        .Map(LineReject.TooManyNoops, Pop3Reject.TooManyNoops)
        .Map(LineReject.TooManyAuthFailures, Pop3Reject.TooManyAuthFailures)
        .Map(LineReject.Timeout, Pop3Reject.Timeout)
        .Map(LineReject.ShuttingDown, Pop3Reject.ShuttingDown)
        .Map(LineReject.TooManyConnections, Pop3Reject.TooManyConnections)
        .Map(LineReject.TooManyConnectionsFromAddress, Pop3Reject.TooManyConnectionsFromAddress)
        .Seal();
}
