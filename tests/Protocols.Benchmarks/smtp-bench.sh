#!/usr/bin/env bash
# SMTP side by side, RUNS interleaved runs, medians with min and max, ratios (see bench-lib.sh for the quiet wait):
#   server: postfix smtp-source -s SESSIONS against ours (`proto smtp serve --keep 100` as users start it: its
#           temporary SQLite store, deleted at exit and never flushed, synchronous=OFF), ours-durable (`proto smtp serve
#           --store DIR --keep 100`: every message flushed to disk, fsync, before its 250), ours with the in-memory store (the same server and hosting path in the benchmark exe,
#           `smtp-serve-memory`: the server's own cost without the store's), postfix smtp-sink (a C event loop that
#           discards) and cosullivan's SmtpServer 11.1.0 (a discard host in this project): 100 B and 10 KiB with a new
#           connection per message, 10 KiB with connections reused (-d), 1 MiB (with each server's peak RSS).
#   capture: `proto serve` (the dev stack) against `proto smtp serve` and smtp4dev 3.15.0 (in-memory database),
#           10 KiB, new connection per message.
#   client: ours and MailKit 4.18.2 sending 1 KiB messages over one connection to smtp-sink (in process, timed after
#           connect): msg/s, CPU and bytes allocated per message.
#
# usage: tests/Protocols.Benchmarks/smtp-bench.sh
# env:   MESSAGES (10000), MIB_MESSAGES (300), CAPTURE_MESSAGES (3000), CLIENT_MESSAGES (10000), SESSIONS (20),
#        WARMUP (5000 messages per size and .NET server before measuring), MIB_WARMUP (300 of 1 MiB: with 20 the
#        JIT still had a fifth of the server's samples in the measured 1 MiB run), WARMUP_PAUSE (3 s),
#        SMTP4DEV (1: include smtp4dev, installed into /tmp/protocols-bench-tools on first use),
#        PARTS ("server capture client": which of the three to run), RUNS, QUIET_*,
#        NEW_CONNECTION_ONLY (1: only the 100 B and 10 KiB new-connection rows of the server part),
#        BEFORE (1: also ours-mem-pool, the in-memory server with the runtime's default sockets and thread pool,
#        as before the event loop of 2026-12-01: before/after in the same minute)
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/Protocols.Benchmarks/bench-lib.sh

MESSAGES=${MESSAGES:-10000}
MIB_MESSAGES=${MIB_MESSAGES:-300}
CAPTURE_MESSAGES=${CAPTURE_MESSAGES:-3000}
CLIENT_MESSAGES=${CLIENT_MESSAGES:-10000}
SESSIONS=${SESSIONS:-20}
WARMUP=${WARMUP:-5000}
WARMUP_PAUSE=${WARMUP_PAUSE:-3}
MIB_WARMUP=${MIB_WARMUP:-300}
SMTP4DEV=${SMTP4DEV:-1}
PARTS=${PARTS:-server capture client}
NEW_CONNECTION_ONLY=${NEW_CONNECTION_ONLY:-0}
BEFORE=${BEFORE:-0}
has() { [[ " $PARTS " == *" $1 "* ]]; }
has capture || SMTP4DEV=0
TOOLS=${BENCH_TOOLS:-/tmp/protocols-bench-tools}
for tool in /usr/sbin/smtp-source /usr/sbin/smtp-sink; do
  [ -x "$tool" ] || { echo "smtp-bench: $tool is missing (run scripts/install-peers.sh)" >&2; exit 1; }
done
dotnet build src/Cli -c Release -v quiet -nologo >/dev/null || exit 1
dotnet build tests/Protocols.Benchmarks -c Release -v quiet -nologo >/dev/null || exit 1
PROTO=src/Cli/bin/Release/net10.0/proto
BENCH=(dotnet tests/Protocols.Benchmarks/bin/Release/net10.0/Protocols.Benchmarks.dll)
if [ "$SMTP4DEV" = 1 ] && [ ! -x "$TOOLS/smtp4dev" ]; then
  dotnet tool install Rnwood.Smtp4dev --version 3.15.0 --tool-path "$TOOLS" >/dev/null \
    || { echo "smtp-bench: could not install smtp4dev 3.15.0 into $TOOLS (SMTP4DEV=0 to leave it out)" >&2; exit 1; }
fi

