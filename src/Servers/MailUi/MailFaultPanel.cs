namespace Protocols.Servers.MailUi;

/// <summary>
/// The page's fault panel: the SMTP faults in force (<c>api/faults</c>, read-only, one line a rule, put in with
/// <c>textContent</c>) and a button that clears them. Inserted at the page's <c>{{faults}}</c> mark; its style and script
/// carry the page's nonce. Hidden when the app has no fault script (the route answers 404).
/// </summary>
internal static class MailFaultPanel
{
    public const string Html = """
<style nonce="{{nonce}}">
#faults { position: fixed; right: 16px; bottom: 40px; max-width: 460px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; font-size: 12px; box-shadow: 0 2px 8px rgba(0,0,0,.08); }
#faults summary { cursor: pointer; color: var(--muted); }
#faults.active summary { color: var(--danger); font-weight: 600; }
#fault-rules { margin: 6px 0; padding-left: 18px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
</style>
<details id="faults" hidden>
  <summary id="fault-title">SMTP faults: none</summary>
  <ol id="fault-rules"></ol>
  <button id="fault-clear" class="danger" type="button">Clear faults</button>
</details>
<script nonce="{{nonce}}">
"use strict";
(() => {
  const box = document.getElementById("faults"), list = document.getElementById("fault-rules"), title = document.getElementById("fault-title");
  const describe = r => {
    const act = r.action === "reply" ? `reply ${r.code}${r.enhancedCode ? " " + r.enhancedCode : ""}${r.text ? " " + r.text : ""}`
      : r.action === "delay" ? `delay ${r.delayMs} ms` : "drop";
    const when = r.nth ? ` to occurrence ${r.nth}` : r.probability != null ? ` with p=${r.probability}` : "";
    const who = (r.senders ? ` from ${r.senders.join(", ")}` : "") + (r.recipients ? ` to ${r.recipients.join(", ")}` : "");
    return `${r.stage}: ${act}${r.delayMs && r.action !== "delay" ? ` after ${r.delayMs} ms` : ""}${when}${who}`;
  };
  const load = async () => {
    const response = await fetch("api/faults", { cache: "no-store" });
    if (!response.ok) { box.hidden = true; return; }
    const rules = await response.json();
    box.hidden = false;
    box.classList.toggle("active", rules.length > 0);
    title.textContent = rules.length ? `SMTP faults: ${rules.length} active` : "SMTP faults: none";
    list.replaceChildren(...rules.map(r => { const li = document.createElement("li"); li.textContent = describe(r); return li; }));
  };
  document.getElementById("fault-clear").addEventListener("click", async () => { await fetch("api/faults", { method: "DELETE" }); await load(); });
  box.addEventListener("toggle", () => { if (box.open) load(); });
  load();
  setInterval(() => { if (!document.hidden) load(); }, 5000);
})();
</script>
""";
}
