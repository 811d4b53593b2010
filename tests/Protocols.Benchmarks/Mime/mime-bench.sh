#!/usr/bin/env bash
# MIME side by side: our parser/builder (BenchmarkDotNet, ShortRun) vs Python's email package (Debian python3),
# on the same shape of message: text + HTML + a 1 MiB random attachment. Prints mean times and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
out=BenchmarkDotNet.Artifacts/mime-bench
rm -rf "$out"
mkdir -p "$out"

dotnet run -c Release --project . -- --filter '*MimeBenchmarks*' --exporters json --artifacts "$out" >"$out/bdn.log" 2>&1 \
  || { tail -20 "$out/bdn.log"; exit 1; }
json=$(ls "$out"/results/*MimeBenchmarks*-report-full-compressed.json)

"$PY" - "$json" <<'PY'
import json, sys, timeit, os
from email.message import EmailMessage
from email.parser import BytesParser
from email import policy

ours = {b["Method"]: b for b in json.load(open(sys.argv[1]))["Benchmarks"]}

data = os.urandom(1 << 20)
def build(payload):
    m = EmailMessage()
    m["From"] = "Bench Sender <sender@example.org>"
    m["To"] = "Bench Recipient <to@example.net>"
    m["Subject"] = "Quarterly report – Größenänderung"
    m.set_content("Hello,\nthe report is attached.\n\nRegards,\nBench")
    m.add_alternative("<p>Hello,</p><p>the report is attached.</p><p>Regards,<br>Bench</p>", subtype="html")
    if payload:
        m.add_attachment(payload, maintype="application", subtype="octet-stream", filename="report.bin")
    return m.as_bytes()

raw = build(data)
def parse():
    return len(list(BytesParser(policy=policy.default).parsebytes(raw).walk()))
def parse_decode():
    m = BytesParser(policy=policy.default).parsebytes(raw)
    att = next(m.iter_attachments())
    return len(att.get_content()) + len(m.get_body(("plain",)).get_content())

def best(f, n):
    return min(timeit.repeat(f, number=n, repeat=5)) / n * 1e9

py = {
    "Parse1MiB": best(parse, 5),
    "ParseAndDecode1MiB": best(parse_decode, 5),
    "Build1MiB": best(lambda: build(data), 3),
    "BuildSmall": best(lambda: build(b""), 200),
}
print(f"{'benchmark':<20} {'ours':>12} {'alloc':>10} {'python email':>14} {'speed-up':>9}")
for name, p in py.items():
    stats = ours.get(name, {}).get("Statistics")
    if not stats:
        print(f"{name:<20} {'(no result)':>12} {'':>10} {p/1e6:>12.3f}ms")
        continue
    o = stats["Mean"]
    alloc = (ours[name].get("Memory") or {}).get("BytesAllocatedPerOperation", 0)
    print(f"{name:<20} {o/1e6:>10.3f}ms {alloc/1024:>8.0f}KB {p/1e6:>12.3f}ms {p/o:>8.1f}x")
PY
