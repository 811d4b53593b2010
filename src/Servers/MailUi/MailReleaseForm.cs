namespace Protocols.Servers.MailUi;

/// <summary>
/// The message view's Release form (issue 16.2): server, port, TLS mode, user and password, recipients, posted as JSON
/// to <c>api/messages/{id}/release</c>. The outcome (the server's final reply, or its refusal) is shown under the
/// form with <c>textContent</c>; the password is sent only in the request body and never shown. Part of
/// <see cref="MailPage.Html"/>; the form moves under the message toolbar; it uses the page script's <c>state</c> and <c>open</c>.
/// </summary>
internal static class MailReleaseForm
{
    public const string Html = """
<style nonce="{{nonce}}">
#release { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 8px 12px; align-items: end; margin: -4px 0 14px; padding: 10px 12px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; }
#release h3 { grid-column: 1 / -1; margin: 0; font-size: 13px; }
#release label { display: flex; flex-direction: column; gap: 2px; font-size: 12px; color: var(--muted); }
#release label.check { flex-direction: row; align-items: center; gap: 6px; }
#release input:not([type=checkbox]), #release select { font: inherit; font-size: 13px; padding: 5px 8px; border: 1px solid var(--line); border-radius: 6px; color: var(--text); background: var(--bg); }
#release .actions { display: flex; gap: 8px; }
#release-result { grid-column: 1 / -1; white-space: pre-wrap; word-break: break-word; }
#release-result.ok { color: #1a7f37; }
#release-result.bad { color: var(--danger); }
</style>
<form id="release" hidden autocomplete="off">
  <h3>Release this message to an SMTP server</h3>
  <label>Server <input id="r-host" required maxlength="253" placeholder="smtp.example.com"></label>
  <label>Port <input id="r-port" type="number" required min="1" max="65535" value="587"></label>
  <label>TLS <select id="r-tls"><option value="starttls">STARTTLS</option><option value="implicit">implicit TLS (SMTPS)</option><option value="none">none</option></select></label>
  <label>User <input id="r-user" maxlength="256" autocomplete="off"></label>
  <label>Password <input id="r-password" type="password" maxlength="1024" autocomplete="new-password"></label>
  <label>Recipients <input id="r-recipients" placeholder="the envelope's"></label>
  <label class="check"><input id="r-insecure" type="checkbox"> accept any certificate</label>
  <div class="actions"><button id="r-send" type="submit">Release</button><button id="r-cancel" type="button">Cancel</button></div>
  <div id="release-result" role="status"></div>
</form>
<script nonce="{{nonce}}">
"use strict";
(() => {
  const form = document.getElementById("release"), result = document.getElementById("release-result");
  const field = id => document.getElementById(id);
  document.querySelector("#message .toolbar").after(form);
  let shown = null;
  document.addEventListener("mail:open", e => {
    const s = e.detail.summary;
    field("r-recipients").placeholder = "the envelope's: " + s.envelopeTo.join(", ");
    if (s.id !== shown) { shown = s.id; result.textContent = ""; result.className = ""; }
  });
  field("m-release").addEventListener("click", () => { form.hidden = !form.hidden; if (!form.hidden) field("r-host").focus(); });
  field("r-cancel").addEventListener("click", () => { form.hidden = true; });
  form.addEventListener("submit", async e => {
    e.preventDefault();
    const id = state.selected;
    if (!id) return;
    const body = { host: field("r-host").value.trim(), port: Number(field("r-port").value), tls: field("r-tls").value, insecure: field("r-insecure").checked };
    if (field("r-user").value) body.user = field("r-user").value;
    if (field("r-password").value) body.password = field("r-password").value;
    const recipients = field("r-recipients").value.split(/[\s,;]+/).filter(Boolean);
    if (recipients.length) body.recipients = recipients;
    result.className = ""; result.textContent = "Sending…"; field("r-send").disabled = true;
    try {
      const response = await fetch("api/messages/" + encodeURIComponent(id) + "/release", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      const r = await response.json();
      if (response.ok) { result.className = "ok"; result.textContent = "Released to " + r.server + " for " + r.recipients.join(", ") + ": " + r.reply; }
      else { result.className = "bad"; result.textContent = r.server ? "Not released: " + r.server + " answered: " + r.reply : "Not released: " + r.error; }
      if (r.server && state.selected === id) open(id); // the session line shows the last relay
    } catch (err) {
      result.className = "bad"; result.textContent = "Not released: " + err.message;
    } finally {
      field("r-send").disabled = false;
    }
  });
})();
</script>
""";
}
