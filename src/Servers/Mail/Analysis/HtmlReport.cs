using MimeKit;

namespace Protocols.Servers.Mail.Analysis;

/// <summary>The names of the report's checks, as <see cref="HtmlFinding.Check"/> carries them.</summary>
public static class HtmlCheck
{
    /// <summary>An HTML or CSS feature some common clients do not support (<see cref="EmailClientFeatures"/>).</summary>
    public const string Feature = "feature";

    /// <summary>A link to <c>#name</c> with no element of that <c>id</c> (or <c>&lt;a name&gt;</c>) in the message.</summary>
    public const string BrokenAnchor = "broken-anchor";

    /// <summary>A <c>cid:</c> reference (image, background) with no part of that Content-ID in the message.</summary>
    public const string MissingCid = "missing-cid";

    /// <summary>An <c>&lt;img&gt;</c> without an <c>alt</c> attribute (<c>alt=""</c> marks a decorative image and is fine).</summary>
    public const string ImageWithoutAlt = "image-without-alt";

    /// <summary>An HTML message without a text/plain part for clients and filters that read only text.</summary>
    public const string NoTextPart = "no-text-part";
}

/// <summary>
/// One problem the report found: which check, a one-line title, how many times, and up to
/// <see cref="HtmlReport.MaxExamples"/> examples (where it was seen, the link or the image). A feature finding also
/// names the clients that do not support it and the source of that data.
/// </summary>
public sealed record HtmlFinding(string Check, string Title, int Count, IReadOnlyList<string> Examples)
{
    /// <summary>The feature's id (caniemail.com's slug), for <see cref="HtmlCheck.Feature"/>.</summary>
    public string? Feature { get; init; }

    /// <summary>The clients that do not support the feature.</summary>
    public IReadOnlyList<string>? Clients { get; init; }

    /// <summary>Partial support, where the source notes it.</summary>
    public string? Partial { get; init; }

    /// <summary>Where the client data comes from (a caniemail.com page).</summary>
    public string? Source { get; init; }
}

/// <summary>
/// The HTML and link report of one message, computed locally (nothing is fetched): the features of
/// <see cref="EmailClientFeatures.All"/> the HTML uses, internal links to anchors that are not there, <c>cid:</c>
/// references to parts that are not there, images without <c>alt</c>, and a missing text part. The HTML looked at is
/// bounded (<see cref="MaxHtmlChars"/>; <see cref="Truncated"/> says when the rest was not looked at).
/// </summary>
public sealed record HtmlReport(bool HasHtml, bool HasText, int HtmlChars, bool Truncated, IReadOnlyList<HtmlFinding> Findings)
{
    /// <summary>Most characters of HTML looked at (2 Mi): past them the report says <see cref="Truncated"/>.</summary>
    public const int MaxHtmlChars = 2 * 1024 * 1024;

    /// <summary>Most examples kept per finding (the count goes on).</summary>
    public const int MaxExamples = 10;

    /// <summary>Most characters of one example.</summary>
    public const int MaxExampleChars = 160;

    /// <summary>The report of a parsed message: its HTML body, whether it has a text body, its parts' Content-IDs.</summary>
    public static HtmlReport Of(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Analyze(message.HtmlBody, message.TextBody is not null, ContentIdsOf(message));
    }

    /// <summary>The Content-IDs of every part of a message (without the angle brackets).</summary>
    public static IReadOnlyList<string> ContentIdsOf(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return [.. message.BodyParts.Select(p => p.ContentId).OfType<string>()];
    }

    /// <summary>The report of an HTML body (null: the message has none), given whether there is a text body and the
    /// Content-IDs of the message's parts.</summary>
    public static HtmlReport Analyze(string? html, bool hasText, IReadOnlyCollection<string> contentIds)
    {
        ArgumentNullException.ThrowIfNull(contentIds);
        if (html is null) return new HtmlReport(false, hasText, 0, false, []);
        var truncated = html.Length > MaxHtmlChars;
        var scan = HtmlScanner.Scan(truncated ? html[..MaxHtmlChars] : html);
        var findings = new List<HtmlFinding>();
        foreach (var feature in EmailClientFeatures.All)
        {
            if (scan.Features.TryGetValue(feature.Id, out var seen))
                findings.Add(new HtmlFinding(HtmlCheck.Feature, feature.Title, seen.Count, seen.Examples)
                {
                    Feature = feature.Id, Clients = feature.Unsupported, Partial = feature.Partial, Source = feature.Source,
                });
        }
        var anchors = new Evidence();
        foreach (var fragment in scan.Fragments)
        {
            // "#" and "#top" go to the top of the document (HTML's fragment rules) without any anchor.
            if (fragment.Length == 0 || fragment.Equals("top", StringComparison.OrdinalIgnoreCase) || scan.Anchors.Contains(fragment)) continue;
            anchors.Add("#" + fragment);
        }
        if (anchors.Count > 0) findings.Add(new HtmlFinding(HtmlCheck.BrokenAnchor, "links to anchors that are not in the message", anchors.Count, anchors.Examples));
        var ids = new HashSet<string>(contentIds, StringComparer.OrdinalIgnoreCase);
        var cids = new Evidence();
        foreach (var cid in scan.ContentIds)
        {
            if (!ids.Contains(cid)) cids.Add("cid:" + cid);
        }
        if (cids.Count > 0) findings.Add(new HtmlFinding(HtmlCheck.MissingCid, "cid: references to parts that are not in the message", cids.Count, cids.Examples));
        if (scan.ImagesWithoutAlt.Count > 0)
            findings.Add(new HtmlFinding(HtmlCheck.ImageWithoutAlt, "images without alt text", scan.ImagesWithoutAlt.Count, scan.ImagesWithoutAlt.Examples));
        if (!hasText)
            findings.Add(new HtmlFinding(HtmlCheck.NoTextPart, "no text/plain part: text-only clients and spam filters see nothing to read", 1, []));
        return new HtmlReport(true, hasText, html.Length, truncated, findings);
    }
}

/// <summary>A count and the first <see cref="HtmlReport.MaxExamples"/> distinct examples, each cut to a readable length.</summary>
internal sealed class Evidence
{
    private readonly List<string> _examples = [];

    public int Count { get; private set; }

    public IReadOnlyList<string> Examples => _examples;

    public void Add(string example)
    {
        Count++;
        if (_examples.Count >= HtmlReport.MaxExamples) return;
        var clean = new string([.. example.Take(HtmlReport.MaxExampleChars + 1).Select(c => char.IsControl(c) ? ' ' : c)]).Trim();
        if (clean.Length > HtmlReport.MaxExampleChars) clean = clean[..(HtmlReport.MaxExampleChars - 3)] + "...";
        if (!_examples.Contains(clean)) _examples.Add(clean);
    }
}
