namespace Protocols.Servers.Mail.Analysis;

/// <summary>
/// An HTML or CSS feature the HTML report looks for, with the common mail clients that do not support it (or only in
/// part). <see cref="Source"/> is the caniemail.com page the row was written from; <see cref="TestedOn"/> its last
/// test date there. The rows are a summary written for this toolkit, not a copy of that data set.
/// </summary>
public sealed record EmailClientFeature(string Id, string Title, IReadOnlyList<string> Unsupported, string? Partial, string TestedOn)
{
    /// <summary>Where the row comes from: <c>https://www.caniemail.com/features/{id}/</c>.</summary>
    public string Source => "https://www.caniemail.com/features/" + Id + "/";
}

/// <summary>
/// The features the report checks (docs/catcher.md shows this table). Clients named as caniemail.com names them:
/// "Outlook for Windows" is the Word-rendered desktop Outlook 2007-2019; Gmail means its webmail and apps with a Gmail
/// account; Yahoo Mail includes AOL, which caniemail reports the same.
/// </summary>
public static class EmailClientFeatures
{
    public static readonly EmailClientFeature DisplayFlex = new("css-display-flex", "display:flex",
        ["Outlook for Windows", "Windows Mail"], null, "2020-11");

    public static readonly EmailClientFeature DisplayGrid = new("css-display-grid", "display:grid",
        ["Outlook for Windows", "Windows Mail", "Gmail (webmail, iOS, Android)", "Yahoo Mail", "Outlook iOS/Android"], null, "2019-02");

    public static readonly EmailClientFeature Position = new("css-position", "position (absolute, fixed, sticky, relative)",
        ["Gmail", "Outlook for Windows", "Windows Mail", "Outlook iOS"],
        "Yahoo Mail: relative only; Outlook.com: sticky only; Apple Mail: no fixed or sticky", "2021-05");

    public static readonly EmailClientFeature BoxShadow = new("css-box-shadow", "box-shadow",
        ["Gmail webmail", "Outlook for Windows", "Windows Mail", "Yahoo Mail"], "Gmail apps: only with non-Gmail accounts", "2023-12");

    public static readonly EmailClientFeature FontFace = new("css-at-font-face", "@font-face (web fonts)",
        ["Gmail", "Outlook.com", "Yahoo Mail", "Windows Mail", "Outlook iOS/Android"], "Outlook for Windows: the rule is read but remote fonts are ignored", "2019-07");

    public static readonly EmailClientFeature Variables = new("css-variables", "CSS custom properties (--name, var())",
        ["Gmail (declarations; var() works)", "Outlook for Windows", "Outlook.com", "Outlook iOS/Android", "Yahoo Mail"], null, "2020-02");

    public static readonly EmailClientFeature BackgroundImage = new("css-background-image", "CSS background images (url())",
        ["Outlook for Windows", "Windows Mail"], "Yahoo Mail: one image only (no comma-separated list)", "2019-02");

    public static readonly EmailClientFeature StyleInBody = new("html-style", "<style> inside <body>",
        ["Gmail", "Outlook for Windows"], "a <style> in <head> works in both", "2019-06");

    public static readonly EmailClientFeature Svg = new("html-svg", "embedded <svg>",
        ["Gmail", "Outlook for Windows", "Outlook.com", "Outlook iOS/Android", "Yahoo Mail", "Windows Mail"], null, "2020-02");

    public static readonly EmailClientFeature Video = new("html-video", "<video>",
        ["Gmail", "Outlook for Windows", "Windows Mail", "Outlook.com", "Outlook iOS/Android", "Yahoo Mail"], "stripped or replaced: the fallback content shows", "2019-09");

    public static readonly EmailClientFeature Form = new("html-form", "<form>",
        ["Outlook for Windows", "Outlook for Mac"], "Outlook.com: submits only from a message opened in its own window", "2019-09");

    public static readonly EmailClientFeature WebP = new("image-webp", "WebP images",
        ["Outlook for Windows"], "Gmail converts them to JPEG (no animation)", "2021-02");

    /// <summary>Every feature checked, in the order the report lists them.</summary>
    public static IReadOnlyList<EmailClientFeature> All { get; } =
        [DisplayFlex, DisplayGrid, Position, BoxShadow, FontFace, Variables, BackgroundImage, StyleInBody, Svg, Video, Form, WebP];
}
