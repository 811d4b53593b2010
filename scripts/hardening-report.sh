#!/usr/bin/env bash
# Runs the hardening suite (tests/Protocols.Tests/Hardening) with report-sized counts and prints one table:
# load held, faults survived, bad inputs tried, attacks refused, messages/files lost, escapes (bytes or effects that got
# past a boundary: outside the served root, another origin) and leaks (names or data shown that must not be); lost,
# escapes and leaks must all be 0. And the time each took.
#   scripts/hardening-report.sh              # build, run, print (about 10 minutes on 2 cores)
#   scripts/hardening-report.sh --no-build   # reuse the last Release build
#   scripts/hardening-report.sh --markdown   # print the table as Markdown (for docs/reliability.md)
# Counts (environment, defaults below): PROTOCOLS_FUZZ_CASES (mutated inputs per fuzz target),
# PROTOCOLS_KILL_MESSAGES and PROTOCOLS_KILL_FILES (the kill -9 loads, SMTP and FTP), PROTOCOLS_LOAD_SESSIONS (concurrent SMTP sessions),
# PROTOCOLS_FTP_TRANSFERS (concurrent FTP transfers), PROTOCOLS_RACE_SECONDS (how long each symlink-swap race runs).
# Every load targets 127.0.0.0/8 only.
set -uo pipefail
cd "$(dirname "$0")/.."

build=1 markdown=0
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    --markdown) markdown=1 ;;
    *) echo "hardening-report.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

export PROTOCOLS_FUZZ_CASES="${PROTOCOLS_FUZZ_CASES:-20000}"
export PROTOCOLS_KILL_MESSAGES="${PROTOCOLS_KILL_MESSAGES:-10000}"
export PROTOCOLS_LOAD_SESSIONS="${PROTOCOLS_LOAD_SESSIONS:-1000}"
export PROTOCOLS_FTP_TRANSFERS="${PROTOCOLS_FTP_TRANSFERS:-200}"
export PROTOCOLS_KILL_FILES="${PROTOCOLS_KILL_FILES:-2000}"
export PROTOCOLS_RACE_SECONDS="${PROTOCOLS_RACE_SECONDS:-5}"
report="$(mktemp /tmp/hardening-report.XXXXXX)"
log="$(mktemp /tmp/hardening-log.XXXXXX)"
trap 'rm -f "$report" "$log"' EXIT
export PROTOCOLS_HARDENING_REPORT="$report"

if [ "$build" = 1 ]; then
  dotnet build Protocols.sln -c Release -v quiet -nologo >"$log" 2>&1 || { cat "$log" >&2; echo "hardening-report.sh: build failed" >&2; exit 1; }
fi

start=$(date +%s)
dotnet test tests/Protocols.Tests -c Release --no-build -nologo \
  --filter "FullyQualifiedName~Protocols.Tests.Hardening" --logger "console;verbosity=minimal" >"$log" 2>&1
status=$?
seconds=$(( $(date +%s) - start ))
summary="$(grep -E '^(Passed|Failed)!' "$log" | tail -1)"

awk -F'\t' -v markdown="$markdown" -v status="$status" -v seconds="$seconds" -v summary="$summary" \
    -v fuzz="$PROTOCOLS_FUZZ_CASES" -v kill="$PROTOCOLS_KILL_MESSAGES" '
  { kind[NR] = $1; check[NR] = $2; count[NR] = $3; lost[NR] = $4; time[NR] = $5; note[NR] = $6
    escapes[NR] = ($7 == "" ? "-" : $7); leaks[NR] = ($8 == "" ? "-" : $8)
    rows = NR; lostTotal += $4; escapesTotal += $7; leaksTotal += $8
    if ($1 == "bad input") { inputs += $3; inputTargets++ }
    else if ($1 == "load") { loads++ }
    else if ($1 == "fault") { faults++ }
    else if ($1 == "attack") { attacks++; if ($7 != "") { tried += $3 } } }
  END {
    split("load,fault,attack,bad input", order, ",")
    if (markdown) {
      print "| kind | check | count | lost | escapes | leaks | time (s) | notes |"
      print "|---|---|---:|---:|---:|---:|---:|---|"
    } else {
      printf "%-9s  %-62s %9s %5s %7s %5s %8s  %s\n", "kind", "check", "count", "lost", "escapes", "leaks", "time(s)", "notes"
    }
    for (k = 1; k <= 4; k++) for (i = 1; i <= rows; i++) if (kind[i] == order[k]) {
      if (markdown) printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", kind[i], check[i], count[i], lost[i], escapes[i], leaks[i], time[i], note[i]
      else printf "%-9s  %-62s %9s %5s %7s %5s %8s  %s\n", kind[i], substr(check[i], 1, 62), count[i], lost[i], escapes[i], leaks[i], time[i], note[i]
    }
    print ""
    printf "bad inputs tried: %d across %d fuzz targets (%s cases each)\n", inputs, inputTargets, fuzz
    printf "load held: %d load checks; faults survived: %d fault checks (kill -9 load: %s messages planned); attacks refused: %d\n", loads, faults, kill, attacks
    printf "messages/files lost: %d (must be 0); escapes: %d, leaks: %d in %d attack cases that count them (must be 0)\n", lostTotal, escapesTotal, leaksTotal, tried
    printf "tests: %s; %d s in all\n", (summary == "" ? "no summary (see the log)" : summary), seconds
  }' "$report"

if [ "$status" != 0 ]; then
  echo "hardening-report.sh: some hardening tests failed:" >&2
  grep -E "Failed |Error Message|Expected|But was" "$log" | head -40 >&2
  exit 1
fi
lost=$(awk -F'\t' '{ s += $4 } END { print s + 0 }' "$report")
[ "$lost" = 0 ] || { echo "hardening-report.sh: $lost messages/files lost" >&2; exit 1; }
escaped=$(awk -F'\t' '{ s += $7 + $8 } END { print s + 0 }' "$report")
[ "$escaped" = 0 ] || { echo "hardening-report.sh: $escaped escapes or leaks" >&2; exit 1; }
