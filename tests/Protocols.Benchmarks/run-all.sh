#!/usr/bin/env bash
# Every row of the performance table in one command: runs smtp-bench.sh, ftp-bench.sh, httpclient-bench.sh and
# http-bench.sh (each: RUNS interleaved runs with its peers, each run after waiting for a quiet machine; see
# bench-lib.sh), keeps their full output in LOG, and prints the summary table (Markdown) with the loads at the end.
#
# usage: tests/Protocols.Benchmarks/run-all.sh [smtp ftp httpclient http]   (default: all four)
# env:   RUNS (3), QUIET_LOAD (0.5), QUIET_CPU (5), QUIET_MAX_WAIT (120 s), LOG (/tmp/protocols-bench-<time>.log),
#        and each script's own (MESSAGES, FILES, SIZE_MIB, COUNT, SMTP4DEV, ...)
set -uo pipefail
cd "$(dirname "$0")/../.."
export RUNS=${RUNS:-3}
LOG=${LOG:-/tmp/protocols-bench-$(date -u +%Y%m%d-%H%M).log}
export BENCH_SUMMARY
BENCH_SUMMARY=$(mktemp /tmp/bench-summary.XXXXXX)
trap 'rm -f "$BENCH_SUMMARY"' EXIT
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(smtp ftp httpclient http)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
status=0
for suite in "${suites[@]}"; do
  script="tests/Protocols.Benchmarks/$suite-bench.sh"
  [ -x "$script" ] || { echo "run-all: no $script" >&2; exit 2; }
  echo "== $suite-bench.sh (load $(cut -d' ' -f1-3 /proc/loadavg)) ==" | tee -a "$LOG"
  "$script" 2>&1 | tee -a "$LOG" | grep -E '^(  run|  server run|  client run|load average|WARNING)'
  rc=${PIPESTATUS[0]}
  [ "$rc" = 0 ] || { echo "run-all: $suite-bench.sh failed (see $LOG)" >&2; status=1; }
done
echo
echo "Measured $started to $(date -u '+%H:%M UTC'), commit $(git rev-parse --short HEAD), RUNS=$RUNS, $(nproc) cores; medians (ratios: ours / peer, above 1.00x = ours better):"
echo
echo "| work | ours | peers | ratio |"
echo "|---|---|---|---|"
cat "$BENCH_SUMMARY"
echo
grep -E '^load average at the start' "$LOG" | tail -n ${#suites[@]} | sed "s/^/- /"
grep -q 'did not get a quiet machine' "$LOG" && echo "- WARNING: some runs did not get a quiet machine (see $LOG)"
echo "(full output: $LOG)"
exit $status