WORK=$(mktemp -d /tmp/smtp-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$WORK"; bench_cleanup_lib; }
trap cleanup EXIT

declare -A PORT PID
# start NAME: starts a server on a free port and waits until it listens.
start() {
  local port; port=$(bench_free_port)
  case "$1" in
    # proto's runtimeconfig.template.json sets the thread pool's spin limit to 0; the benchmark exe (SmtpServer's host too) does not.
    ours-mem)   DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 "${BENCH[@]}" smtp-serve-memory "$port" >"$WORK/$1.out" 2>"$WORK/$1.log" & ;;
    ours-mem-pool) "${BENCH[@]}" smtp-serve-memory "$port" pool >"$WORK/$1.out" 2>"$WORK/$1.log" & ;;
    ours)       "$PROTO" smtp serve --port "$port" --max-size 0 --keep 100 >/dev/null 2>"$WORK/$1.log" & ;;
    ours-durable) "$PROTO" smtp serve --port "$port" --max-size 0 --keep 100 --store "$WORK/durable-store" >/dev/null 2>"$WORK/$1.log" & ;;
    smtp-sink)  /usr/sbin/smtp-sink -u "$(id -un)" 127.0.0.1:"$port" 256 >/dev/null 2>"$WORK/$1.log" & ;;
    smtpserver) "${BENCH[@]}" smtpserver-sink "$port" >"$WORK/$1.out" 2>"$WORK/$1.log" & ;;
    # proto serve with the same retention as `ours` (--keep 100): since store5 a message pruned before its search
    # index rows were written never gets them, so the two would otherwise not do the same store work.
    serve)      mkdir -p "$WORK/serve-root"
                "$PROTO" serve --keep 100 --root "$WORK/serve-root" --smtp-port "$port" --ftp-port "$(bench_free_port)" \
                  --http-port "$(bench_free_port)" --pop3-port "$(bench_free_port)" >/dev/null 2>"$WORK/$1.log" & ;;
    smtp4dev)   (cd "$WORK" && exec "$TOOLS/smtp4dev" --smtpport="$port" --imapport="$(bench_free_port)" --pop3port="$(bench_free_port)" \
                  --urls="http://127.0.0.1:$(bench_free_port)" --db= --nousersettings --hostname=localhost \
                  --baseappdatapath="$WORK/smtp4dev" >"$WORK/$1.log" 2>&1) & ;;
  esac
  PID[$1]=$!; PORT[$1]=$port; PIDS+=("$!")
  bench_wait_port "$port" || { echo "smtp-bench: $1 did not start:" >&2; tail -5 "$WORK/$1.log" >&2; exit 1; }
}
peak_rss() { awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/"$1"/status 2>/dev/null || echo "?"; }

# CPU seconds (user + system) the server has used so far.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15) / hz }' /proc/"$1"/stat 2>/dev/null || echo nan; }

# source_rate SERVER SIZE COUNT conn|reuse: msg/s of one smtp-source run ("nan" if it failed); the server's CPU per
# message (us) goes to the file $WORK/cpu (less sensitive to a loaded machine than the rate).
source_rate() {
  local reuse=""; [ "$4" = reuse ] && reuse="-d"
  local t c0 c1
  c0=$(cpu_of "${PID[$1]}")
  t=$(BENCH_ERR="$WORK/source.err" bench_time timeout 600 /usr/sbin/smtp-source -s "$SESSIONS" -m "$3" -l "$2" $reuse \
      -f bench@example.org -t sink@example.org 127.0.0.1:"${PORT[$1]}")
  c1=$(cpu_of "${PID[$1]}")
  awk -v a="$c0" -v b="$c1" -v n="$3" 'BEGIN { if (a == "nan" || b == "nan") print "nan"; else printf "%.1f\n", (b - a) * 1e6 / n }' > "$WORK/cpu"
  [ "$t" = nan ] && { echo "smtp-bench: smtp-source failed against $1 ($(tail -1 "$WORK/source.err"))" >&2; echo nan; return; }
  awk -v t="$t" -v n="$3" 'BEGIN { printf "%.1f\n", n / t }'
}

