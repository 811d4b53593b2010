using System.Text.RegularExpressions;
using MimeKit.Text;

namespace Protocols.Servers.Mail.Analysis;

/// <summary>
/// One pass over an HTML body with MimeKit's <see cref="HtmlTokenizer"/> (no DOM, nothing fetched): the features of
/// <see cref="EmailClientFeatures"/> seen in elements, style attributes and <c>&lt;style&gt;</c> elements, the
/// anchors defined and the fragments linked, the <c>cid:</c> references, the images without <c>alt</c>. Comments
/// (Outlook's conditional ones included) are not looked into. The caller bounds the input.
/// </summary>
internal sealed partial class HtmlScanner
{
    /// <summary>Elements that may come before the body without starting it.</summary>
    private static readonly HashSet<string> HeadElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "html", "head", "meta", "title", "style", "link", "base", "script", "noscript",
    };

    public Dictionary<string, Evidence> Features { get; } = [];

    /// <summary>Every <c>id</c>, and every <c>name</c> of an <c>&lt;a&gt;</c>: what <c>#fragment</c> links may point at.</summary>
    public HashSet<string> Anchors { get; } = new(StringComparer.Ordinal);

    /// <summary>The fragments of <c>href="#..."</c> links, decoded, one per link.</summary>
    public List<string> Fragments { get; } = [];

    /// <summary>The Content-IDs that <c>cid:</c> URLs refer to, decoded, one per reference.</summary>
    public List<string> ContentIds { get; } = [];

    public Evidence ImagesWithoutAlt { get; } = new();

    public static HtmlScanner Scan(string html)
    {
        var scan = new HtmlScanner();
        using var reader = new StringReader(html);
        var tokenizer = new HtmlTokenizer(reader);
        var inBody = false;
        var inStyle = false;
        while (tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case HtmlTagToken { IsEndTag: true } end:
                    if (end.Name.Equals("style", StringComparison.OrdinalIgnoreCase)) inStyle = false;
                    break;
                case HtmlTagToken tag:
                    if (!HeadElements.Contains(tag.Name)) inBody = true;
                    scan.Tag(tag, inBody);
                    inStyle = tag.Name.Equals("style", StringComparison.OrdinalIgnoreCase) && !tag.IsEmptyElement;
                    break;
                case HtmlDataToken data when inStyle:
                    scan.Css(data.Data, "<style>");
                    break;
            }
        }
        return scan;
    }

    private void Tag(HtmlTagToken tag, bool inBody)
    {
        var name = tag.Name.ToLowerInvariant();
        switch (name)
        {
            case "svg": Seen(EmailClientFeatures.Svg, "<svg>"); break;
            case "video": Seen(EmailClientFeatures.Video, "<video>"); break;
            case "form": Seen(EmailClientFeatures.Form, "<form>"); break;
            case "style" when inBody: Seen(EmailClientFeatures.StyleInBody, "<style> in <body>"); break;
        }
        string? alt = null, src = null;
        foreach (var attribute in tag.Attributes)
        {
            var value = attribute.Value ?? "";
            switch (attribute.Name.ToLowerInvariant())
            {
                case "id" when value.Length > 0: Anchors.Add(value); break;
                case "name" when name == "a" && value.Length > 0: Anchors.Add(value); break;
                case "href" when name is "a" or "area" && value.StartsWith('#'): Fragments.Add(Uri.UnescapeDataString(value[1..])); break;
                case "style": Css(value, $"style of <{name}>"); break;
                case "alt": alt = value; break;
                case "src" or "background":
                    if (attribute.Name.Equals("src", StringComparison.OrdinalIgnoreCase)) src = value;
                    Reference(value);
                    if (IsWebP(value)) Seen(EmailClientFeatures.WebP, $"<{name} src=\"{value}\">");
                    break;
                case "srcset" when value.Contains(".webp", StringComparison.OrdinalIgnoreCase): Seen(EmailClientFeatures.WebP, $"<{name} srcset>"); break;
                case "type" when name == "source" && value.Equals("image/webp", StringComparison.OrdinalIgnoreCase): Seen(EmailClientFeatures.WebP, "<source type=\"image/webp\">"); break;
            }
        }
        if (name == "img" && alt is null) ImagesWithoutAlt.Add(src is null ? "<img> without src" : $"<img src=\"{src}\">");
    }

    /// <summary>A <c>cid:</c> URL (RFC 2392: the Content-ID without brackets, percent-encoded).</summary>
    private void Reference(string url)
    {
        var trimmed = url.Trim();
        if (trimmed.StartsWith("cid:", StringComparison.OrdinalIgnoreCase) && trimmed.Length > 4) ContentIds.Add(Uri.UnescapeDataString(trimmed[4..]));
    }

    private static bool IsWebP(string url)
    {
        var trimmed = url.Trim();
        if (trimmed.StartsWith("data:image/webp", StringComparison.OrdinalIgnoreCase)) return true;
        var end = trimmed.IndexOfAny(['?', '#']);
        return (end < 0 ? trimmed : trimmed[..end]).EndsWith(".webp", StringComparison.OrdinalIgnoreCase);
    }

    private void Css(string css, string where)
    {
        Match(FlexPattern(), EmailClientFeatures.DisplayFlex, css, where);
        Match(GridPattern(), EmailClientFeatures.DisplayGrid, css, where);
        Match(PositionPattern(), EmailClientFeatures.Position, css, where);
        Match(BoxShadowPattern(), EmailClientFeatures.BoxShadow, css, where);
        Match(FontFacePattern(), EmailClientFeatures.FontFace, css, where);
        Match(VariablePattern(), EmailClientFeatures.Variables, css, where);
        Match(BackgroundImagePattern(), EmailClientFeatures.BackgroundImage, css, where);
        try
        {
            foreach (Match url in CssCidPattern().Matches(css)) ContentIds.Add(Uri.UnescapeDataString(url.Groups[1].Value));
        }
        catch (RegexMatchTimeoutException)
        {
            // cid: references in this CSS are not checked
        }
    }

    private void Match(Regex pattern, EmailClientFeature feature, string css, string where)
    {
        try
        {
            foreach (Match match in pattern.Matches(css)) Seen(feature, $"{Squeeze(match.Value)} ({where})");
        }
        catch (RegexMatchTimeoutException)
        {
            Seen(feature, $"(CSS too complex to check in full: {where})");
        }
    }

    /// <summary>"display :  flex" as "display: flex"; a long url() cut.</summary>
    private static string Squeeze(string text) => WhitespacePattern().Replace(text, " ").Replace(" :", ":", StringComparison.Ordinal);

    private void Seen(EmailClientFeature feature, string example)
    {
        if (!Features.TryGetValue(feature.Id, out var evidence)) Features[feature.Id] = evidence = new Evidence();
        evidence.Add(example);
    }

    // Patterns on CSS text: simple alternations and classes, linear on this engine; a timeout all the same.
    private const int Ms = 1000;

    [GeneratedRegex(@"(?<![\w-])display\s*:\s*(inline-)?flex\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, Ms)]
    private static partial Regex FlexPattern();

    [GeneratedRegex(@"(?<![\w-])display\s*:\s*(inline-)?grid\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, Ms)]
    private static partial Regex GridPattern();

    [GeneratedRegex(@"(?<![\w-])position\s*:\s*(absolute|fixed|sticky|relative)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, Ms)]
    private static partial Regex PositionPattern();

    [GeneratedRegex(@"(?<![\w-])box-shadow\s*:", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, Ms)]
    private static partial Regex BoxShadowPattern();

    [GeneratedRegex(@"@font-face\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, Ms)]
    private static partial Regex FontFacePattern();

    [GeneratedRegex(@"(?<![\w-])--[a-z_][\w-]{0,100}\s*:|var\(\s*--[\w-]{1,100}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, Ms)]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"(?<![\w-])background(-image)?\s*:[^;}]{0,200}?url\(", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, Ms)]
    private static partial Regex BackgroundImagePattern();

    [GeneratedRegex(@"url\(\s*['""]?cid:([^'"")\s]{1,300})", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, Ms)]
    private static partial Regex CssCidPattern();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant, Ms)]
    private static partial Regex WhitespacePattern();
}
