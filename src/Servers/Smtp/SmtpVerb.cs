namespace Protocols.Servers.Smtp;

/// <summary>The verbs the server knows.</summary>
internal enum SmtpVerb
{
    Unknown, Helo, Ehlo, Mail, Rcpt, Data, Bdat, Rset, Noop, Quit, Vrfy, Expn, Help, StartTls, Auth,
}

/// <summary>Session states (RFC 5321 §4.1.4 ordering).</summary>
[Flags]
internal enum SmtpState
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

/// <summary>The state table: verb -> states it is allowed in. Transitions are in the verb handlers.</summary>
internal static class SmtpStateTable
{
    public static SmtpState AllowedIn(SmtpVerb verb) => verb switch
    {
        SmtpVerb.Helo or SmtpVerb.Ehlo => SmtpState.Any,
        SmtpVerb.Mail => SmtpState.Ready,
        SmtpVerb.Rcpt => SmtpState.Mail | SmtpState.Rcpt,
        SmtpVerb.Data => SmtpState.Mail | SmtpState.Rcpt,
        SmtpVerb.Bdat => SmtpState.Mail | SmtpState.Rcpt | SmtpState.Chunking,
        SmtpVerb.StartTls => SmtpState.Ready,
        SmtpVerb.Auth => SmtpState.Ready,
        SmtpVerb.Rset or SmtpVerb.Noop or SmtpVerb.Quit or SmtpVerb.Vrfy or SmtpVerb.Expn or SmtpVerb.Help => SmtpState.Any,
        _ => 0,
    };

    /// <summary>Verbs whose repeated use is budgeted (Postfix's "junk" commands).</summary>
    public static bool IsRepeatBudgeted(SmtpVerb verb) =>
        verb is SmtpVerb.Noop or SmtpVerb.Rset or SmtpVerb.Vrfy or SmtpVerb.Expn or SmtpVerb.Help
            or SmtpVerb.Helo or SmtpVerb.Ehlo;

    /// <summary>Recognises a verb (ASCII, case-insensitive) without allocating.</summary>
    public static SmtpVerb Parse(ReadOnlySpan<byte> verb)
    {
        if (verb.Length is < 4 or > 8) return SmtpVerb.Unknown;
        Span<byte> up = stackalloc byte[8];
        for (var i = 0; i < verb.Length; i++)
        {
            var b = verb[i];
            up[i] = b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b;
        }
        var v = up[..verb.Length];
        if (v.Length == 4)
        {
            if (v.SequenceEqual("MAIL"u8)) return SmtpVerb.Mail;
            if (v.SequenceEqual("RCPT"u8)) return SmtpVerb.Rcpt;
            if (v.SequenceEqual("DATA"u8)) return SmtpVerb.Data;
            if (v.SequenceEqual("BDAT"u8)) return SmtpVerb.Bdat;
            if (v.SequenceEqual("EHLO"u8)) return SmtpVerb.Ehlo;
            if (v.SequenceEqual("HELO"u8)) return SmtpVerb.Helo;
            if (v.SequenceEqual("RSET"u8)) return SmtpVerb.Rset;
            if (v.SequenceEqual("NOOP"u8)) return SmtpVerb.Noop;
            if (v.SequenceEqual("QUIT"u8)) return SmtpVerb.Quit;
            if (v.SequenceEqual("VRFY"u8)) return SmtpVerb.Vrfy;
            if (v.SequenceEqual("EXPN"u8)) return SmtpVerb.Expn;
            if (v.SequenceEqual("HELP"u8)) return SmtpVerb.Help;
            if (v.SequenceEqual("AUTH"u8)) return SmtpVerb.Auth;
            return SmtpVerb.Unknown;
        }
        return v.SequenceEqual("STARTTLS"u8) ? SmtpVerb.StartTls : SmtpVerb.Unknown;
    }
}
