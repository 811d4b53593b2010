using Protocols.Servers.Mail.Analysis;
using Protocols.Servers.Smtp;
using Protocols.Tests.Messages;

namespace Protocols.Tests.Mail;

/// <summary>
/// The HTML and link report (issue 16.6): each check on a fixture where it finds something and on one where it finds
/// nothing (fixtures/mail/html-report/), each feature of the table on a snippet that uses it and one that does not,
/// and the report's bounds at and past their limits.
/// </summary>
public class HtmlReportTests
{
    private static HtmlReport Fixture(string name) => HtmlReport.Of(MailParser.Load(MailFixtures.Read("html-report/" + name)));

    private static HtmlReport Html(string html, bool hasText = true, params string[] contentIds) => HtmlReport.Analyze(html, hasText, contentIds);

    private static HtmlFinding? Finding(HtmlReport report, string check) => report.Findings.SingleOrDefault(f => f.Check == check);

    [Test]
    public void A_clean_message_has_no_findings()
    {
        var report = Fixture("clean.eml");
        Assert.That(report.HasHtml, Is.True);
        Assert.That(report.HasText, Is.True);
        Assert.That(report.Truncated, Is.False);
        Assert.That(report.Findings, Is.Empty, string.Join("; ", report.Findings.Select(f => f.Title + ": " + string.Join(", ", f.Examples))));
    }

    [Test]
    public void Every_feature_of_the_table_is_found_in_the_features_fixture_with_its_clients_and_source()
    {
        var report = Fixture("features.eml");
        var features = report.Findings.Where(f => f.Check == HtmlCheck.Feature).ToList();
        Assert.That(features.Select(f => f.Feature), Is.EquivalentTo(EmailClientFeatures.All.Select(f => f.Id)));
        Assert.That(report.Findings.Where(f => f.Check != HtmlCheck.Feature), Is.Empty, "only features: the fixture has a text part, alt text, no anchors");
        var flex = features.Single(f => f.Feature == "css-display-flex");
        Assert.That(flex.Count, Is.EqualTo(1), "the display:flex inside Outlook's conditional comment is not counted");
        Assert.That(flex.Examples, Is.EqualTo(new[] { "display: flex (style of <div>)" }));
        Assert.That(flex.Clients, Does.Contain("Outlook for Windows"));
        Assert.That(flex.Source, Is.EqualTo("https://www.caniemail.com/features/css-display-flex/"));
        Assert.That(features.Single(f => f.Feature == "css-variables").Count, Is.EqualTo(2), "the declaration and the var()");
        Assert.That(features.Single(f => f.Feature == "css-box-shadow").Examples.Single(), Is.EqualTo("box-shadow: (<style>)"));
        Assert.That(features.Single(f => f.Feature == "html-style").Examples.Single(), Is.EqualTo("<style> in <body>"));
        Assert.That(features.Single(f => f.Feature == "image-webp").Examples.Single(), Does.Contain("photo.webp"));
    }

    [TestCase("<div style=\"display:inline-flex\">", "css-display-flex")]
    [TestCase("<style>.a{display : grid}</style>", "css-display-grid")]
    [TestCase("<p style=\"position: fixed\">", "css-position")]
    [TestCase("<p style=\"position:sticky\">", "css-position")]
    [TestCase("<p style=\"box-shadow:none\">", "css-box-shadow")]
    [TestCase("<style>@FONT-FACE { font-family: x }</style>", "css-at-font-face")]
    [TestCase("<p style=\"--gap: 4px\">", "css-variables")]
    [TestCase("<p style=\"color: var(--ink)\">", "css-variables")]
    [TestCase("<td style=\"background: #fff url('a.png') no-repeat\">", "css-background-image")]
    [TestCase("<p>x</p><style>p{}</style>", "html-style")]
    [TestCase("<SVG></SVG>", "html-svg")]
    [TestCase("<video></video>", "html-video")]
    [TestCase("<form></form>", "html-form")]
    [TestCase("<img alt=\"\" src=\"data:image/webp;base64,AAAA\">", "image-webp")]
    [TestCase("<img alt=\"\" src=\"https://e.example/p.WEBP?size=2\">", "image-webp")]
    [TestCase("<picture><source type=\"image/webp\" srcset=\"a\"></picture>", "image-webp")]
    public void A_feature_is_found(string html, string feature) =>
        Assert.That(Html(html).Findings.Select(f => f.Feature), Does.Contain(feature));

