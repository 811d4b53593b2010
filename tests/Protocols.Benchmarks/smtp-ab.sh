#!/usr/bin/env bash
# Before/after of two builds of the SMTP server in the same minutes, with SmtpServer 11.1.0 beside them: each NAME=WHAT
# is started once, warmed up (2 x WARMUP messages, so the JIT has tiered the DATA path), then RUNS rounds of
# `smtp-source -s SESSIONS -m MESSAGES -l SIZE` go to each in turn; prints msg/s and server CPU per message (utime +
# stime from /proc), medians with min and max, ratios to the first and to PEER (default: the one named smtpserver), and
# each server's peak RSS.
#   WHAT: a benchmark build folder (its Protocols.Benchmarks.dll runs `smtp-serve-memory`, the in-memory store),
#         proto:FOLDER (`FOLDER/proto smtp serve`, the SQLite store, --keep 100), or smtpserver (the peer, from
#         this tree's build), or smtp-sink (postfix's, the C event loop that discards), or proto-durable:FOLDER (as
#         proto:FOLDER with --store DIR: every message fsynced before its 250); VAR=VALUE,...@WHAT starts it
#         with those variables in its environment (an A/B of one build's switches, e.g. PROTOCOLS_BULK=none@FOLDER).
# Each run also takes the CPU of the server's event-loop threads (ours ".NET Lines N", .NET's ".NET Sockets") per message:
# "loop" and "rest" (every other thread, the thread pool's included) show whether the work spreads past one core.
# Context switches per message too: voluntary and involuntary (all threads), and the event-loop threads' voluntary ones
# (its sleeps in epoll_wait; smtp-sink is one thread, so its voluntary count is its loop's).
# usage: tests/Protocols.Benchmarks/smtp-ab.sh before=/tmp/main-bench after=tests/Protocols.Benchmarks/bin/Release/net10.0 peer=smtpserver
#   (keep a copy of main's bin/Release/net10.0 as the "before"; build this tree's first)
# env:   SIZE (1048576), MESSAGES (300), WARMUP (300), SESSIONS (20), RUNS (3), QUIET_* (bench-lib.sh), PER_RUN (1: a line per run on stderr)
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/Protocols.Benchmarks/bench-lib.sh
SIZE=${SIZE:-1048576}
MESSAGES=${MESSAGES:-300}
WARMUP=${WARMUP:-300}
SESSIONS=${SESSIONS:-20}
[ $# -ge 1 ] || { sed -n 2,15p "$0" >&2; exit 2; }
PEER_DLL=tests/Protocols.Benchmarks/bin/Release/net10.0/Protocols.Benchmarks.dll
WORK=$(mktemp -d /tmp/smtp-ab.XXXXXX)
declare -A PORT PID
NAMES=()
cleanup() { for n in "${NAMES[@]}"; do kill "${PID[$n]}" 2>/dev/null; wait "${PID[$n]}" 2>/dev/null; done; rm -rf "$WORK"; bench_cleanup_lib; }
trap cleanup EXIT
loop_cpu_of() {
  local t sum=0
  for t in /proc/"$1"/task/*; do
    [[ $(<"$t/comm") == ".NET Lines"* || $(<"$t/comm") == ".NET Sockets"* ]] || continue
    sum=$(awk -v s="$sum" '{ sub(/^.*\) /, ""); print s + $12 + $13 }' "$t/stat" 2>/dev/null || echo "$sum")
  done
  awk -v s="$sum" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f\n", s / hz }'
}
# Context switches of the whole process (voluntary involuntary) and the voluntary ones of its event-loop threads (each
# a sleep in epoll_wait and so one wake-up of the loop), from /proc/PID/task/*/status.
switches_of() {
  local t v i vol=0 inv=0 loop=0
  for t in /proc/"$1"/task/*; do
    v=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "$t/status" 2>/dev/null) || continue
    i=$(awk '/^nonvoluntary_ctxt_switches/ { print $2 }' "$t/status" 2>/dev/null) || continue
    vol=$((vol + ${v:-0})); inv=$((inv + ${i:-0}))
    [[ $(<"$t/comm") == ".NET Lines"* || $(<"$t/comm") == ".NET Sockets"* ]] && loop=$((loop + ${v:-0}))
  done
  echo "$vol $inv $loop"
}
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15) / hz }' /proc/"$1"/stat 2>/dev/null || echo nan; }
source_run() { /usr/sbin/smtp-source -s "$SESSIONS" -m "$2" -l "$SIZE" -f w@example.org -t w@example.org 127.0.0.1:"${PORT[$1]}"; }

for spec in "$@"; do
  name=${spec%%=*}; what=${spec#*=}; port=$(bench_free_port); envs=()
  if [[ $what == *@* ]]; then IFS=, read -ra envs <<<"${what%%@*}"; what=${what#*@}; fi
  case "$what" in
    smtpserver) env "${envs[@]}" dotnet "$PEER_DLL" smtpserver-sink "$port" >/dev/null 2>"$WORK/$name.log" & ;;
    smtp-sink)  /usr/sbin/smtp-sink -u "$(id -un)" 127.0.0.1:"$port" 256 >/dev/null 2>"$WORK/$name.log" & ;;
    proto-durable:*) mkdir -p "$WORK/$name"
                (cd "$WORK/$name" && exec env "${envs[@]}" "${what#proto-durable:}/proto" smtp serve --port "$port" --max-size 0 --keep 100 --store "$WORK/$name/store" >/dev/null 2>"$WORK/$name.log") & ;;
    proto:*)    mkdir -p "$WORK/$name"
                (cd "$WORK/$name" && exec env "${envs[@]}" "${what#proto:}/proto" smtp serve --port "$port" --max-size 0 --keep 100 >/dev/null 2>"$WORK/$name.log") & ;;
    *)          env DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 "${envs[@]}" dotnet "$what/Protocols.Benchmarks.dll" smtp-serve-memory "$port" >/dev/null 2>"$WORK/$name.log" & ;;
  esac
  PID[$name]=$!; PORT[$name]=$port; NAMES+=("$name")
  bench_wait_port "$port" || { echo "smtp-ab: $name did not start:" >&2; tail -5 "$WORK/$name.log" >&2; exit 1; }
done
for round in 1 2; do for n in "${NAMES[@]}"; do source_run "$n" "$WARMUP" >/dev/null 2>&1; sleep 1; done; done

echo "smtp-ab: smtp-source -s $SESSIONS -m $MESSAGES -l $SIZE, $RUNS interleaved runs; $(nproc) cores"
for run in $(seq "$RUNS"); do
  for n in "${NAMES[@]}"; do
    bench_wait_quiet
    c0=$(cpu_of "${PID[$n]}"); l0=$(loop_cpu_of "${PID[$n]}"); read -r v0 i0 w0 <<<"$(switches_of "${PID[$n]}")"
    t=$(bench_time source_run "$n" "$MESSAGES")
    c1=$(cpu_of "${PID[$n]}"); l1=$(loop_cpu_of "${PID[$n]}"); read -r v1 i1 w1 <<<"$(switches_of "${PID[$n]}")"
    bench_record "$n,vol" "$(awk -v a="$v0" -v b="$v1" -v m="$MESSAGES" 'BEGIN { printf "%.2f\n", (b - a) / m }')"
    bench_record "$n,inv" "$(awk -v a="$i0" -v b="$i1" -v m="$MESSAGES" 'BEGIN { printf "%.2f\n", (b - a) / m }')"
    bench_record "$n,wake" "$(awk -v a="$w0" -v b="$w1" -v m="$MESSAGES" 'BEGIN { printf "%.2f\n", (b - a) / m }')"
    bench_record "$n,loop" "$(awk -v a="$l0" -v b="$l1" -v m="$MESSAGES" 'BEGIN { printf "%.0f\n", (b - a) * 1e6 / m }')"
    bench_record "$n,rest" "$(awk -v a="$c0" -v b="$c1" -v la="$l0" -v lb="$l1" -v m="$MESSAGES" 'BEGIN { printf "%.0f\n", ((b - a) - (lb - la)) * 1e6 / m }')"
    bench_record "$n,rate" "$(awk -v t="$t" -v m="$MESSAGES" 'BEGIN { print (t == "nan" ? "nan" : m / t) }')"
    [ "${PER_RUN:-0}" = 1 ] && awk -v n="$n" -v r="$run" -v t="$t" -v m="$MESSAGES" -v a="$c0" -v b="$c1" -v w0="$w0" -v w1="$w1" -v v0="$v0" -v v1="$v1" -v l="$(bench_load)" \
      'BEGIN { printf "  run %d %-12s %7.0f msg/s %5.0f us CPU/msg, %.2f switches (loop %.2f) per message, load %s\n", r, n, m / t, (b - a) * 1e6 / m, (v1 - v0) / m, (w1 - w0) / m, l }' >&2
    bench_record "$n,cpu" "$(awk -v a="$c0" -v b="$c1" -v m="$MESSAGES" 'BEGIN { printf "%.0f\n", (b - a) * 1e6 / m }')"
  done
done
first=${NAMES[0]}
peer=${PEER:-smtpserver}
for n in "${NAMES[@]}"; do
  bench_row "$n: msg/s" "$n,rate" msg/s
  bench_row "$n: server CPU per message" "$n,cpu" us
  bench_row "$n:   of it on the event loop's threads" "$n,loop" us
  bench_row "$n:   on the other threads" "$n,rest" us
  bench_row "$n: context switches per message, voluntary" "$n,vol" ""
  bench_row "$n:   involuntary" "$n,inv" ""
  bench_row "$n:   the event loop's sleeps (wake-ups)" "$n,wake" ""
  printf '    %s against %s: rate %s, CPU %s' "$n" "$first" "$(bench_ratio "$n,rate" "$first,rate" higher)" "$(bench_ratio "$n,cpu" "$first,cpu" lower)"
  [ -n "${PID[$peer]:-}" ] && printf '; against %s: rate %s, CPU %s' "$peer" "$(bench_ratio "$n,rate" "$peer,rate" higher)" "$(bench_ratio "$n,cpu" "$peer,cpu" lower)"
  printf '; peak RSS %s\n' "$(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/"${PID[$n]}"/status)"
done
echo "(ratios above 1.00x: better than the other, for CPU too)"
bench_footer
