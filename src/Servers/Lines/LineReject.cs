namespace Protocols.Servers.Lines;

/// <summary>
/// The refusals the kernel itself makes, the same in every protocol. Each protocol maps them to its own reasons in its
/// <see cref="RejectTable{TReason}"/> (<see cref="RejectTable{TReason}.Map"/>), so the reply, the log event and the
/// metric tag come from the one table.
/// </summary>
public enum LineReject
{
    /// <summary>A verb the table does not know.</summary>
    UnknownCommand,
    /// <summary>The argument breaks the verb's <see cref="ArgumentRule"/> (or the line cannot be parsed at all).</summary>
    SyntaxError,
    /// <summary>The verb is not allowed in the session's state.</summary>
    BadSequence,
    /// <summary>The command is longer than the limit (it was drained to its end).</summary>
    LineTooLong,
    /// <summary>The client broke the framing (a bare LF where CRLF is required...): the session ends.</summary>
    ProtocolError,
    /// <summary>Bad-command budget spent: the session ends.</summary>
    TooManyErrors,
    /// <summary>A junk verb repeated past its budget: the session ends.</summary>
    TooManyRepeats,
    /// <summary>No-op-like commands past their budget: the session ends.</summary>
    TooManyNoops,
    /// <summary>Authentication failures past their budget: the session ends.</summary>
    TooManyAuthFailures,
    /// <summary>A command (or a transfer) did not arrive within its deadline, or the client stayed silent: the session ends.</summary>
    Timeout,
    /// <summary>The server is stopping: the session ends.</summary>
    ShuttingDown,
    /// <summary>Connection refused: the server has all the sessions it takes.</summary>
    TooManyConnections,
    /// <summary>Connection refused: the client's address has all the sessions it may have.</summary>
    TooManyConnectionsFromAddress,
}
