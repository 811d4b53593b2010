using Protocols.Servers.Lines;

namespace Protocols.Servers.Smtp;

/// <summary>Session states (RFC 5321 §4.1.4 ordering).</summary>
[Flags]
public enum SmtpState
{
    /// <summary>Greeted, no EHLO/HELO yet.</summary>
    Connected = 1,
    /// <summary>After EHLO/HELO (or RSET): no transaction.</summary>
    Ready = 2,
    /// <summary>After MAIL.</summary>
    Mail = 4,
    /// <summary>After at least one accepted RCPT.</summary>
    Rcpt = 8,
    /// <summary>Between BDAT chunks (a non-LAST chunk was accepted).</summary>
    Chunking = 16,
    Any = Connected | Ready | Mail | Rcpt | Chunking,
}

public sealed partial class SmtpSession
{
    /// <summary>The verb table: verb -> states, argument rule, handler, next state, flags. "Junk" verbs are Postfix's
    /// (<c>smtpd_junk_command_limit</c>).</summary>
    private static readonly VerbTable<SmtpSession, SmtpState> Verbs = new VerbTable<SmtpSession, SmtpState>()
        .Add("EHLO", SmtpState.Any, static (s, c, _) => s.Hello(c.Argument, extended: true), flags: VerbFlags.Junk)
        .Add("HELO", SmtpState.Any, static (s, c, _) => s.Hello(c.Argument, extended: false), flags: VerbFlags.Junk)
        .Add("MAIL", SmtpState.Ready, static (s, c, t) => s.MailAsync(c.Argument, t), next: SmtpState.Mail, flags: VerbFlags.LongArgument)
        .Add("RCPT", SmtpState.Mail | SmtpState.Rcpt, static (s, c, t) => s.RecipientAsync(c.Argument, t), next: SmtpState.Rcpt, flags: VerbFlags.LongArgument)
        .Add("DATA", SmtpState.Mail | SmtpState.Rcpt, static (s, c, t) => s.DataAsync(t), ArgumentRule.None)
        .Add("BDAT", SmtpState.Mail | SmtpState.Rcpt | SmtpState.Chunking, static (s, c, t) => s.BdatAsync(c.Argument, t), payload: static (s, a) => s.ChunkSize(a))
        .Add("RSET", SmtpState.Any, static (s, c, _) => s.Rset(), flags: VerbFlags.Junk)
        .Add("NOOP", SmtpState.Any, static (s, c, _) => s.Ok(), flags: VerbFlags.Junk | VerbFlags.NoopLike)
        .Add("QUIT", SmtpState.Any, static (s, c, _) => s.Quit())
        .Add("VRFY", SmtpState.Any, static (s, c, _) => s.Verify(c.Argument), flags: VerbFlags.Junk)
        .Add("EXPN", SmtpState.Any, static (s, c, _) => s.Refused(SmtpRejectReason.CommandNotImplemented), flags: VerbFlags.Junk)
        .Add("HELP", SmtpState.Any, static (s, c, _) => s.Help(), flags: VerbFlags.Junk)
        .Add("STARTTLS", SmtpState.Ready, static (s, c, t) => s.StartTlsAsync(t), ArgumentRule.None)
        .Add("AUTH", SmtpState.Ready, static (s, c, t) => s.AuthAsync(c.Argument, t), flags: VerbFlags.Secret);
}
