using MimeKit;
using Protocols.Servers.Mail;

namespace Protocols.Servers.Imap;

/// <summary>One message as SEARCH sees it: its number, summary and, when a key needs it, its parse.</summary>
internal readonly record struct SearchTarget(uint Sequence, MailSummary Summary, MimeMessage? Message);

/// <summary>Evaluates a <see cref="SearchKey"/> against a message (RFC 9051 section 6.4.4: substring matches are case-insensitive).</summary>
internal static class SearchEvaluator
{
    public static bool Matches(SearchKey key, in SearchTarget target, uint maxSequence, uint maxUid)
    {
        var s = target.Summary;
        switch (key.Op)
        {
            case SearchOp.All: return true;
            case SearchOp.And:
                foreach (var child in key.Children!) if (!Matches(child, target, maxSequence, maxUid)) return false;
                return true;
            case SearchOp.Or: return Matches(key.Children![0], target, maxSequence, maxUid) || Matches(key.Children[1], target, maxSequence, maxUid);
            case SearchOp.Not: return !Matches(key.Children![0], target, maxSequence, maxUid);
            case SearchOp.Sequence: return key.Set!.Contains(target.Sequence, maxSequence);
            case SearchOp.Uid: return key.Set!.Contains((uint)Math.Min(uint.MaxValue, s.Uid), maxUid);
            case SearchOp.Flag: return HasFlag(s, key.Text!);
            case SearchOp.NoFlag: return !HasFlag(s, key.Text!);
            case SearchOp.Larger: return s.Size > key.Number;
            case SearchOp.Smaller: return s.Size < key.Number;
            case SearchOp.Before: return Day(s.ReceivedAt) < key.Date;
            case SearchOp.On: return Day(s.ReceivedAt) == key.Date;
            case SearchOp.Since: return Day(s.ReceivedAt) >= key.Date;
            case SearchOp.SentBefore: return SentDay(s) is { } b && b < key.Date;
            case SearchOp.SentOn: return SentDay(s) is { } o && o == key.Date;
            case SearchOp.SentSince: return SentDay(s) is { } d && d >= key.Date;
            case SearchOp.From: return Contains(s.From, key.Text) || Contains(s.EnvelopeFrom, key.Text);
            case SearchOp.To: return Contains(s.To, key.Text);
            case SearchOp.Cc: return Contains(s.Cc, key.Text);
            case SearchOp.Subject: return Contains(s.Subject, key.Text);
            case SearchOp.Bcc: return target.Message is { } bm && Contains(bm.Headers[HeaderId.Bcc], key.Text);
            case SearchOp.Header: return target.Message is { } hm && HeaderContains(hm, key.Field!, key.Text!);
            case SearchOp.Body: return target.Message is { } m && BodyContains(m, key.Text!);
            case SearchOp.Text:
                return target.Message is { } t && (BodyContains(t, key.Text!) || t.Headers.Any(h => Contains(h.Value, key.Text)));
            default: return false;
        }
    }

    /// <summary>Whether any key needs the parsed message (HEADER, BODY, TEXT, BCC).</summary>
    public static bool NeedsMessage(SearchKey key) => key.Op switch
    {
        SearchOp.And or SearchOp.Or or SearchOp.Not => key.Children!.Any(NeedsMessage),
        SearchOp.Bcc or SearchOp.Header or SearchOp.Body or SearchOp.Text => true,
        _ => false,
    };

    private static bool HasFlag(MailSummary s, string flag) =>
        ImapFormat.TryParseSystemFlag(flag, out var f) ? (s.Flags & f) != 0 : s.Keywords.Contains(flag, StringComparer.OrdinalIgnoreCase);

    /// <summary>INTERNALDATE comparisons use the date in the server's zone, ignoring the time (RFC 9051); ours is UTC.</summary>
    private static DateOnly Day(DateTimeOffset when) => DateOnly.FromDateTime(when.UtcDateTime);

    private static DateOnly? SentDay(MailSummary s) =>
        s.Date is { } text && MimeKit.Utils.DateUtils.TryParse(text, out var date) ? DateOnly.FromDateTime(date.DateTime) : null;

    private static bool Contains(string? haystack, string? needle) =>
        haystack is not null && needle is not null && haystack.Contains(needle, StringComparison.OrdinalIgnoreCase);

    private static bool HeaderContains(MimeMessage message, string field, string text)
    {
        foreach (var header in message.Headers)
        {
            if (!header.Field.Equals(field, StringComparison.OrdinalIgnoreCase)) continue;
            if (text.Length == 0 || Contains(header.Value, text)) return true;
        }
        return false;
    }

    private static bool BodyContains(MimeMessage message, string text)
    {
        foreach (var part in message.BodyParts.OfType<TextPart>())
        {
            if (Contains(part.Text, text)) return true;
        }
        return false;
    }
}