    [TestCase("<div style=\"display:block; flex-basis: 0\">")]
    [TestCase("<div style=\"display: flexible\">")]
    [TestCase("<p style=\"background-color: #fff; background-position: top\">")]
    [TestCase("<p style=\"text-position: fixed; border-radius: 2px\">")]
    [TestCase("<p data-style=\"display:flex\">display:flex as text, box-shadow: too</p>")]
    [TestCase("<html><head><style>p { color: red }</style></head><body><p>x</p></body></html>")]
    [TestCase("<style>p { color: red }</style><p>a style before any content is in the head</p>")]
    [TestCase("<img alt=\"\" src=\"https://e.example/webp/photo.png\">")]
    [TestCase("<!-- <svg></svg> <video> <form> -->")]
    public void No_feature_is_found(string html) =>
        Assert.That(Html(html).Findings.Where(f => f.Check == HtmlCheck.Feature).Select(f => f.Feature), Is.Empty);

    [Test]
    public void Broken_anchors_are_found_and_present_ones_are_not()
    {
        var finding = Finding(Fixture("broken-links.eml"), HtmlCheck.BrokenAnchor);
        Assert.That(finding, Is.Not.Null);
        Assert.That(finding!.Count, Is.EqualTo(2), "two links to #missing; #present, #named, #top, #, and the encoded #café are fine");
        Assert.That(finding.Examples, Is.EqualTo(new[] { "#missing" }));
        Assert.That(Finding(Fixture("clean.eml"), HtmlCheck.BrokenAnchor), Is.Null);
        Assert.That(Finding(Html("<a href=\"#Present\">x</a><p id=\"present\">"), HtmlCheck.BrokenAnchor), Is.Not.Null, "ids are case-sensitive");
    }

    [Test]
    public void Missing_cid_parts_are_found_and_present_ones_are_not()
    {
        var finding = Finding(Fixture("broken-links.eml"), HtmlCheck.MissingCid);
        Assert.That(finding, Is.Not.Null);
        Assert.That(finding!.Examples, Is.EqualTo(new[] { "cid:gone@example.com", "cid:bg-gone@example.com" }));
        Assert.That(Finding(Fixture("clean.eml"), HtmlCheck.MissingCid), Is.Null);
        Assert.That(Finding(Html("<p style=\"background: url('cid:x%40y')\">", true, "x@y"), HtmlCheck.MissingCid), Is.Null, "cid: in CSS, percent-decoded");
        Assert.That(Finding(Html("<p style=\"background: url(cid:nope)\">", true, "x@y"), HtmlCheck.MissingCid)?.Count, Is.EqualTo(1));
    }

    [Test]
    public void Images_without_alt_are_found_and_empty_alt_is_not()
    {
        var finding = Finding(Fixture("no-alt.eml"), HtmlCheck.ImageWithoutAlt);
        Assert.That(finding, Is.Not.Null);
        Assert.That(finding!.Count, Is.EqualTo(2));
        Assert.That(finding.Examples, Is.EqualTo(new[] { "<img src=\"https://example.com/a.png\">", "<img src=\"https://example.com/d.png\">" }));
        Assert.That(Finding(Fixture("clean.eml"), HtmlCheck.ImageWithoutAlt), Is.Null);
    }

    [Test]
    public void A_missing_text_part_is_found_and_a_present_one_is_not()
    {
        var report = Fixture("html-only.eml");
        Assert.That(report.HasText, Is.False);
        Assert.That(Finding(report, HtmlCheck.NoTextPart), Is.Not.Null);
        Assert.That(Finding(Fixture("clean.eml"), HtmlCheck.NoTextPart), Is.Null);
    }

