using Protocols.Servers.Lines;

namespace Protocols.Servers.Pop3;

/// <summary>Why the POP3 server said no; the enum name (kebab case) is the log reason and metric tag.</summary>
/// The kernel's own refusals (unknown, syntax, sequence, budgets, timeout...) are <see cref="LineReject"/>s with POP3
/// replies in the same table.
public enum Pop3Reject
{
    NoSuchMessage,
    PlaintextLoginDisabled,
    AuthenticationFailed,
    NotAvailable,
}

/// <summary>The one table from POP3 reject reason to the text after <c>-ERR</c> (response codes from RFC 2449 and RFC 3206).</summary>
internal static class Pop3Rejects
{
    public static RejectTable<Pop3Reject> Table { get; } = new RejectTable<Pop3Reject>()
        .Set(Pop3Reject.NoSuchMessage, 550, null, "no such message")
        .Set(Pop3Reject.PlaintextLoginDisabled, 530, null, "[AUTH] plaintext login is disabled: use STLS first", tag: "plaintext-login")
        .Set(Pop3Reject.AuthenticationFailed, 535, null, "[AUTH] invalid user name or password", tag: "auth")
        .Set(Pop3Reject.NotAvailable, 502, null, "not available", tag: "unknown-command")
        .Set(LineReject.UnknownCommand, 500, null, "unknown command")
        .Set(LineReject.SyntaxError, 501, null, "syntax error", tag: "syntax")
        .Set(LineReject.BadSequence, 503, null, "command not valid in this state", tag: "out-of-sequence")
        .Set(LineReject.LineTooLong, 500, null, "line too long")
        .Set(LineReject.ProtocolError, 500, null, "protocol error", closes: true)
        .Set(LineReject.TooManyErrors, 421, null, "[SYS/PERM] too many errors, closing", closes: true)
        .Set(LineReject.TooManyRepeats, 421, null, "[SYS/PERM] too many repeated commands, closing", closes: true)
        .Set(LineReject.TooManyNoops, 421, null, "[SYS/PERM] too many commands that do nothing, closing", closes: true)
        .Set(LineReject.TooManyAuthFailures, 421, null, "[AUTH] too many failed logins, closing", closes: true)
        .Set(LineReject.Timeout, 421, null, "autologout: idle for too long", closes: true)
        .Set(LineReject.ShuttingDown, 421, null, "[SYS/TEMP] server shutting down", closes: true)
        .Set(LineReject.TooManyConnections, 421, null, "[SYS/TEMP] too many connections, try again later", closes: true)
        .Set(LineReject.TooManyConnectionsFromAddress, 421, null, "[SYS/TEMP] too many connections from your address, try again later", closes: true)
        .Seal();
}
