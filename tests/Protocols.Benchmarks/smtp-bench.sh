#!/usr/bin/env bash
# SMTP side by side, one run: postfix smtp-source against our server (`proto smtp serve`, messages kept in
# memory), postfix smtp-sink and aiosmtpd (Sink handler); then our client vs python3 smtplib vs swaks sending to
# smtp-sink. Prints msg/s, MB/s, the server's peak RSS, and ratios to smtp-sink.
#
# usage: tests/Protocols.Benchmarks/smtp-bench.sh [MESSAGES]   (default 4000 per run; the issue's full runs use 20000)
# env:   SMTP_BENCH_MIB_MESSAGES (default 200 for 1 MiB), SMTP_BENCH_CLIENT_MESSAGES (default 5000), SESSIONS (default 20)
set -uo pipefail
cd "$(dirname "$0")/../.."

MESSAGES=${1:-4000}
MIB_MESSAGES=${SMTP_BENCH_MIB_MESSAGES:-200}
CLIENT_MESSAGES=${SMTP_BENCH_CLIENT_MESSAGES:-5000}
SESSIONS=${SESSIONS:-20}
PY=/usr/bin/python3
PROTO=src/Cli/bin/Release/net10.0/proto
for tool in /usr/sbin/smtp-source /usr/sbin/smtp-sink swaks $PY; do
  command -v "$tool" >/dev/null || { echo "smtp-bench: $tool is missing (run scripts/install-peers.sh)" >&2; exit 1; }
done
$PY -c 'import aiosmtpd' 2>/dev/null || { echo "smtp-bench: python3-aiosmtpd is missing" >&2; exit 1; }
[ -x "$PROTO" ] || dotnet build src/Cli -c Release -v quiet -nologo >/dev/null || exit 1

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/"$1"/status 2>/dev/null || echo "?"; }

# start_server NAME PORT -> sets SERVER_PID
start_server() {
  case "$1" in
    ours)      "$PROTO" smtp serve --port "$2" --max-size 0 --keep 100 >/dev/null 2>&1 & ;;
    smtp-sink) /usr/sbin/smtp-sink -u "$(id -un)" 127.0.0.1:"$2" 256 >/dev/null 2>&1 & ;;
    aiosmtpd)  $PY -m aiosmtpd -n -c aiosmtpd.handlers.Sink -l 127.0.0.1:"$2" >/dev/null 2>&1 & ;;
  esac
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_port "$2"
}

# run_source PORT SIZE COUNT REUSE -> prints "msg/s MB/s"
run_source() {
  local reuse=""
  [ "$4" = yes ] && reuse="-d"
  local start end
  start=$(date +%s.%N)
  timeout 300 /usr/sbin/smtp-source -s "$SESSIONS" -m "$3" -l "$2" $reuse -f bench@example.org -t sink@example.org 127.0.0.1:"$1" >/dev/null 2>&1 \
    || echo "smtp-source failed against port $1" >&2
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v n="$3" -v l="$2" 'BEGIN { t=e-s; printf "%.0f %.1f", n/t, n*l/t/1048576 }'
}

declare -A RATE
printf "load average: %s (2 cores shared; numbers are only comparable within this run)\n" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf "\n== server: smtp-source -s %s (messages per run: %s; %s at 1 MiB) ==\n" "$SESSIONS" "$MESSAGES" "$MIB_MESSAGES"
printf "%-10s %-9s %-7s %10s %9s %9s\n" server size mode msg/s MB/s peakRSS
for size in 100 10240 1048576; do
  count=$MESSAGES
  [ "$size" = 1048576 ] && count=$MIB_MESSAGES
  for server in ours smtp-sink aiosmtpd; do
    port=$(free_port)
    start_server "$server" "$port" || continue
    for reuse in no yes; do
      read -r rate mbs < <(run_source "$port" "$size" "$count" "$reuse")
      mode=$([ "$reuse" = yes ] && echo reuse || echo conn)
      RATE[$server,$size,$mode]=$rate
      printf "%-10s %-9s %-7s %10s %9s %8sM\n" "$server" "$size" "$mode" "$rate" "$mbs" "$(peak_rss_mb "$SERVER_PID")"
    done
    kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null
  done
done

printf "\n== ratios (ours / peer, msg/s) ==\n"
for size in 100 10240 1048576; do
  for mode in conn reuse; do
    o=${RATE[ours,$size,$mode]:-0}; s=${RATE[smtp-sink,$size,$mode]:-0}; a=${RATE[aiosmtpd,$size,$mode]:-0}
    awk -v o="$o" -v s="$s" -v a="$a" -v z="$size" -v m="$mode" \
      'BEGIN { printf "size %-8s %-6s ours/smtp-sink %5.2fx   ours/aiosmtpd %5.2fx\n", z, m, (s>0?o/s:0), (a>0?o/a:0) }'
  done
done

printf "\n== client: messages of 1 KiB to smtp-sink over one connection ==\n"
port=$(free_port)
start_server smtp-sink "$port"
msg=$(mktemp); printf 'From: a@example.org\r\nTo: b@example.org\r\nSubject: bench\r\n\r\n' > "$msg"
head -c 1000 /dev/zero | tr '\0' 'x' | fold -w 78 | sed 's/$/\r/' >> "$msg"
timed() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || echo "failed: $*" >&2; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN{printf "%.3f", e-s}'; }
t_ours=$(timed "$PROTO" smtp send --server 127.0.0.1:"$port" --from a@example.org --to b@example.org --eml "$msg" --repeat "$CLIENT_MESSAGES")
# Our own timing excludes process start and JIT (about 0.7 s here), which the wall-clock rate above includes.
r_ours_inner=$("$PROTO" smtp send --server 127.0.0.1:"$port" --from a@example.org --to b@example.org --eml "$msg" --repeat "$CLIENT_MESSAGES" 2>/dev/null | awk '/msg\/s/ {print $(NF-1)}')
t_py=$(timed $PY -c '
import smtplib, sys
data = open(sys.argv[2], "rb").read()
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
    for _ in range(int(sys.argv[3])): s.sendmail("a@example.org", ["b@example.org"], data)
' "$port" "$msg" "$CLIENT_MESSAGES")
SWAKS_MESSAGES=$(( CLIENT_MESSAGES / 25 )); [ "$SWAKS_MESSAGES" -lt 20 ] && SWAKS_MESSAGES=20
t_swaks=$(timed bash -c "for i in \$(seq $SWAKS_MESSAGES); do swaks -S -S --server 127.0.0.1:$port --from a@example.org --to b@example.org --data $msg --pipeline || exit 1; done")
rm -f "$msg"
awk -v n="$CLIENT_MESSAGES" -v sn="$SWAKS_MESSAGES" -v o="$t_ours" -v p="$t_py" -v w="$t_swaks" -v oi="${r_ours_inner:-0}" 'BEGIN {
  ro=n/o; rp=n/p; rw=sn/w
  printf "%-24s %8d msgs %10.0f msg/s  (wall clock, process start included)\n", "ours (pipelining)", n, ro
  printf "%-24s %8d msgs %10.0f msg/s  (timed inside, after connect)\n", "ours (pipelining)", n, oi
  printf "%-24s %8d msgs %10.0f msg/s\n", "python3 smtplib", n, rp
  printf "%-24s %8d msgs %10.0f msg/s  (one process per message)\n", "swaks", sn, rw
  printf "ratios: ours/smtplib %.2fx   ours/swaks %.2fx\n", ro/rp, ro/rw }'
