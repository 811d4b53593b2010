namespace Protocols.Servers.Smtp;

/// <summary>One RCPT TO: the forward-path and its parameters (DSN's NOTIFY and ORCPT, RFC 3461).</summary>
public sealed record SmtpRecipient(string Address, IReadOnlyDictionary<string, string?> Parameters)
{
    /// <summary>DSN NOTIFY (e.g. "SUCCESS,FAILURE"), or null.</summary>
    public string? Notify => Parameters.GetValueOrDefault("NOTIFY");

    /// <summary>DSN ORCPT (e.g. "rfc822;bob@example.org"), or null.</summary>
    public string? OriginalRecipient => Parameters.GetValueOrDefault("ORCPT");
}

/// <summary>The SMTP envelope of a message: MAIL FROM with its parameters and the accepted recipients.</summary>
public sealed record SmtpEnvelope(
    string From,
    IReadOnlyDictionary<string, string?> MailParameters,
    IReadOnlyList<SmtpRecipient> Recipients)
{
    /// <summary>BODY= (7BIT, 8BITMIME or BINARYMIME), or null.</summary>
    public string? Body => MailParameters.GetValueOrDefault("BODY");

    /// <summary>Whether MAIL FROM carried SMTPUTF8.</summary>
    public bool SmtpUtf8 => MailParameters.ContainsKey("SMTPUTF8");

    /// <summary>SIZE= declared by the client, or null.</summary>
    public long? DeclaredSize =>
        MailParameters.GetValueOrDefault("SIZE") is { } s && long.TryParse(s, out var n) ? n : null;

    /// <summary>DSN RET (FULL or HDRS), or null.</summary>
    public string? Ret => MailParameters.GetValueOrDefault("RET");

    /// <summary>DSN ENVID, or null.</summary>
    public string? EnvelopeId => MailParameters.GetValueOrDefault("ENVID");
}
