namespace Protocols.Servers.MailUi;

/// <summary>
/// The captured-mail page: one HTML document with its CSS and script inline (no external assets; the page's CSP
/// allows only code carrying the per-response nonce). Message data is put in with <c>textContent</c>, never as HTML;
/// a message's HTML part is shown only in a sandboxed iframe served with its own blocking CSP. The Analysis tab
/// (<see cref="MailReportTab"/>) and the Release form (<see cref="MailReleaseForm"/>) are parts of it.
/// </summary>
internal static class MailPage
{
    public const string Html = """
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Captured mail · proto</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 viewBox=%220 0 16 16%22%3E%3Crect width=%2216%22 height=%2216%22 rx=%223%22 fill=%22%232f6fde%22/%3E%3Cpath d=%22M3 5l5 4 5-4%22 stroke=%22white%22 fill=%22none%22/%3E%3C/svg%3E">
<style nonce="{{nonce}}">
:root { --bg:#f6f7f9; --panel:#fff; --line:#e3e6ea; --text:#1d2430; --muted:#6b7380; --accent:#2f6fde; --accent-soft:#e8f0fd; --danger:#c8372d; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { height: 100%; margin: 0; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--text); background: var(--bg); display: flex; flex-direction: column; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px; padding: 10px 16px; background: var(--panel); border-bottom: 1px solid var(--line); }
header h1 { font-size: 16px; margin: 0 12px 0 0; white-space: nowrap; }
header h1 span { color: var(--muted); font-weight: normal; }
input[type=search] { font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; flex: 1 1 200px; min-width: 0; max-width: 420px; background: var(--bg); }
#matched { color: var(--muted); white-space: nowrap; }
#more { display: block; margin: 10px auto; }
input.bad { border-color: var(--danger); }
input[type=search]:focus { outline: 2px solid var(--accent-soft); border-color: var(--accent); background: #fff; }
button, .button { font: inherit; padding: 6px 12px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); color: var(--text); cursor: pointer; text-decoration: none; }
button:hover, .button:hover { border-color: var(--accent); }
button.danger { color: var(--danger); }
button.danger:hover { border-color: var(--danger); }
.spacer { flex: 1; }
main { flex: 1; display: grid; grid-template-columns: minmax(320px, 48%) 1fr; min-height: 0; }
#listpane { position: relative; display: flex; flex-direction: column; min-height: 0; min-width: 0; border-right: 1px solid var(--line); background: var(--panel); }
#list { flex: 1; overflow: auto; min-height: 0; }
#notice { position: absolute; top: 42px; left: 50%; transform: translateX(-50%); z-index: 2; border-color: var(--accent); background: var(--accent); color: #fff; border-radius: 16px; box-shadow: 0 2px 8px rgba(0,0,0,.18); white-space: nowrap; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
th { position: sticky; top: 0; background: var(--panel); text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; padding: 8px 10px; border-bottom: 1px solid var(--line); }
td { padding: 8px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
tbody tr { cursor: pointer; }
tbody tr:hover { background: var(--bg); }
tbody tr.selected { background: var(--accent-soft); }
tbody tr.unread td.subject { font-weight: 600; }
tbody tr.fresh { animation: fresh 1.6s ease-out; }
@keyframes fresh { from { background: #fff6d6; } to { background: transparent; } }
th.from { width: 22%; } th.to { width: 16%; }
td.size, th.size { text-align: right; width: 100px; color: var(--muted); font-variant-numeric: tabular-nums; padding-left: 4px; }
th.time, td.time { width: 84px; color: var(--muted); font-variant-numeric: tabular-nums; padding-right: 4px; }
.clip { display: inline-block; min-width: 18px; padding: 0 5px; margin-right: 6px; border-radius: 9px; background: var(--accent-soft); color: var(--accent); font-size: 11px; font-weight: 600; text-align: center; }
.empty { padding: 48px 24px; text-align: center; color: var(--muted); }
#view { overflow: auto; padding: 20px 24px; min-width: 0; }
#view h2 { margin: 0 0 12px; font-size: 20px; word-break: break-word; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0 0 14px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; word-break: break-word; }
.toolbar { display: flex; gap: 8px; margin-bottom: 14px; flex-wrap: wrap; }
.tabs { display: flex; flex-wrap: wrap; gap: 2px; border-bottom: 1px solid var(--line); margin-bottom: 0; }
.tabs button { border: 1px solid transparent; border-bottom: none; border-radius: 6px 6px 0 0; background: none; color: var(--muted); }
.tabs button.active { border-color: var(--line); background: var(--panel); color: var(--text); margin-bottom: -1px; }
.tabs button:disabled { opacity: .4; cursor: default; }
.pane { background: var(--panel); border: 1px solid var(--line); border-top: none; border-radius: 0 0 6px 6px; min-height: 320px; }
.pane pre { margin: 0; padding: 14px; white-space: pre-wrap; word-break: break-word; font: 13px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.pane iframe { display: block; width: 100%; height: 46vh; border: 0; background: #fff; border-radius: 0 0 6px 6px; }
.pane table td { white-space: normal; vertical-align: top; font-size: 13px; }
.pane table td:first-child { width: 170px; color: var(--muted); }
.attachments { margin-top: 16px; }
.attachments h3 { font-size: 13px; color: var(--muted); margin: 0 0 6px; font-weight: 600; }
.attachments a { display: inline-flex; gap: 6px; align-items: center; margin: 0 8px 8px 0; }
.attachments small { color: var(--muted); }
footer { display: flex; gap: 18px; align-items: center; padding: 6px 16px; background: var(--panel); border-top: 1px solid var(--line); color: var(--muted); font-size: 12px; white-space: nowrap; overflow: hidden; }
#live::before { content: "●"; margin-right: 6px; color: #aab; }
#live.on::before { color: #2da44e; }
#live.off::before { color: var(--danger); }
footer b { color: var(--text); font-weight: 600; }
.counter { margin-right: 16px; }
footer { flex-wrap: wrap; row-gap: 2px; }
@media (max-width: 1100px) { .to { display: none; } th.from { width: 30%; } }
@media (max-width: 900px) {
  main { grid-template-columns: minmax(0, 1fr); grid-template-rows: minmax(180px, 42%) minmax(0, 1fr); }
  #listpane { border-right: none; border-bottom: 1px solid var(--line); }
  #view { padding: 14px 12px; }
}
@media (max-width: 560px) { header h1 span, .time { display: none; } th.from { width: 34%; } }
</style>
</head>
<body>
<header>
  <h1>Captured mail <span>proto serve</span></h1>
  <input id="query" type="search" placeholder="Search: from:alice subject:&quot;a b&quot; has:attachment is:unread words" autocomplete="off" aria-label="Search" title="from: to: subject: tag: has:attachment is:unread is:read before:2026-12-01 after:… &quot;a phrase&quot; words; -term negates">
  <span id="matched"></span>
  <div class="spacer"></div>
  <button id="clear" class="danger" type="button">Clear all</button>
</header>
<main>
  <section id="listpane">
  <button id="notice" type="button" hidden></button>
  <div id="list" role="region" aria-label="Messages">
    <table>
      <thead><tr><th class="from">From</th><th class="to">To</th><th class="subject">Subject</th><th class="time">Received</th><th class="size">Size</th></tr></thead>
      <tbody id="rows"></tbody>
    </table>
    <button id="more" type="button" hidden>Load more</button>
    <div id="empty" class="empty">No messages yet. Send one to the SMTP port and it shows up here.</div>
  </div>
  </section>
  <section id="view" aria-label="Message">
    <div class="empty" id="placeholder">Select a message to read it.</div>
    <article id="message" hidden>
      <h2 id="m-subject"></h2>
      <dl class="meta">
        <dt>From</dt><dd id="m-from"></dd>
        <dt>To</dt><dd id="m-to"></dd>
        <dt id="m-cc-label">Cc</dt><dd id="m-cc"></dd>
        <dt>Date</dt><dd id="m-date"></dd>
        <dt>Envelope</dt><dd id="m-envelope"></dd>
        <dt>Session</dt><dd id="m-session"></dd>
      </dl>
      <div class="toolbar">
        <a id="m-raw" class="button" href="#">Download .eml</a>
        <button id="m-unread" type="button">Mark unread</button>
        <button id="m-release" type="button" aria-controls="release">Release…</button>
        <button id="m-delete" class="danger" type="button">Delete</button>
      </div>
      <nav class="tabs" role="tablist">
        <button type="button" data-tab="html">HTML</button>
        <button type="button" data-tab="text">Text</button>
        <button type="button" data-tab="headers">Headers</button>
        <button type="button" data-tab="source">Source</button>
        <button type="button" data-tab="session">SMTP session</button>
        <button type="button" data-tab="report">Analysis</button>
      </nav>
      <div class="pane" id="pane"></div>
      <div class="attachments" id="m-attachments" hidden><h3>Attachments</h3><div id="m-attachment-links"></div></div>
    </article>
  </section>
</main>
<footer>
  <span id="live">connecting</span>
  <span id="count"></span>
  <span id="stored"></span>
  <span id="counters"></span>
</footer>
<script nonce="{{nonce}}">
"use strict";
const $ = id => document.getElementById(id);
const state = { selected: null, detail: null, tab: "html", known: new Set(), first: true, reload: 0, cursor: null, shown: 0, arrived: false, above: 0 };
const PAGE = 100;

function el(tag, text, cls) { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
function size(n) { if (n < 1024) return n + " B"; if (n < 1048576) return (n / 1024).toFixed(1) + " KiB"; return (n / 1048576).toFixed(1) + " MiB"; }
function time(iso) { const d = new Date(iso); return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }); }
function query(cursor) {
  const q = new URLSearchParams();
  if ($("query").value.trim()) q.set("query", $("query").value.trim());
  q.set("limit", String(cursor ? PAGE : Math.max(PAGE, state.shown)));
  if (cursor) q.set("cursor", cursor);
  return q.toString();
}

async function loadList(more) {
  const response = await fetch("api/messages?" + query(more ? state.cursor : null), { cache: "no-store" });
  $("query").classList.toggle("bad", response.status === 400);
  if (!response.ok) { if (response.status === 400) $("matched").textContent = (await response.json()).error; return; }
  const data = await response.json();
  const rows = $("rows"), list = $("list");
  const arrived = !more && state.arrived; state.arrived = false;
  const top = list.scrollTop, height = list.scrollHeight;
  let fresh = 0;
  if (!more) rows.replaceChildren();
  state.cursor = data.nextCursor;
  $("more").hidden = !data.nextCursor;
  for (const m of data.messages) {
    const tr = el("tr");
    tr.dataset.id = m.id;
    if (!m.seen) tr.classList.add("unread");
    if (!state.first && !state.known.has(m.id)) { tr.classList.add("fresh"); fresh++; }
    if (m.id === state.selected) tr.classList.add("selected");
    const from = m.from || m.envelopeFrom || "<>";
    const to = m.to || m.envelopeTo.join(", ");
    const subject = el("td", null, "subject");
    if (m.attachmentCount) { const clip = el("span", String(m.attachmentCount), "clip"); clip.title = m.attachmentCount + " attachment(s)"; subject.append(clip); }
    subject.append(m.subject || "(no subject)");
    tr.append(el("td", from, "from"), el("td", to, "to"), subject,
      el("td", time(m.receivedAt), "time"), el("td", size(m.size), "size"));
    tr.title = new Date(m.receivedAt).toLocaleString();
    tr.addEventListener("click", () => open(m.id));
    rows.append(tr);
    state.known.add(m.id);
  }
  state.first = false;
  state.shown = rows.children.length;
  $("empty").hidden = state.shown > 0;
  $("empty").textContent = $("query").value.trim() ? "No messages match the search." : "No messages yet. Send one to the SMTP port and it shows up here.";
  $("matched").textContent = state.shown + " shown · " + data.total + " of " + data.stored;
  if (arrived && fresh && top > 0) { list.scrollTop = top + list.scrollHeight - height; state.above += fresh; }
  showNotice();
}

// New mail lands at the top; someone scrolled down keeps their place and is told how many arrived above it.
function showNotice() {
  if ($("list").scrollTop <= 2) state.above = 0;
  $("notice").hidden = state.above === 0;
  $("notice").textContent = "↑ " + state.above + (state.above === 1 ? " new message" : " new messages");
}

function scheduleReload(arrived) { if (arrived === true) state.arrived = true; clearTimeout(state.reload); state.reload = setTimeout(() => loadList(false), 120); }

async function open(id) {
  const response = await fetch("api/messages/" + encodeURIComponent(id), { cache: "no-store" });
  if (!response.ok) { closeView(); return; }
  const d = await response.json();
  state.selected = id; state.detail = d;
  history.replaceState(null, "", location.pathname + "#" + encodeURIComponent(id));
  for (const tr of $("rows").children) { tr.classList.toggle("selected", tr.dataset.id === id); if (tr.dataset.id === id) tr.classList.remove("unread"); }
  const s = d.summary;
  $("m-subject").textContent = s.subject || "(no subject)";
  $("m-from").textContent = s.from || s.envelopeFrom || "<>";
  $("m-to").textContent = s.to || s.envelopeTo.join(", ");
  $("m-cc").textContent = d.cc || ""; $("m-cc").hidden = $("m-cc-label").hidden = !d.cc;
  $("m-date").textContent = d.date || new Date(s.receivedAt).toString();
  $("m-envelope").textContent = "MAIL FROM:<" + s.envelopeFrom + "> RCPT TO:" + s.envelopeTo.map(t => "<" + t + ">").join(" ") + " · " + size(s.size);
  const ss = d.session;
  $("m-session").textContent = (ss.clientAddress || "?") + (ss.heloName ? " (EHLO " + ss.heloName + ")" : "") + (ss.tls ? " · TLS" : " · no TLS") + (ss.authenticatedUser ? " · AUTH " + ss.authenticatedUser : " · no AUTH");
  if (d.relay) $("m-session").textContent += " · relay to " + d.relay.server + (d.relay.ok ? ": " : " failed: ") + d.relay.reply;
  $("m-raw").href = d.rawUrl;
  const links = $("m-attachment-links");
  links.replaceChildren();
  for (const a of d.attachments) {
    const link = el("a", null, "button attachment");
    link.href = a.url; link.download = a.fileName;
    link.append(el("span", a.fileName), el("small", a.contentType + " · " + size(a.size)));
    links.append(link);
  }
  $("m-attachments").hidden = d.attachments.length === 0;
  $("placeholder").hidden = true; $("message").hidden = false;
  document.dispatchEvent(new CustomEvent("mail:open", { detail: d }));
  showTab(d.htmlUrl ? (state.tab === "text" && d.text != null ? "text" : state.tab) : (state.tab === "html" ? "text" : state.tab));
}

function closeView() { if (state.selected) history.replaceState(null, "", location.pathname); state.selected = null; state.detail = null; $("message").hidden = true; $("placeholder").hidden = false; }

async function showTab(tab) {
  const d = state.detail; if (!d) return;
  if (tab === "html" && !d.htmlUrl) tab = "text";
  state.tab = tab;
  for (const b of document.querySelectorAll(".tabs button")) {
    b.classList.toggle("active", b.dataset.tab === tab);
    b.disabled = (b.dataset.tab === "html" && !d.htmlUrl) || (b.dataset.tab === "text" && d.text == null) || (b.dataset.tab === "session" && !d.transcript);
  }
  const pane = $("pane");
  pane.replaceChildren();
  if (tab === "html") {
    const frame = el("iframe");
    frame.setAttribute("sandbox", "{{sandbox}}"); // links open in a new tab (the part's <base target=_blank>), never in the frame
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.id = "html-frame"; frame.title = "HTML part";
    frame.src = d.htmlUrl;
    pane.append(frame);
  } else if (tab === "text") {
    pane.append(el("pre", d.text ?? "(no text part)"));
  } else if (tab === "headers") {
    const table = el("table");
    for (const h of d.headers) { const tr = el("tr"); tr.append(el("td", h.name), el("td", h.value)); table.append(tr); }
    pane.append(table);
  } else if (tab === "session") {
    pane.append(el("pre", d.transcript || "(no transcript)"));
  } else if (tab === "report") {
    await renderReport(pane, d);
  } else {
    const pre = el("pre", "Loading…"); pane.append(pre);
    const response = await fetch(d.rawUrl + "?inline=1", { cache: "no-store" });
    pre.textContent = await response.text();
  }
}

function renderStats(stats) {
  $("count").textContent = stats.messages === 1 ? "1 message" : stats.messages + " messages";
  $("stored").textContent = size(stats.bytes) + " stored" + (stats.prunedMessages ? " · " + stats.prunedMessages + " pruned (" + size(stats.prunedBytes) + ")" : "");
  const parts = $("counters"); parts.replaceChildren();
  for (const p of stats.protocols) {
    const http = p.protocol === "http";
    const span = el("span"); span.append(el("b", p.protocol.toUpperCase()),
      (http ? " " : " " + p.connections + " conn · ") + p.messages + (http ? " req · " : " msg · ") + size(p.bytes) + (p.rejections ? " · " + p.rejections + " refused" : ""));
    span.className = "counter";
    parts.append(span);
  }
}

function connect() {
  const events = new EventSource("api/events");
  events.addEventListener("ready", e => { $("live").textContent = "live"; $("live").className = "on"; renderStats(JSON.parse(e.data)); loadList(false); });
  events.addEventListener("added", () => scheduleReload(true));
  events.addEventListener("changed", e => { const m = JSON.parse(e.data); for (const tr of $("rows").children) if (tr.dataset.id === m.id) tr.classList.toggle("unread", !m.seen); });
  events.addEventListener("reset", scheduleReload);
  events.addEventListener("deleted", e => { const id = JSON.parse(e.data); if (id === state.selected) closeView(); scheduleReload(); });
  events.addEventListener("cleared", () => { closeView(); scheduleReload(); });
  events.addEventListener("stats", e => renderStats(JSON.parse(e.data)));
  events.onerror = () => { $("live").textContent = "reconnecting"; $("live").className = "off"; };
}

for (const b of document.querySelectorAll(".tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
$("query").addEventListener("input", () => { state.shown = 0; scheduleReload(); });
$("more").addEventListener("click", () => loadList(true));
$("list").addEventListener("scroll", () => { if (state.above) showNotice(); });
$("notice").addEventListener("click", () => { $("list").scrollTop = 0; state.above = 0; showNotice(); });
// Each message has its own address: #id (or ?id=) opens it on load; opening one updates the address bar.
function linked() { return decodeURIComponent(location.hash.slice(1)) || new URLSearchParams(location.search).get("id") || ""; }
window.addEventListener("hashchange", () => { const id = linked(); if (id && id !== state.selected) open(id); });
if (linked()) open(linked());
$("m-unread").addEventListener("click", async () => { if (state.selected) await fetch("api/messages/" + encodeURIComponent(state.selected), { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ seen: false }) }); });
$("clear").addEventListener("click", async () => { if (confirm("Delete every captured message?")) { await fetch("api/messages", { method: "DELETE" }); } });
$("m-delete").addEventListener("click", async () => { if (state.selected) await fetch("api/messages/" + encodeURIComponent(state.selected), { method: "DELETE" }); });
document.addEventListener("keydown", e => {
  if (e.target instanceof HTMLInputElement) return;
  const rows = [...$("rows").children]; const i = rows.findIndex(r => r.dataset.id === state.selected);
  if (e.key === "j" || e.key === "ArrowDown") { const next = rows[i + 1] || rows[0]; if (next) open(next.dataset.id); }
  if (e.key === "k" || e.key === "ArrowUp") { const prev = rows[i - 1]; if (prev) open(prev.dataset.id); }
  if (e.key === "Delete" && state.selected) $("m-delete").click();
});
connect();
</script>

""" + MailReportTab.Html + MailReleaseForm.Html + """
{{faults}}
</body>
</html>
""";

    /// <summary>The iframe's sandbox tokens (also in the part's CSP): links may open a new, unsandboxed tab; nothing else.</summary>
    public const string FrameSandbox = "allow-popups allow-popups-to-escape-sandbox";

    /// <summary>
    /// The HTML part as the frame gets it: a <c>&lt;base target="_blank"&gt;</c> first (after any doctype), so a
    /// clicked link opens in a new tab (implicitly <c>noopener</c>) instead of navigating the frame to a blocked page.
    /// The first base element with a target wins, so the message's own cannot override it.
    /// </summary>
    public static string ForFrame(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var start = 0;
        var trimmed = html.AsSpan().TrimStart();
        if (trimmed.StartsWith("<!doctype", StringComparison.OrdinalIgnoreCase))
        {
            var end = html.IndexOf('>', html.Length - trimmed.Length);
            if (end >= 0) start = end + 1;
        }
        return string.Concat(html.AsSpan(0, start), "<base target=\"_blank\">", html.AsSpan(start));
    }
}
