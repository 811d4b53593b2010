using Protocols.Servers.Lines;

namespace Protocols.Servers.Imap;

/// <summary>IMAP's reject reasons, in one table with the response, whether it closes, and the log/metric tag.</summary>
internal enum ImapReject
{
    UnknownCommand,
    SyntaxError,
    BadSequence,
    TooBig,
    ProtocolError,
    TooManyErrors,
    TooManyAuthFailures,
    Timeout,
    ShuttingDown,
    TooManyConnections,
    TooManyConnectionsFromAddress,
}

internal static class ImapRejects
{
    /// <summary>Code 0: a tagged (or untagged) BAD, the session goes on; code 1: <c>* BYE</c> and the session ends.</summary>
    public static readonly RejectTable<ImapReject> Table = new RejectTable<ImapReject>()
        .Set(ImapReject.UnknownCommand, 0, null, "unknown command")
        .Set(ImapReject.SyntaxError, 0, null, "syntax error")
        .Set(ImapReject.BadSequence, 0, null, "not valid in this state")
        .Set(ImapReject.TooBig, 0, null, "[TOOBIG] the command line is too long", tag: "too-big")
        .Set(ImapReject.ProtocolError, 1, null, "Protocol error: a bare LF where CRLF ends a line", closes: true)
        .Set(ImapReject.TooManyErrors, 1, null, "[UNAVAILABLE] Too many bad commands, closing", closes: true)
        .Set(ImapReject.TooManyAuthFailures, 1, null, "[UNAVAILABLE] Too many failed logins, closing", closes: true)
        .Set(ImapReject.Timeout, 1, null, "Autologout: idle for too long", closes: true)
        .Set(ImapReject.ShuttingDown, 1, null, "[UNAVAILABLE] Server shutting down", closes: true)
        .Set(ImapReject.TooManyConnections, 1, null, "[UNAVAILABLE] Too many connections, try later", closes: true)
        .Set(ImapReject.TooManyConnectionsFromAddress, 1, null, "[UNAVAILABLE] Too many connections from your address", closes: true)
        .Map(LineReject.UnknownCommand, ImapReject.UnknownCommand)
        .Map(LineReject.SyntaxError, ImapReject.SyntaxError)
        .Map(LineReject.BadSequence, ImapReject.BadSequence)
        .Map(LineReject.LineTooLong, ImapReject.TooBig)
        .Map(LineReject.ProtocolError, ImapReject.ProtocolError)
        .Map(LineReject.TooManyErrors, ImapReject.TooManyErrors)
        .Map(LineReject.TooManyRepeats, ImapReject.TooManyErrors)
        .Map(LineReject.TooManyNoops, ImapReject.TooManyErrors)
        .Map(LineReject.TooManyAuthFailures, ImapReject.TooManyAuthFailures)
        .Map(LineReject.Timeout, ImapReject.Timeout)
        .Map(LineReject.ShuttingDown, ImapReject.ShuttingDown)
        .Map(LineReject.TooManyConnections, ImapReject.TooManyConnections)
        .Map(LineReject.TooManyConnectionsFromAddress, ImapReject.TooManyConnectionsFromAddress)
        .Seal();
}
