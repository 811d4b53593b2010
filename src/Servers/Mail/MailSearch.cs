using System.Globalization;
using System.Text;

namespace Protocols.Servers.Mail;

/// <summary>What one search term looks at.</summary>
public enum MailSearchField
{
    /// <summary>Free text or a quoted phrase: words of the subject, the addresses and the text parts.</summary>
    Text,

    /// <summary><c>from:</c> substring of MAIL FROM or the From header.</summary>
    From,

    /// <summary><c>to:</c> substring of RCPT TO, To or Cc.</summary>
    To,

    /// <summary><c>subject:</c> substring of the subject.</summary>
    Subject,

    /// <summary><c>tag:</c> a keyword set on the message (exact, case-insensitive).</summary>
    Tag,

    /// <summary><c>has:attachment</c>.</summary>
    HasAttachment,

    /// <summary><c>is:unread</c> (<c>is:read</c> is its negation).</summary>
    Unread,

    /// <summary><c>is:flagged</c>.</summary>
    Flagged,

    /// <summary><c>before:DATE</c>: received before the start of that UTC day (or that instant).</summary>
    Before,

    /// <summary><c>after:DATE</c>: received at or after the end of that UTC day (or that instant).</summary>
    After,
}

/// <summary>One term; <see cref="Negated"/> for a leading <c>-</c> or <c>!</c>.</summary>
public sealed record MailSearchTerm(MailSearchField Field, string Value, bool Negated = false, DateTimeOffset? Instant = null);

/// <summary>A search text that does not parse; the message says why, in one line.</summary>
public sealed class MailSearchException(string message) : Exception(message);

/// <summary>
/// The search language, like Mailpit's: <c>from:</c>, <c>to:</c>, <c>subject:</c>, <c>tag:</c>, <c>has:attachment</c>,
/// <c>is:unread</c>/<c>is:read</c>/<c>is:flagged</c>, <c>before:</c>/<c>after:</c> (<c>2026-12-01</c> or an ISO 8601
/// instant), <c>"quoted phrases"</c> (also as values: <c>subject:"two words"</c>), free words; <c>-</c> or <c>!</c>
/// negates a term. Every term must match (AND). Field names are case-insensitive; an unknown <c>name:</c> is free text.
/// </summary>
public static class MailSearch
{
    /// <summary>Longest search text accepted.</summary>
    public const int MaxLength = 1000;

    /// <summary>Most terms in one search.</summary>
    public const int MaxTerms = 32;

    public static IReadOnlyList<MailSearchTerm> Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        if (text.Length > MaxLength) throw new MailSearchException($"the search is longer than {MaxLength} characters");
        var terms = new List<MailSearchTerm>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i == text.Length) break;
            var negated = false;
            if (text[i] is '-' or '!' && i + 1 < text.Length && !char.IsWhiteSpace(text[i + 1]))
            {
                negated = true;
                i++;
            }
            string? name = null;
            if (text[i] != '"')
            {
                var colon = IndexOfColonInWord(text, i);
                if (colon > i && IsField(text[i..colon]))
                {
                    name = text[i..colon].ToLowerInvariant();
                    i = colon + 1;
                }
            }
            var value = ReadValue(text, ref i, out var quoted);
            if (terms.Count == MaxTerms) throw new MailSearchException($"the search has more than {MaxTerms} terms");
            terms.Add(name is null ? TextTerm(value, quoted, negated) : FieldTerm(name, value, negated));
        }
        return terms;
    }

    private static MailSearchTerm TextTerm(string value, bool quoted, bool negated)
    {
        if (value.Length == 0 && quoted) throw new MailSearchException("an empty quoted phrase");
        return new MailSearchTerm(MailSearchField.Text, value, negated);
    }

    private static MailSearchTerm FieldTerm(string name, string value, bool negated)
    {
        if (value.Length == 0) throw new MailSearchException($"{name}: needs a value");
        switch (name)
        {
            case "from": return new(MailSearchField.From, value, negated);
            case "to": return new(MailSearchField.To, value, negated);
            case "subject": return new(MailSearchField.Subject, value, negated);
            case "tag": return new(MailSearchField.Tag, value, negated);
            case "has":
                return value.Equals("attachment", StringComparison.OrdinalIgnoreCase) || value.Equals("attachments", StringComparison.OrdinalIgnoreCase)
                    ? new(MailSearchField.HasAttachment, value, negated)
                    : throw new MailSearchException($"has:{value} is not known (has:attachment)");
            case "is":
                return value.ToLowerInvariant() switch
                {
                    "unread" or "unseen" => new(MailSearchField.Unread, value, negated),
                    "read" or "seen" => new(MailSearchField.Unread, value, !negated),
                    "flagged" or "starred" => new(MailSearchField.Flagged, value, negated),
                    _ => throw new MailSearchException($"is:{value} is not known (is:unread, is:read, is:flagged)"),
                };
            case "before":
            case "after":
                var instant = ParseDate(value, endOfDay: name == "after");
                return new(name == "before" ? MailSearchField.Before : MailSearchField.After, value, negated, instant);
            default: throw new InvalidOperationException(name);
        }
    }

    /// <summary>A date (a whole UTC day) or an ISO 8601 instant. <c>after:</c> a day means from the next day on.</summary>
    private static DateTimeOffset ParseDate(string value, bool endOfDay)
    {
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return endOfDay ? start.AddDays(1) : start;
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant)
            && value.Contains('T', StringComparison.Ordinal))
            return instant;
        throw new MailSearchException($"'{value}' is not a date (2026-12-01 or 2026-12-01T10:00:00Z)");
    }

    private static bool IsField(string name) =>
        name.ToLowerInvariant() is "from" or "to" or "subject" or "tag" or "has" or "is" or "before" or "after";

    private static int IndexOfColonInWord(string text, int start)
    {
        for (var j = start; j < text.Length && !char.IsWhiteSpace(text[j]) && text[j] != '"'; j++)
        {
            if (text[j] == ':') return j;
        }
        return -1;
    }

    private static string ReadValue(string text, ref int i, out bool quoted)
    {
        quoted = i < text.Length && text[i] == '"';
        if (!quoted)
        {
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i])) i++;
            return text[start..i];
        }
        var value = new StringBuilder();
        i++;
        while (i < text.Length && text[i] != '"')
        {
            if (text[i] == '\\' && i + 1 < text.Length) i++;
            value.Append(text[i++]);
        }
        if (i == text.Length) throw new MailSearchException("a quote is not closed");
        i++;
        return value.ToString().Trim();
    }
}
