using System.Net;
using Microsoft.Extensions.Logging;

namespace Protocols.Servers.Lines;

/// <summary>The kernel's log events: the same names and fields in every protocol (<c>Protocol</c>, <c>Session</c>, <c>Remote</c>).</summary>
internal static partial class LineLog
{
    [LoggerMessage(EventId = 1100, EventName = "SessionStarted", Level = LogLevel.Debug, Message = "{Protocol} session {Session} from {Remote} started")]
    public static partial void SessionStarted(ILogger logger, string protocol, string session, EndPoint? remote);

    [LoggerMessage(EventId = 1101, EventName = "SessionEnded", Level = LogLevel.Debug, Message = "{Protocol} session {Session} ended after {Commands} commands")]
    public static partial void SessionEnded(ILogger logger, string protocol, string session, long commands);

    [LoggerMessage(EventId = 1102, EventName = "CommandReceived", Level = LogLevel.Trace, Message = "{Protocol} [{Session}] C: {Line}")]
    public static partial void CommandReceived(ILogger logger, string protocol, string session, string line);

    [LoggerMessage(EventId = 1103, EventName = "ReplySent", Level = LogLevel.Trace, Message = "{Protocol} [{Session}] S: {Line}")]
    public static partial void ReplySent(ILogger logger, string protocol, string session, string line);

    [LoggerMessage(EventId = 1104, EventName = "Rejected", Level = LogLevel.Debug, Message = "{Protocol} [{Session}] refused: {Reason}")]
    public static partial void Rejected(ILogger logger, string protocol, string session, string reason);

    [LoggerMessage(EventId = 1105, EventName = "SessionTimeout", Level = LogLevel.Debug, Message = "{Protocol} [{Session}] from {Remote}: {Reason}")]
    public static partial void Timeout(ILogger logger, string protocol, string session, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 1106, EventName = "ProtocolError", Level = LogLevel.Debug, Message = "{Protocol} [{Session}] protocol error: {Reason}")]
    public static partial void ProtocolError(ILogger logger, string protocol, string session, string reason);

    [LoggerMessage(EventId = 1107, EventName = "SessionDropped", Level = LogLevel.Debug, Message = "{Protocol} [{Session}] from {Remote} dropped: {Reason}")]
    public static partial void Dropped(ILogger logger, string protocol, string session, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 1108, EventName = "SessionEvicted", Level = LogLevel.Information, Message = "{Protocol} [{Session}] from {Remote} evicted: idle while the server is full")]
    public static partial void Evicted(ILogger logger, string protocol, string session, EndPoint? remote);

    [LoggerMessage(EventId = 1109, EventName = "AuthFailed", Level = LogLevel.Information, Message = "{Protocol} [{Session}] authentication failed from {Remote} ({Failures} from this address); answering after {DelayMs} ms")]
    public static partial void AuthFailed(ILogger logger, string protocol, string session, EndPoint? remote, int failures, long delayMs);

    [LoggerMessage(EventId = 1110, EventName = "HandlerFailed", Level = LogLevel.Warning, Message = "{Protocol} [{Session}] {What} failed")]
    public static partial void HandlerFailed(ILogger logger, string protocol, string session, string what, Exception exception);

    [LoggerMessage(EventId = 1111, EventName = "ConnectionRefused", Level = LogLevel.Information, Message = "{Protocol} connection from {Remote} refused: {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, string protocol, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 1112, EventName = "TlsFailed", Level = LogLevel.Debug, Message = "{Protocol} [{Session}] TLS handshake failed: {Reason}")]
    public static partial void TlsFailed(ILogger logger, string protocol, string session, string reason);
    [LoggerMessage(EventId = 1113, EventName = "AcceptFailed", Level = LogLevel.Warning, Message = "accepting on {Local} failed: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, EndPoint local, string reason);

    [LoggerMessage(EventId = 1114, EventName = "ConnectionFailed", Level = LogLevel.Error, Message = "a connection on {Local} failed")]
    public static partial void ConnectionFailed(ILogger logger, EndPoint local, Exception exception);

    [LoggerMessage(EventId = 1115, EventName = "ShutdownLeft", Level = LogLevel.Warning, Message = "{Count} connections on {Local} did not end within the shutdown")]
    public static partial void ShutdownLeft(ILogger logger, EndPoint local, int count);
}