SERVERS=(ours ours-durable ours-mem smtp-sink smtpserver)
[ "$BEFORE" = 1 ] && SERVERS+=(ours-mem-pool)
CAPTURERS=(serve ours)
[ "$SMTP4DEV" = 1 ] && CAPTURERS+=(smtp4dev)
for s in "${SERVERS[@]}"; do start "$s"; done
has capture && start serve
[ "$SMTP4DEV" = 1 ] && start smtp4dev
# The .NET servers JIT-compile their paths, then recompile the hot ones (tiered compilation with PGO) on a
# background thread: with a short warm-up that thread took 44% of our server's CPU during a measured run (perf,
# 2026-12-01). So: WARMUP messages at each size, then a pause for the recompiles to finish. Not measured.
for s in ours ours-durable ours-mem $([ "$BEFORE" = 1 ] && echo ours-mem-pool) smtpserver $(has capture && echo serve) $([ "$SMTP4DEV" = 1 ] && echo smtp4dev); do
  n=$WARMUP; [ "$s" = smtp4dev ] && n=$((WARMUP / 10))
  for size in 100 10240; do
    /usr/sbin/smtp-source -s "$SESSIONS" -m "$n" -l "$size" -f w@example.org -t w@example.org 127.0.0.1:"${PORT[$s]}" >/dev/null 2>&1
  done
  /usr/sbin/smtp-source -s "$SESSIONS" -m "$MIB_WARMUP" -l 1048576 -f w@example.org -t w@example.org 127.0.0.1:"${PORT[$s]}" >/dev/null 2>&1
done
sleep "$WARMUP_PAUSE"

WORKLOADS=("100 $MESSAGES conn" "10240 $MESSAGES conn" "10240 $MESSAGES reuse" "1048576 $MIB_MESSAGES conn")
[ "$NEW_CONNECTION_ONLY" = 1 ] && WORKLOADS=("100 $MESSAGES conn" "10240 $MESSAGES conn")
echo "smtp-bench: $RUNS interleaved runs; smtp-source -s $SESSIONS; $(nproc) cores"
for run in $(seq "$RUNS"); do
  has server && for w in "${WORKLOADS[@]}"; do
    read -r size count mode <<<"$w"
    for s in "${SERVERS[@]}"; do
      bench_wait_quiet
      bench_record "$s,$size,$mode" "$(source_rate "$s" "$size" "$count" "$mode")"
      bench_record "cpu,$s,$size,$mode" "$(cat "$WORK/cpu")"
    done
  done
  has capture && for s in "${CAPTURERS[@]}"; do
    bench_wait_quiet
    bench_record "capture,$s" "$(source_rate "$s" 10240 "$CAPTURE_MESSAGES" conn)"
  done
  has client && for c in ours mailkit; do
    bench_wait_quiet
    line=$("${BENCH[@]}" smtpclient-send "${PORT[smtp-sink]}" "$CLIENT_MESSAGES" "$c" 2>"$WORK/client.err") \
      || echo "smtp-bench: the $c client failed ($(tail -1 "$WORK/client.err"))" >&2
    bench_record "client,$c,rate" "$(bench_field rate <<<"$line")"
    bench_record "client,$c,cpu" "$(bench_field cpuPerMessageUs <<<"$line")"
    bench_record "client,$c,alloc" "$(bench_field allocPerMessage <<<"$line")"
  done
  echo "  run $run of $RUNS done (load $(bench_load))"
done

label() { case "$1" in 100) echo "100 B";; 10240) echo "10 KiB";; 1048576) echo "1 MiB";; esac; }
if has server; then
  echo
  echo "== SMTP servers, smtp-source -s $SESSIONS -m $MESSAGES (1 MiB: -m $MIB_MESSAGES), msg/s and server CPU per message =="
  for w in "${WORKLOADS[@]}"; do
    read -r size count mode <<<"$w"
    for s in "${SERVERS[@]}"; do
      bench_row "$(label "$size"), $([ "$mode" = reuse ] && echo "connections reused" || echo "new connection per message"): $s" "$s,$size,$mode" msg/s
      bench_row "    server CPU per message" "cpu,$s,$size,$mode" us
    done
    for o in ours ours-durable ours-mem $([ "$BEFORE" = 1 ] && echo ours-mem-pool); do
      echo "    $o / smtp-sink $(bench_ratio "$o,$size,$mode" "smtp-sink,$size,$mode" higher)   $o / SmtpServer $(bench_ratio "$o,$size,$mode" "smtpserver,$size,$mode" higher) (CPU per message $(bench_ratio "cpu,$o,$size,$mode" "cpu,smtpserver,$size,$mode" lower))"
    done
  done
fi
has capture && { echo
echo "== capture, 10 KiB, new connection per message, -m $CAPTURE_MESSAGES, msg/s =="
for s in "${CAPTURERS[@]}"; do
  case $s in serve) l="proto serve (dev stack capture)";; ours) l="proto smtp serve";; smtp4dev) l="smtp4dev 3.15.0 (in-memory db)";; esac
  bench_row "$l" "capture,$s" msg/s
