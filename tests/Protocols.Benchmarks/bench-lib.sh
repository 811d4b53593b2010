# Shared by the benchmark scripts (source it): wait for a quiet machine before each measured run, record each
# measurement, and print medians with min and max, and ratios of medians.
#
#   RUNS            repetitions of every measurement, interleaved with the peers' (default 3)
#   QUIET_LOAD      the 1-minute load average under which the machine counts as quiet (default 0.5)
#   QUIET_CPU       ... or: no process outside this benchmark above this many % of a core over 1 s, and all of
#                   them together under 4 times that (default 5)
#   QUIET_MAX_WAIT  seconds to wait for quiet before measuring anyway, with a warning (default 120; 0: never wait)
#
# Usage in a script:
#   source "$(dirname "$0")/bench-lib.sh"
#   for run in $(seq "$RUNS"); do
#     bench_wait_quiet; bench_record ours,list "$(measure ours)"
#     bench_wait_quiet; bench_record vsftpd,list "$(measure vsftpd)"
#   done
#   bench_row "LIST, ours" ours,list ms; bench_ratio ours,list vsftpd,list lower
RUNS=${RUNS:-3}
QUIET_LOAD=${QUIET_LOAD:-0.5}
QUIET_CPU=${QUIET_CPU:-5}
QUIET_MAX_WAIT=${QUIET_MAX_WAIT:-120}
BENCH_PY=/usr/bin/python3
BENCH_RESULTS=$(mktemp /tmp/bench-results.XXXXXX)
BENCH_LOADS=$(mktemp /tmp/bench-loads.XXXXXX)
BENCH_NOISY=0

# What else uses the CPU over one second, as "busiest-percent total-percent pid name": the busiest process that is
# not this script or one of its children (the servers under test wait idle between runs), and the CPU time of the
# whole machine outside this script's processes (/proc/stat), which also catches short-lived build processes.
bench_busiest() {
  $BENCH_PY - "$$" <<'PY'
import os, sys, time
me = int(sys.argv[1])
def snapshot():
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit(): continue
        try:
            with open(f"/proc/{pid}/stat") as f: s = f.read()
        except OSError: continue
        name = s[s.index("(") + 1:s.rindex(")")]
        rest = s[s.rindex(")") + 2:].split()
        out[int(pid)] = (int(rest[1]), int(rest[11]) + int(rest[12]), name)
    return out
def busy():
    with open("/proc/stat") as f: v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4]
a, ta = snapshot(), busy(); time.sleep(1.0); b, tb = snapshot(), busy()
def ours(pid):
    seen = 0
    while pid > 1 and seen < 64:
        if pid == me: return True
        pid = b.get(pid, a.get(pid, (0,)))[0]; seen += 1
    return False
tick = os.sysconf("SC_CLK_TCK")
best, mine = (0.0, 0, "-"), 0
for pid, (ppid, t, name) in b.items():
    used = t - a[pid][1] if pid in a else t
    if ours(pid) or pid == os.getpid():
        mine += used
        continue
    pct = used * 100.0 / tick
    if pct > best[0]: best = (pct, pid, name)
print(f"{best[0]:.0f} {max(0, tb - ta - mine) * 100.0 / tick:.0f} {best[1]} {best[2]}")
PY
}

bench_load() { cut -d' ' -f1 /proc/loadavg; }

# Waits until the load is under QUIET_LOAD or no other process uses more than QUIET_CPU % of a core; after
# QUIET_MAX_WAIT seconds it goes on and warns (on stderr) with the load. Records the load at the start of the run.
bench_wait_quiet() {
  local waited=0 top total pid name
  while true; do
    if awk -v l="$(bench_load)" -v q="$QUIET_LOAD" 'BEGIN { exit !(l < q) }'; then break; fi
    read -r top total pid name <<<"$(bench_busiest)"
    if awk -v p="$top" -v t="$total" -v q="$QUIET_CPU" 'BEGIN { exit !(p <= q && t <= 4 * q) }'; then break; fi
    if [ "$waited" -ge "$QUIET_MAX_WAIT" ]; then
      echo "bench: WARNING: not quiet after ${QUIET_MAX_WAIT}s (load $(cut -d' ' -f1-3 /proc/loadavg); others use ${total}% CPU, the busiest $name ($pid) ${top}%); measuring anyway" >&2
      BENCH_NOISY=1
      break
    fi
    sleep 4; waited=$((waited + 5))
  done
  bench_load >> "$BENCH_LOADS"
}

