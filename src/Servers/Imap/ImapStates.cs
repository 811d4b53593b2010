namespace Protocols.Servers.Imap;

/// <summary>The session states of RFC 9051 §3 in which a command is valid.</summary>
[Flags]
internal enum ImapStates
{
    NotAuthenticated = 1,
    Authenticated = 2,
    Selected = 4,
    Any = NotAuthenticated | Authenticated | Selected,
    LoggedIn = Authenticated | Selected,
}

/// <summary>How a command's handler went: the session goes on, or it ends (LOGOUT, BYE).</summary>
internal enum ImapOutcome
{
    Continue,
    Close,
}

/// <summary>One row of the command table (the model is Dovecot's imap-commands.c: each command with its flags).</summary>
/// <param name="States">Where the command is valid; elsewhere it is answered BAD.</param>
/// <param name="AllowExpunge">Whether untagged EXPUNGE may follow it (not after FETCH, STORE, SEARCH: RFC 9051 §7.5.1).</param>
internal sealed record ImapCommandRule(ImapStates States, bool AllowExpunge, Func<ImapSession, ImapCommand, CancellationToken, ValueTask<ImapOutcome>> Run);
