namespace Protocols.Servers.Smtp;

/// <summary>A reply a hook or a scripted fault wants sent instead of the default: code, optional enhanced status
/// code (RFC 3463, "x.y.z") and one line of text.</summary>
public sealed record SmtpResponse(int Code, string Text, string? Enhanced = null)
{
    /// <summary>The reply the table gives for <paramref name="reason"/>.</summary>
    public static SmtpResponse For(SmtpRejectReason reason)
    {
        var e = SmtpRejectReasons.Get(reason);
        return new SmtpResponse(e.Code, e.Text, e.Enhanced);
    }

    /// <summary>Whether this reply accepts (2xx/3xx).</summary>
    public bool IsPositive => Code is >= 200 and < 400;
}
