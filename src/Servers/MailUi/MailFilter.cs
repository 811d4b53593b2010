using Microsoft.AspNetCore.Http;

namespace Protocols.Servers.MailUi;

/// <summary>
/// Which messages a list or a wait asks for: <c>address</c> (in MAIL FROM, RCPT TO, From, To or Cc), <c>from</c>,
/// <c>to</c>, <c>subject</c>; each a case-insensitive substring; all given must match.
/// </summary>
internal sealed record MailFilter(string? Address, string? From, string? To, string? Subject)
{
    public static MailFilter FromQuery(IQueryCollection query) =>
        new(Value(query, "address"), Value(query, "from"), Value(query, "to"), Value(query, "subject"));

    private static string? Value(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && !string.IsNullOrWhiteSpace(values.ToString()) ? values.ToString().Trim() : null;

    public bool Matches(CapturedMail mail)
    {
        var view = mail.Headline;
        if (Subject is not null && !Has(view.Subject, Subject)) return false;
        if (From is not null && !Has(mail.EnvelopeFrom, From) && !Has(view.From, From)) return false;
        if (To is not null && !mail.EnvelopeTo.Any(t => Has(t, To)) && !Has(view.To, To) && !Has(view.Cc, To)) return false;
        if (Address is not null && !Has(mail.EnvelopeFrom, Address) && !mail.EnvelopeTo.Any(t => Has(t, Address))
            && !Has(view.From, Address) && !Has(view.To, Address) && !Has(view.Cc, Address)) return false;
        return true;
    }

    private static bool Has(string? value, string part) => value?.Contains(part, StringComparison.OrdinalIgnoreCase) == true;
}