done
echo "    proto serve / proto smtp serve $(bench_ratio capture,serve capture,ours higher)$([ "$SMTP4DEV" = 1 ] && echo "   proto serve / smtp4dev $(bench_ratio capture,serve capture,smtp4dev higher)")"; }
has client && { echo
echo "== SMTP clients, $CLIENT_MESSAGES x 1 KiB over one connection to smtp-sink (in process, after connect) =="
for c in ours mailkit; do
  bench_row "$c: rate" "client,$c,rate" msg/s
  bench_row "$c: CPU per message" "client,$c,cpu" us
  bench_row "$c: allocated per message" "client,$c,alloc" B
done
echo "    ours / MailKit: rate $(bench_ratio client,ours,rate client,mailkit,rate higher), CPU $(bench_ratio client,ours,cpu client,mailkit,cpu lower), allocation $(bench_ratio client,ours,alloc client,mailkit,alloc lower)"; }
echo
printf "peak RSS (1 MiB messages included): ours %s, ours-durable %s, ours-mem %s, smtp-sink %s, SmtpServer %s%s%s\n" "$(peak_rss "${PID[ours]}")" "$(peak_rss "${PID[ours-durable]}")" "$(peak_rss "${PID[ours-mem]}")" \
  "$(peak_rss "${PID[smtp-sink]}")" "$(peak_rss "${PID[smtpserver]}")" "$(has capture && echo ", proto serve $(peak_rss "${PID[serve]}")")" \
  "$([ "$SMTP4DEV" = 1 ] && echo ", smtp4dev $(peak_rss "${PID[smtp4dev]}")")"
echo "(ratios: of the medians; above 1.00x means ours is better)"
bench_footer
has server && for w in "${WORKLOADS[@]}"; do
  read -r size count mode <<<"$w"
  bench_summary "SMTP server, smtp-source -s $SESSIONS -m $count -l $size, $([ "$mode" = reuse ] && echo "connections reused (-d)" || echo "new connection per message")" \
    "$(bench_med "ours,$size,$mode" msg/s)" "smtp-sink $(bench_med "smtp-sink,$size,$mode"); SmtpServer $(bench_med "smtpserver,$size,$mode")" \
    "$(bench_ratio "ours,$size,$mode" "smtp-sink,$size,$mode" higher) / $(bench_ratio "ours,$size,$mode" "smtpserver,$size,$mode" higher)"
  bench_summary "same, durable (\`--store DIR\`: fsync before each 250)" "$(bench_med "ours-durable,$size,$mode" msg/s)" \
    "smtp-sink $(bench_med "smtp-sink,$size,$mode"); SmtpServer $(bench_med "smtpserver,$size,$mode")" \
    "$(bench_ratio "ours-durable,$size,$mode" "smtp-sink,$size,$mode" higher) / $(bench_ratio "ours-durable,$size,$mode" "smtpserver,$size,$mode" higher)"
  bench_summary "same, ours with the in-memory store (smtp-serve-memory)" "$(bench_med "ours-mem,$size,$mode" msg/s)" \
    "smtp-sink $(bench_med "smtp-sink,$size,$mode"); SmtpServer $(bench_med "smtpserver,$size,$mode")" \
    "$(bench_ratio "ours-mem,$size,$mode" "smtp-sink,$size,$mode" higher) / $(bench_ratio "ours-mem,$size,$mode" "smtpserver,$size,$mode" higher)"
done
has capture && bench_summary "\`proto serve\` capture, 10 KiB, new connection, -m $CAPTURE_MESSAGES" "$(bench_med capture,serve msg/s)" \
  "\`proto smtp serve\` $(bench_med capture,ours)$([ "$SMTP4DEV" = 1 ] && echo "; smtp4dev $(bench_med capture,smtp4dev)")" \
  "$(bench_ratio capture,serve capture,ours higher)$([ "$SMTP4DEV" = 1 ] && echo " / $(bench_ratio capture,serve capture,smtp4dev higher)")"
has client && bench_summary "SMTP client, $CLIENT_MESSAGES x 1 KiB on one connection to smtp-sink" \
  "$(bench_med client,ours,rate msg/s), $(bench_med client,ours,cpu) us CPU, $(bench_med client,ours,alloc) B alloc/msg" \
  "MailKit $(bench_med client,mailkit,rate), $(bench_med client,mailkit,cpu) us, $(bench_med client,mailkit,alloc) B" \
  "$(bench_ratio client,ours,rate client,mailkit,rate higher) (CPU $(bench_ratio client,ours,cpu client,mailkit,cpu lower), alloc $(bench_ratio client,ours,alloc client,mailkit,alloc lower))"
