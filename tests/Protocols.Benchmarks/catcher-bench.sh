#!/usr/bin/env bash
# Mail catchers side by side: `proto serve` against smtp4dev 3.15.0 (its default on-disk SQLite database, and its
# in-memory one), RUNS interleaved runs of a fresh process each, medians with min and max (see bench-lib.sh):
#   ready:    seconds from launch until the SMTP port accepts AND the web API answers 200 (proto: api/stats on the
#             mail port; smtp4dev: api/Messages), polled every 20 ms;
#   idle RSS: resident memory 1 s after ready;
#   capture:  smtp-source -s SESSIONS -m MESSAGES -l SIZE (a new connection per message), msg/s from the first
#             connection until all MESSAGES are visible in the catcher's API (so a 250 before the store has it does
#             not count early); captured: how many the API shows at the end (must be MESSAGES);
#   RSS:      resident memory 2 s after the last message is visible (every catcher keeps all MESSAGES: smtp4dev gets
#             --messagestokeep, proto keeps everything by default).
# A fresh process per run, so the capture includes the JIT's warm-up, as a CI job that starts a catcher sees it.
#
# usage: tests/Protocols.Benchmarks/catcher-bench.sh
# env:   MESSAGES (1000), SIZE (10240 bytes), SESSIONS (20), SMTP4DEV_MEMORY (1: also smtp4dev --db=""), RUNS, QUIET_*,
#        BENCH_TOOLS (where smtp4dev is installed on first use, /tmp/protocols-bench-tools)
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/Protocols.Benchmarks/bench-lib.sh

MESSAGES=${MESSAGES:-1000}
SIZE=${SIZE:-10240}
SESSIONS=${SESSIONS:-20}
SMTP4DEV_MEMORY=${SMTP4DEV_MEMORY:-1}
TOOLS=${BENCH_TOOLS:-/tmp/protocols-bench-tools}
[ -x /usr/sbin/smtp-source ] || { echo "catcher-bench: /usr/sbin/smtp-source is missing (run scripts/install-peers.sh)" >&2; exit 1; }
command -v curl >/dev/null || { echo "catcher-bench: curl is missing (run scripts/install-peers.sh)" >&2; exit 1; }
dotnet build src/Cli -c Release -v quiet -nologo >/dev/null || exit 1
PROTO=src/Cli/bin/Release/net10.0/proto
if [ ! -x "$TOOLS/smtp4dev" ]; then
  dotnet tool install Rnwood.Smtp4dev --version 3.15.0 --tool-path "$TOOLS" >/dev/null \
    || { echo "catcher-bench: could not install smtp4dev 3.15.0 into $TOOLS" >&2; exit 1; }
fi

WORK=$(mktemp -d /tmp/catcher-bench.XXXXXX)
RUNNING=""
stop() { [ -n "$RUNNING" ] && { kill "$RUNNING" 2>/dev/null; wait "$RUNNING" 2>/dev/null; }; RUNNING=""; }
cleanup() { stop; rm -rf "$WORK"; bench_cleanup_lib; }
trap cleanup EXIT

# wait_ready SMTP_PORT URL START: prints seconds from START (date +%s.%N) until both answer; "nan" after 120 s.
wait_ready() {
  $BENCH_PY - "$@" <<'PY'
import socket, sys, time, urllib.request
port, url, start = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
smtp = web = False
while time.time() - start < 120:
    if not smtp:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close(); smtp = True
        except OSError: pass
    if not web:
        try:
            web = urllib.request.urlopen(url, timeout=2).status == 200
        except Exception: pass
    if smtp and web:
        print(f"{time.time() - start:.3f}"); sys.exit(0)
    time.sleep(0.02)
print("nan")
PY
}

# count NAME: the number of messages the catcher's API shows.
count() {
  case "$1" in
    serve) curl -sf -m 10 "$URL/api/stats" | $BENCH_PY -c 'import json,sys; print(json.load(sys.stdin)["messages"])' ;;
    *)     curl -sf -m 10 "$URL/api/Messages?pageSize=1" | $BENCH_PY -c 'import json,sys; print(json.load(sys.stdin)["rowCount"])' ;;
  esac 2>/dev/null || echo 0
}
rss() { awk '/VmRSS/ {printf "%.0f\n", $2/1024}' /proc/"$1"/status 2>/dev/null || echo nan; }