# bench_record KEY VALUE: one measurement (a number; "nan" for a failed run, which the statistics skip).
bench_record() { printf '%s %s\n' "$1" "$2" >> "$BENCH_RESULTS"; }

# bench_stat KEY median|min|max|n
bench_stat() {
  awk -v k="$1" '$1 == k && $2 != "nan" && $2 != "" { print $2 }' "$BENCH_RESULTS" | sort -g | awk -v w="$2" '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "nan"; exit }
      if (w == "n") print NR
      else if (w == "min") print v[1]
      else if (w == "max") print v[NR]
      else if (NR % 2) print v[(NR + 1) / 2]
      else print (v[NR / 2] + v[NR / 2 + 1]) / 2
    }'
}

# bench_fmt NUMBER: a readable number (1,234 for large ones, 3 significant digits for small ones).
bench_fmt() {
  awk -v x="$1" 'BEGIN {
    if (x == "nan") { print "n/a"; exit }
    if (x >= 1000) { s = sprintf("%.0f", x); out = ""; while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) } print s out }
    else if (x >= 100) printf "%.0f\n", x
    else if (x >= 10) printf "%.1f\n", x
    else printf "%.2f\n", x }'
}

# bench_row LABEL KEY UNIT: "label  median unit (min-max, n runs)".
bench_row() {
  printf '%-58s %12s %-6s (%s-%s, %s runs)\n' "$1" "$(bench_fmt "$(bench_stat "$2" median)")" "$3" \
    "$(bench_fmt "$(bench_stat "$2" min)")" "$(bench_fmt "$(bench_stat "$2" max)")" "$(bench_stat "$2" n)"
}

# bench_ratio OURS_KEY PEER_KEY higher|lower: ours / peer of the medians, flipped for "lower is better", so that
# above 1.00x always means ours is better.
bench_ratio() {
  awk -v o="$(bench_stat "$1" median)" -v p="$(bench_stat "$2" median)" -v d="$3" 'BEGIN {
    if (o == "nan" || p == "nan" || o == 0 || p == 0) { print "n/a"; exit }
    printf "%.2fx\n", (d == "lower" ? p / o : o / p) }'
}

# Footer: the loads the runs started at, and whether any run did not get a quiet machine.
bench_footer() {
  local loads
  loads=$(sort -g "$BENCH_LOADS" | awk '{ v[NR] = $1 } END { if (NR) printf "%s-%s (median %s) over %d runs", v[1], v[NR], v[int((NR + 1) / 2)], NR }')
  echo "load average at the start of the measured runs: ${loads:-none}; $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
  [ "$BENCH_NOISY" = 1 ] && echo "WARNING: some runs did not get a quiet machine (QUIET_MAX_WAIT=${QUIET_MAX_WAIT}s): treat the numbers as noisy"
  return 0
}

bench_cleanup_lib() { rm -f "$BENCH_RESULTS" "$BENCH_LOADS"; }

# Seconds of wall clock for a command (its output discarded); "nan" when it fails.
bench_time() {
  local s e
  s=$(date +%s.%N)
  "$@" >/dev/null 2>>"${BENCH_ERR:-/dev/null}" || { echo nan; return; }
  e=$(date +%s.%N)
  awk -v s="$s" -v e="$e" 'BEGIN { printf "%.6f\n", e - s }'
}

# A free loopback port; waiting for one to listen.
bench_free_port() { $BENCH_PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
bench_wait_port() {
  for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: nothing listens on port $1" >&2; return 1
}

# key=value field from a line printed by the benchmark exe's modes.
bench_field() { sed -nE "s/.*(^| )$1=([0-9.]+).*/\\2/p"; }

# The median of KEY, readable; with a unit after it.
bench_med() { echo "$(bench_fmt "$(bench_stat "$1" median)")${2:+ $2}"; }

# bench_summary WORK OURS PEERS RATIO: one row of the summary table that run-all.sh prints (when BENCH_SUMMARY is set).
bench_summary() {
  [ -n "${BENCH_SUMMARY:-}" ] && printf '| %s | %s | %s | %s |\n' "$@" >> "$BENCH_SUMMARY"
  return 0
}
