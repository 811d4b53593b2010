namespace Protocols.Servers.MailUi;

/// <summary>
/// The message view's Analysis tab (as smtp4dev's): <c>renderReport(pane, detail)</c> fetches
/// <c>api/messages/{id}/report</c> and lists the findings, each with the clients that do not support the feature and
/// its caniemail.com source; everything is put in with <c>textContent</c>. Part of <see cref="MailPage.Html"/>; its
/// style and script carry the page's nonce and use the page script's <c>el</c>.
/// </summary>
internal static class MailReportTab
{
    public const string Html = """
<style nonce="{{nonce}}">
.report { padding: 12px 14px; }
.report p { margin: 0 0 10px; }
.report .muted { color: var(--muted); font-size: 12px; }
.report-summary { font-weight: 600; }
ul.findings { list-style: none; margin: 0 0 12px; padding: 0; }
ul.findings > li { border: 1px solid var(--line); border-left: 3px solid var(--danger); border-radius: 4px; padding: 8px 10px; margin-bottom: 8px; }
ul.findings > li.feature { border-left-color: #d29922; }
ul.findings ul.examples { margin: 4px 0; padding-left: 18px; font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
ul.findings a { font-size: 12px; }
</style>
<script nonce="{{nonce}}">
"use strict";
async function renderReport(pane, d) {
  const box = el("div", null, "report");
  box.id = "report";
  box.append(el("p", "Checking…", "muted"));
  pane.append(box);
  const response = await fetch("api/messages/" + encodeURIComponent(d.summary.id) + "/report", { cache: "no-store" });
  const r = await response.json();
  box.replaceChildren();
  if (!response.ok) { box.append(el("p", r.error)); return; }
  if (!r.hasHtml) { box.append(el("p", "No HTML part: nothing to check.", "report-summary")); return; }
  const n = r.findings.length;
  box.append(el("p", n === 0 ? "No problems found." : n + (n === 1 ? " finding" : " findings"), "report-summary"));
  if (r.truncated) box.append(el("p", "The HTML part is long: only its first " + r.htmlChars + " characters were checked.", "muted"));
  const list = el("ul", null, "findings");
  for (const f of r.findings) {
    const li = el("li", null, f.check);
    li.dataset.check = f.check;
    if (f.feature) li.dataset.feature = f.feature;
    const title = el("div");
    title.append(el("b", f.title), f.count > 1 ? " × " + f.count : "");
    li.append(title);
    if (f.clients) li.append(el("div", "Not supported in: " + f.clients.join(", ")));
    if (f.partial) li.append(el("div", "In part: " + f.partial, "muted"));
    if (f.examples.length) { const ex = el("ul", null, "examples"); for (const e of f.examples) ex.append(el("li", e)); li.append(ex); }
    if (f.source) { const a = el("a", "source: " + f.source.replace("https://www.", "")); a.href = f.source; a.target = "_blank"; a.rel = "noopener noreferrer"; li.append(a); }
    list.append(li);
  }
  box.append(list);
  box.append(el("p", "Checked here, nothing fetched: HTML and CSS features that common clients do not support (caniemail.com data), links to #anchors, cid: images, alt text, a text part.", "muted"));
}
</script>
""";
}
