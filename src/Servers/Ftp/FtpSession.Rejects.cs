using Protocols.Servers.Lines;

namespace Protocols.Servers.Ftp;

/// <summary>The states of an FTP control connection, as the verb table sees them.</summary>
[Flags]
public enum FtpState
{
    /// <summary>Connected, not logged in: USER, PASS, AUTH, FEAT and the like.</summary>
    Connected = 1,
    /// <summary>Logged in: the file and transfer commands too.</summary>
    LoggedIn = 2,
}

/// <summary>FTP's own refusals, besides the kernel's (<see cref="LineReject"/>).</summary>
internal enum FtpReject
{
    /// <summary>The line is no command at all (no verb of 1-16 letters or digits).</summary>
    Unrecognized,
    /// <summary>The argument is not UTF-8 (RFC 2640: paths are UTF-8).</summary>
    ArgumentEncoding,
    /// <summary>PASS without USER, RNTO without RNFR, PBSZ/PROT before AUTH, AUTH under TLS, PORT after EPSV ALL.</summary>
    BadSequence,
    /// <summary>A wrong user name or password.</summary>
    LoginFailed,
    /// <summary>A write command from a user without write permission.</summary>
    PermissionDenied,
}

public sealed partial class FtpSession
{
    /// <summary>
    /// FTP's reject table: 500 unknown or unrecognized, 501 syntax, 503 sequence, 530 not logged in, and the closing
    /// 421s (budgets, timeouts, shutdown, connection limits). Replies, log reasons and metric tags come from here.
    /// </summary>
    internal static readonly RejectTable<FtpReject> Rejects = new RejectTable<FtpReject>()
        .Set(FtpReject.Unrecognized, 500, null, "Syntax error, command unrecognized.")
        .Set(FtpReject.ArgumentEncoding, 501, null, "Arguments must be UTF-8.")
        .Set(FtpReject.BadSequence, 503, null, "Bad sequence of commands.")
        .Set(FtpReject.LoginFailed, 530, null, "Login incorrect.")
        .Set(FtpReject.PermissionDenied, 550, null, "Permission denied.")
        .Set(LineReject.UnknownCommand, 500, null, "Unknown command.")
        .Set(LineReject.SyntaxError, 501, null, "Syntax error in parameters or arguments.")
        .Set(LineReject.BadSequence, 530, null, "Please login with USER and PASS.", tag: "not-logged-in")
        .Set(LineReject.LineTooLong, 500, null, "Command line too long.")
        .Set(LineReject.ProtocolError, 421, null, "Protocol error, closing.", closes: true)
        .Set(LineReject.TooManyErrors, 421, null, "Too many bad commands, closing.", closes: true)
        .Set(LineReject.TooManyRepeats, 421, null, "Too many repeated commands, closing.", closes: true)
        .Set(LineReject.TooManyNoops, 421, null, "Too many commands without effect, closing.", closes: true)
        .Set(LineReject.TooManyAuthFailures, 421, null, "Too many failed logins, closing.", closes: true)
        .Set(LineReject.Timeout, 421, null, "Timeout.", closes: true)
        .Set(LineReject.ShuttingDown, 421, null, "Server shutting down.", closes: true)
        .Set(LineReject.TooManyConnections, 421, null, "Too many connections, try again later.", closes: true)
        .Set(LineReject.TooManyConnectionsFromAddress, 421, null, "Too many connections, try again later.", closes: true)
        .Seal();
}