    [Test]
    public void A_message_without_html_has_nothing_to_check()
    {
        var report = HtmlReport.Of(MailParser.Load("From: a@example.com\r\nSubject: plain\r\n\r\nplain text\r\n"u8.ToArray()));
        Assert.That(report.HasHtml, Is.False);
        Assert.That(report.HasText, Is.True);
        Assert.That(report.Findings, Is.Empty);
    }

    [Test]
    public void Html_is_looked_at_up_to_the_limit_and_the_rest_is_reported_as_truncated()
    {
        var filler = new string(' ', HtmlReport.MaxHtmlChars - "<svg>".Length);
        var atLimit = Html(filler + "<svg>");
        Assert.That(atLimit.Truncated, Is.False);
        Assert.That(atLimit.HtmlChars, Is.EqualTo(HtmlReport.MaxHtmlChars));
        Assert.That(atLimit.Findings.Select(f => f.Feature), Does.Contain("html-svg"));
        var past = Html(new string(' ', HtmlReport.MaxHtmlChars) + "<svg>");
        Assert.That(past.Truncated, Is.True);
        Assert.That(past.Findings.Select(f => f.Feature), Does.Not.Contain("html-svg"), "past the limit nothing is looked at");
    }

    [Test]
    public void A_finding_keeps_its_count_but_at_most_ten_examples_each_cut_to_length()
    {
        var images = string.Concat(Enumerable.Range(0, HtmlReport.MaxExamples + 1).Select(i => $"<img src=\"{i}.png\">"));
        var finding = Finding(Html(images), HtmlCheck.ImageWithoutAlt)!;
        Assert.That(finding.Count, Is.EqualTo(HtmlReport.MaxExamples + 1));
        Assert.That(finding.Examples, Has.Count.EqualTo(HtmlReport.MaxExamples));
        var exactly = Finding(Html(string.Concat(Enumerable.Range(0, HtmlReport.MaxExamples).Select(i => $"<img src=\"{i}.png\">"))), HtmlCheck.ImageWithoutAlt)!;
        Assert.That(exactly.Examples, Has.Count.EqualTo(HtmlReport.MaxExamples));

        var longSource = new string('a', 500);
        var example = Finding(Html($"<img src=\"{longSource}\">"), HtmlCheck.ImageWithoutAlt)!.Examples.Single();
        Assert.That(example, Has.Length.EqualTo(HtmlReport.MaxExampleChars));
        Assert.That(example, Does.EndWith("..."));
        var fits = "<img src=\"\">".Length;
        var exact = Finding(Html($"<img src=\"{new string('b', HtmlReport.MaxExampleChars - fits)}\">"), HtmlCheck.ImageWithoutAlt)!.Examples.Single();
        Assert.That(exact, Has.Length.EqualTo(HtmlReport.MaxExampleChars));
        Assert.That(exact, Does.Not.EndWith("..."));
    }

    [Test]
    public void Broken_html_gives_a_report_not_an_exception()
    {
        foreach (var html in new[] { "<", "<a href=\"#", "<style>", "<img src=\"cid:", "<<<>>>", "<a href='#x'><p id=x", "\0<svg\0>" })
            Assert.DoesNotThrow(() => Html(html), html);
        Assert.That(Finding(Html("<a href='#x'>x</a><p id=x>"), HtmlCheck.BrokenAnchor), Is.Null, "unquoted id");
    }

    [Test]
    public void The_feature_table_names_clients_and_a_caniemail_source_for_every_row()
    {
        Assert.That(EmailClientFeatures.All.Select(f => f.Id), Is.Unique);
        foreach (var feature in EmailClientFeatures.All)
        {
            Assert.That(feature.Unsupported, Is.Not.Empty, feature.Id);
            Assert.That(feature.Source, Does.StartWith("https://www.caniemail.com/features/"), feature.Id);
            Assert.That(feature.TestedOn, Does.Match(@"^\d{4}-\d{2}$"), feature.Id);
        }
    }
}