# launch NAME: starts a fresh catcher on free ports; sets RUNNING, SMTP, URL, READY_URL, START.
launch() {
  SMTP=$(bench_free_port); local web; web=$(bench_free_port)
  rm -rf "$WORK/data"; mkdir -p "$WORK/data"
  START=$(date +%s.%N)
  case "$1" in
    serve)
      "$PROTO" serve --root "$WORK/data" --smtp-port "$SMTP" --mail-port "$web" --ftp-port "$(bench_free_port)" --http-port "$(bench_free_port)" \
        --pop3-port "$(bench_free_port)" --imap-port "$(bench_free_port)" >/dev/null 2>"$WORK/$1.log" &
      URL="http://127.0.0.1:$web"; READY_URL="$URL/api/stats" ;;
    smtp4dev|smtp4dev-mem)
      local db=(); [ "$1" = smtp4dev-mem ] && db=(--db=)
      (cd "$WORK/data" && exec "$TOOLS/smtp4dev" --smtpport="$SMTP" --imapport="$(bench_free_port)" --pop3port="$(bench_free_port)" \
        --urls="http://127.0.0.1:$web" "${db[@]}" --nousersettings --hostname=localhost --messagestokeep="$((MESSAGES + 10))" \
        --baseappdatapath="$WORK/data/smtp4dev" >"$WORK/$1.log" 2>&1) &
      URL="http://127.0.0.1:$web"; READY_URL="$URL/api/Messages?pageSize=1" ;;
  esac
  RUNNING=$!
}

CATCHERS=(serve smtp4dev)
[ "$SMTP4DEV_MEMORY" = 1 ] && CATCHERS+=(smtp4dev-mem)
echo "catcher-bench: $RUNS interleaved runs; $MESSAGES x $SIZE B, smtp-source -s $SESSIONS; $(nproc) cores"
for run in $(seq "$RUNS"); do
  for c in "${CATCHERS[@]}"; do
    bench_wait_quiet
    launch "$c"
    ready=$(wait_ready "$SMTP" "$READY_URL" "$START")
    bench_record "$c,ready" "$ready"
    if [ "$ready" = nan ]; then echo "catcher-bench: $c did not get ready:" >&2; tail -5 "$WORK/$c.log" >&2; stop; continue; fi
    sleep 1
    bench_record "$c,idle" "$(rss "$RUNNING")"
    s=$(date +%s.%N)
    /usr/sbin/smtp-source -s "$SESSIONS" -m "$MESSAGES" -l "$SIZE" -f bench@example.org -t sink@example.org 127.0.0.1:"$SMTP" \
      >/dev/null 2>"$WORK/source.err" || echo "catcher-bench: smtp-source against $c: $(tail -1 "$WORK/source.err")" >&2
    n=0
    for _ in $(seq 1 600); do n=$(count "$c"); [ "$n" -ge "$MESSAGES" ] && break; sleep 0.1; done
    e=$(date +%s.%N)
    bench_record "$c,captured" "$n"
    bench_record "$c,rate" "$([ "$n" -ge "$MESSAGES" ] && awk -v s="$s" -v e="$e" -v n="$MESSAGES" 'BEGIN { printf "%.1f\n", n / (e - s) }' || echo nan)"
    sleep 2
    bench_record "$c,rss" "$(rss "$RUNNING")"
    stop
  done
  echo "  run $run of $RUNS done (load $(bench_load))"
done

label() { case "$1" in serve) echo "proto serve (temporary SQLite store)";; smtp4dev) echo "smtp4dev 3.15.0 (SQLite on disk)";; smtp4dev-mem) echo "smtp4dev 3.15.0 (in-memory db)";; esac; }
echo
echo "== start to ready (SMTP accepts and the API answers), s =="
for c in "${CATCHERS[@]}"; do bench_row "$(label "$c")" "$c,ready" s; done
echo "== RSS 1 s after ready, MiB =="
for c in "${CATCHERS[@]}"; do bench_row "$(label "$c")" "$c,idle" MiB; done
echo "== capture, $MESSAGES x $SIZE B, new connection per message, until all visible in the API, msg/s =="
for c in "${CATCHERS[@]}"; do bench_row "$(label "$c")" "$c,rate" msg/s; bench_row "  captured of $MESSAGES" "$c,captured" msgs; done
echo "== RSS after the $MESSAGES messages, MiB =="
for c in "${CATCHERS[@]}"; do bench_row "$(label "$c")" "$c,rss" MiB; done
for p in "${CATCHERS[@]:1}"; do
  echo "    proto serve / $p: ready $(bench_ratio serve,ready "$p,ready" lower), idle RSS $(bench_ratio serve,idle "$p,idle" lower), capture $(bench_ratio serve,rate "$p,rate" higher), RSS after $(bench_ratio serve,rss "$p,rss" lower)"
done
echo "(ratios: of the medians; above 1.00x means proto serve is better)"
bench_footer
bench_summary "\`proto serve\` start to ready / capture $MESSAGES x $SIZE B / RSS after" \
  "$(bench_med serve,ready s) / $(bench_med serve,rate msg/s) / $(bench_med serve,rss MiB)" \
  "smtp4dev $(bench_med smtp4dev,ready s) / $(bench_med smtp4dev,rate) / $(bench_med smtp4dev,rss)" \
  "$(bench_ratio serve,ready smtp4dev,ready lower) / $(bench_ratio serve,rate smtp4dev,rate higher) / $(bench_ratio serve,rss smtp4dev,rss lower)"
