#!/usr/bin/env bash
# The mail store under load (issue 17), one run, printing a table. postfix smtp-source -s SESSIONS sends 10 KiB
# messages (new connection per message) into:
#   1. postfix smtp-sink (C, discards) and `proto smtp serve` without --store (a temporary store, not flushed): the
#      same machine's ceiling and our SMTP path without durability, in the same run;
#   2. `proto serve --store DIR` (SQLite, WAL, synchronous=FULL, 250 only after the commit): msg/s, CPU ms per message
#      (less load-dependent than msg/s on a shared machine), commits and the histogram of messages per commit,
#      flushes (fsync/fdatasync) per commit, peak RSS during and after;
#   3. the same with every fsync made slower by SLOW_FSYNC_MS (default "2 10") through an LD_PRELOAD shim built here
#      into /tmp (a loop device is tried first and said when missing);
#   4. with every message stored: startup to ready, the first page, a subject: query, a free-text query and a page far
#      down (p50/p99 over REPEAT requests each), RSS;
#   5. LARGE messages of 10 MB (bytes as .eml files beside the database; LARGE_MODES="files db" adds bytes in the
#      database): msg/s, MB/s, peak RSS during and after;
#   6. PostgreSQL (a throwaway server from /usr/lib/postgresql/*/bin on a free port): the same small-message ingest,
#      CPU of proto and of the server per message, commits; then restarted: startup, the list, subject:, from: and
#      free-text queries matching all and none, a page by cursor;
#   7. smtp4dev 3.15.0 (its SQLite store in a file) on the same 10 KiB load, as a ratio (S4D_SMALL messages).
#   0. the store alone in process (`Protocols.Benchmarks store-append`: 20 appenders, no SMTP), APPEND messages of each
#      of APPEND_SIZES, durable and temporary (and with APPEND_KEEP=N each also as --keep N: the smtp-bench row's shape),
#      3 rounds: CPU us and bytes allocated per append; with BENCH_BEFORE (a copy of
#      another benchmark build) the two builds alternate, so a change to the store shows above the machine's noise.
# Seeding is through SMTP (the real path) in steps 1-7. No loop: rerun by hand on a quiet machine.
#
# usage: tests/Protocols.Benchmarks/store-bench.sh
# env:   SMALL (100000) SMALL_SIZE (10240) SESSIONS (20) REPEAT (100) SLOW_SMALL (20000) SLOW_FSYNC_MS ("2 10")
#        LARGE (300) LARGE_SIZE (10000000: under the 10240000 SMTP limit) LARGE_MODES (files) PG_SMALL (20000)
#        PROTO_STORE_CHECKPOINT_MS (unset; 100 = checkpoints on a background connection every 100 ms, inherited by proto:
#        docs/store.md "Checkpoints") S4D_SMALL (1000) PROTO (a proto built elsewhere, e.g. a copy of src/Cli/bin/Release/net10.0, so a build
#        meanwhile does not change it under the run; default: build src/Cli and use that) BENCH (the benchmark build for step 0; default: build tests/Protocols.Benchmarks) BENCH_BEFORE (a second one, alternated with it)
#        APPEND (20000) APPEND_SIZES ("100 10240") APPEND_KEEP (unset) SKIP_APPEND=1 (no step 0) SKIP_BASE=1 (no step 1) SKIP_SLOW=1 SKIP_LARGE=1 SKIP_PG=1 SKIP_S4D=1 BENCH_TOOLS (/tmp/protocols-bench-tools)
set -uo pipefail
cd "$(dirname "$0")/../.."

SMALL=${SMALL:-100000}; SMALL_SIZE=${SMALL_SIZE:-10240}; SESSIONS=${SESSIONS:-20}; REPEAT=${REPEAT:-100}
SLOW_SMALL=${SLOW_SMALL:-20000}; SLOW_FSYNC_MS=${SLOW_FSYNC_MS:-2 10}; APPEND=${APPEND:-20000}; APPEND_SIZES=${APPEND_SIZES:-100 10240}
LARGE=${LARGE:-300}; LARGE_SIZE=${LARGE_SIZE:-10000000}; LARGE_MODES=${LARGE_MODES:-files}
PG_SMALL=${PG_SMALL:-20000}; S4D_SMALL=${S4D_SMALL:-1000}
TOOLS=${BENCH_TOOLS:-/tmp/protocols-bench-tools}
PY=/usr/bin/python3
command -v /usr/sbin/smtp-source >/dev/null || { echo "store-bench: smtp-source is missing (run scripts/install-peers.sh)" >&2; exit 1; }
if [ -z "${PROTO:-}" ]; then
  dotnet build src/Cli -c Release -v quiet -nologo >/dev/null || { echo "store-bench: the build failed" >&2; exit 1; }
  PROTO=src/Cli/bin/Release/net10.0/proto
fi

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.05; done; echo "store-bench: $1 never answered" >&2; return 1; }
wait_port() { for _ in $(seq 1 600); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "store-bench: port $1 never listened" >&2; return 1; }
work=$(mktemp -d /tmp/store-bench.XXXXXX)
pid=""; pgdata=""; PGBIN=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -n "$pgdata" ] && runas "$PGBIN/pg_ctl" -D "$pgdata/db" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$work"; [ -n "$pgdata" ] && rm -rf "$pgdata"
}
trap cleanup EXIT
runas() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }

# The slow-fsync shim: sleeps SLOW_FSYNC_US before each fsync/fdatasync, counts them, writes the count to
# SLOW_FSYNC_COUNT at exit. Built with the system gcc into the work directory.
SHIM=""
if command -v gcc >/dev/null; then
  cat > "$work/slowfsync.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static atomic_long calls;
static void slow(void) {
  const char *us = getenv("SLOW_FSYNC_US");
  long d = us ? atol(us) : 0;
  atomic_fetch_add(&calls, 1);
  if (d > 0) { struct timespec t = { d / 1000000, (d % 1000000) * 1000 }; nanosleep(&t, NULL); }
}
int fsync(int fd) { static int (*real)(int); if (!real) real = dlsym(RTLD_NEXT, "fsync"); slow(); return real(fd); }
int fdatasync(int fd) { static int (*real)(int); if (!real) real = dlsym(RTLD_NEXT, "fdatasync"); slow(); return real(fd); }
__attribute__((destructor)) static void report(void) {
  const char *path = getenv("SLOW_FSYNC_COUNT");
  FILE *f = path ? fopen(path, "w") : NULL;
  if (f) { fprintf(f, "%ld\n", (long)atomic_load(&calls)); fclose(f); }
}
C
  gcc -O2 -shared -fPIC -o "$work/slowfsync.so" "$work/slowfsync.c" -ldl && SHIM="$work/slowfsync.so"
fi

# start KIND STORE LOG [env...]: KIND serve (proto serve, sets mail: the mail page and API port) or smtp (proto smtp serve); sets pid, smtp, ready (ms)
start() {
  local kind=$1 store=$2 log=$3; shift 3
  smtp=$(free_port); http=$(free_port); mail=$(free_port)
  local t0; t0=$(date +%s%N)
  if [ "$kind" = serve ]; then
    env "$@" "$PROTO" serve --root "$work" --store "$store" --smtp-port "$smtp" --http-port "$http" --mail-port "$mail" --ftp-port 0 --pop3-port 0 --imap-port 0 >/dev/null 2>"$log" &
    pid=$!
    wait_http "http://127.0.0.1:$mail/api/stats" || { cat "$log" >&2; exit 1; }
  else
    env "$@" "$PROTO" smtp serve --port "$smtp" ${store:+--store "$store"} >/dev/null 2>"$log" &
    pid=$!
    wait_port "$smtp" || { cat "$log" >&2; exit 1; }
  fi
  ready=$(( ($(date +%s%N) - t0) / 1000000 ))
}
stop() { kill -TERM "$pid"; wait "$pid" 2>/dev/null; pid=""; }
peak() { awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/"$1"/status; }
now() { awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/"$1"/status; }
ticks() { local t=0 p; for p in "$@"; do t=$(( t + $(awk '{print $14+$15}' /proc/"$p"/stat 2>/dev/null || echo 0) )); done; echo "$t"; }
# ingest N SIZE [PIDS...]: smtp-source into $smtp; sets rate (msg/s) and cpu (ms of CPU per message of PIDS, default $pid)
ingest() {
  local n=$1 size=$2; shift 2
  local pids=("${@:-$pid}")
  local s e c0 c1; c0=$(ticks "${pids[@]}"); s=$(date +%s.%N)
  timeout 3600 /usr/sbin/smtp-source -s "$SESSIONS" -m "$n" -l "$size" -S "test message" -f bench@example.org -t sink@example.org \
    127.0.0.1:"$smtp" >/dev/null 2>&1 || echo "store-bench: smtp-source failed" >&2
  e=$(date +%s.%N); c1=$(ticks "${pids[@]}")
  rate=$(awk -v s="$s" -v e="$e" -v n="$n" 'BEGIN { printf "%.0f", n/(e-s) }')
  cpu=$(awk -v a="$c0" -v b="$c1" -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", (b-a)*1000/hz/n }')
}
warm() { /usr/sbin/smtp-source -s "$SESSIONS" -m 2000 -l "$SMALL_SIZE" -f warm@example.org -t sink@example.org 127.0.0.1:"$smtp" >/dev/null 2>&1; }
# latency URL: p50 and p99 in ms over REPEAT requests
latency() {
  for _ in $(seq 1 "$REPEAT"); do curl -s -o /dev/null -w '%{time_total}\n' "$1"; done | sort -n |
    awk '{ v[NR]=$1 } END { a=int(NR*0.5); if (a<1) a=1; b=int(NR*0.99); if (b<1) b=1; printf "p50 %.1f ms, p99 %.1f ms", v[a]*1000, v[b]*1000 }'
}
stored() { curl -s "http://127.0.0.1:$mail/api/stats" | $PY -c 'import json,sys; print(json.load(sys.stdin)["messages"])'; }
commits() { grep -o 'store: [0-9]* messages in [0-9]* commits.*' "$1" | tail -1 | sed 's/^store: //'; }
batches() { grep -o 'store: [0-9]* messages in [0-9]* commits' "$1" | tail -1 | awk '{print $5}'; }
load() { cut -d' ' -f1 /proc/loadavg; }

printf "load average at start: %s (2 cores shared with other builds and tests: rates are indicative; CPU ms/message is steadier)\n" "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "| load | result |"
echo "|---|---|"

# 0. the store alone, in process (no SMTP, no sockets): CPU and allocation per append, before/after in alternation
if [ -z "${SKIP_APPEND:-}" ]; then
  if [ -z "${BENCH:-}" ]; then
    dotnet build tests/Protocols.Benchmarks -c Release -v quiet -nologo >/dev/null || { echo "store-bench: the benchmark build failed" >&2; exit 1; }
    BENCH=tests/Protocols.Benchmarks/bin/Release/net10.0
  fi
  for size in $APPEND_SIZES; do for mode in durable temp; do for keep in "" ${APPEND_KEEP:-}; do for round in 1 2 3; do
    for build in ${BENCH_BEFORE:+before} after; do
      dir=$BENCH; [ "$build" = before ] && dir=$BENCH_BEFORE
      echo "| store alone ($build), 20 appenders | $(dotnet "$dir/Protocols.Benchmarks.dll" store-append "$size" "$APPEND" "$mode" $keep) (load $(load)) |"
    done
  done; done; done; done
fi

# 1. the ceiling and the path without durability, same load, same run
if [ -z "${SKIP_BASE:-}" ]; then
port=$(free_port)
/usr/sbin/smtp-sink -u "$(id -un)" 127.0.0.1:"$port" 256 >/dev/null 2>&1 & pid=$!; smtp=$port; wait_port "$smtp"
ingest "$SLOW_SMALL" "$SMALL_SIZE"; stop
echo "| postfix smtp-sink (discards), $SLOW_SMALL x $SMALL_SIZE B | $rate msg/s (load $(load)) |"
start smtp "" "$work/temp.log"; warm
ingest "$SLOW_SMALL" "$SMALL_SIZE"; during=$(peak "$pid"); stop
temp_rate=$rate
echo "| \`proto smtp serve\` (temporary store, not flushed), $SLOW_SMALL x $SMALL_SIZE B | $rate msg/s, CPU $cpu ms/msg; $(commits "$work/temp.log"); peak RSS $during MB (load $(load)) |"
fi

# 2. durable SQLite, everything through SMTP
start serve "$work/sqlite" "$work/sqlite.log" ${SHIM:+LD_PRELOAD=$SHIM SLOW_FSYNC_COUNT=$work/fsyncs}
warm
ingest "$SMALL" "$SMALL_SIZE"
during=$(peak "$pid"); count=$(stored); after=$(now "$pid")
stop
flushes=$(cat "$work/fsyncs" 2>/dev/null || echo "?")
echo "| SQLite \`proto serve --store\`, $SMALL x $SMALL_SIZE B, smtp-source -s $SESSIONS | **$rate msg/s**, CPU $cpu ms/msg; $count stored (2,000 of them warm-up); $(commits "$work/sqlite.log"); $flushes flushes ($(awk -v f="$flushes" -v b="$(batches "$work/sqlite.log")" 'BEGIN { if (b > 0 && f != "?") printf "%.2f", f/b; else print "?" }') per commit); peak RSS $during MB, $after MB after (load $(load)) |"
[ -n "${temp_rate:-}" ] && echo "| durable SQLite / temporary store (same run) | $(awk -v a="$rate" -v b="$temp_rate" 'BEGIN { printf "%.2f", a/b }') |"

# 3. slower flushes
if [ -z "${SKIP_SLOW:-}" ]; then
  # A slow disk for real would be a loop device behind device-mapper's delay target; say what this machine allows.
  if dmsetup targets 2>/dev/null | grep -q '^delay'; then dm="device-mapper has the delay target (not used: the shim is the same everywhere)"
  else dm="device-mapper's delay target is not available ($(losetup -f >/dev/null 2>&1 && echo "loop devices are" || echo "nor are loop devices")), so no slow block device"; fi
  echo "| slow disk | $dm: every fsync/fdatasync of proto is slowed by an LD_PRELOAD shim instead |"
  if [ -z "$SHIM" ]; then echo "| slow fsync | gcc missing: no shim |"; else
    for ms in $SLOW_FSYNC_MS; do
      rm -f "$work/fsyncs"
      start serve "$work/slow$ms" "$work/slow$ms.log" LD_PRELOAD="$SHIM" SLOW_FSYNC_US=$((ms * 1000)) SLOW_FSYNC_COUNT="$work/fsyncs"
      warm; ingest "$SLOW_SMALL" "$SMALL_SIZE"; during=$(peak "$pid"); stop
      echo "| SQLite, every fsync $ms ms slower, $SLOW_SMALL x $SMALL_SIZE B | **$rate msg/s**; $(commits "$work/slow$ms.log"); $(cat "$work/fsyncs" 2>/dev/null || echo "?") flushes; peak RSS $during MB (load $(load)) |"
      rm -rf "$work/slow$ms"
    done
  fi
fi

# 4. with everything stored: restart, first page, queries
start serve "$work/sqlite" "$work/sqlite2.log"
base="http://127.0.0.1:$mail/api/messages"
echo "| SQLite with $count stored: startup to ready (exec to the API answering) | $ready ms |"
echo "| first page (limit=100) | $(latency "$base?limit=100") |"
echo "| subject: query (subject:test, matches all, limit=100) | $(latency "$base?limit=100&query=subject%3Atest") |"
echo "| subject: query matching none (subject:nosuch) | $(latency "$base?limit=100&query=subject%3Anosuch") |"
echo "| free-text query (message: a word of every subject, limit=100) | $(latency "$base?limit=100&query=message") |"
echo "| free-text query matching none (zzzz) | $(latency "$base?limit=100&query=zzzz") |"
echo "| a page far down by cursor (cursor=$((count / 2))) | $(latency "$base?limit=100&cursor=$((count / 2))") |"
echo "| RSS after the queries | peak $(peak "$pid") MB, now $(now "$pid") MB (load $(load)) |"
stop
rm -rf "$work/sqlite"

# 5. large messages
if [ -z "${SKIP_LARGE:-}" ]; then
  for mode in $LARGE_MODES; do
    if [ "$mode" = files ]; then limit=1048576; else limit=999999999999; fi
    start serve "$work/large-$mode" "$work/large-$mode.log" PROTO_STORE_INLINE_LIMIT=$limit
    ingest "$LARGE" "$LARGE_SIZE"
    during=$(peak "$pid"); count=$(stored); after=$(now "$pid")
    stop
    size=$(du -sm "$work/large-$mode" | cut -f1)
    echo "| SQLite, $LARGE x $LARGE_SIZE B, bytes as $mode | $rate msg/s ($(awk -v r="$rate" -v l="$LARGE_SIZE" 'BEGIN{printf "%.0f", r*l/1048576}') MB/s); $count stored; $size MB on disk; peak RSS **$during MB**, $after MB after (load $(load)) |"
    rm -rf "$work/large-$mode"
  done
fi

# 6. PostgreSQL
if [ -z "${SKIP_PG:-}" ]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$PGBIN" ]; then echo "| PostgreSQL | missing (/usr/lib/postgresql/*/bin): run scripts/install-peers.sh |"; else
    pgdata=$(mktemp -d); [ "$(id -u)" = 0 ] && chown nobody "$pgdata"
    pgport=$(free_port)
    runas "$PGBIN/initdb" -D "$pgdata/db" -U postgres --auth=trust -E UTF8 >/dev/null
    runas "$PGBIN/pg_ctl" -D "$pgdata/db" -l "$pgdata/log" -w start -o "-p $pgport -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" >/dev/null
    start serve "postgres://postgres@127.0.0.1:$pgport/postgres" "$work/pg.log"
    warm
    # The server's CPU too: the postmaster, the children it has now (backends, autovacuum workers, WAL writer,
    # checkpointer) and those that ended (the postmaster's cutime/cstime).
    postmaster=$(head -1 "$pgdata/db/postmaster.pid")
    pg_ticks() { local t c; t=$(awk '{print $14+$15+$16+$17}' /proc/"$postmaster"/stat); for c in $(pgrep -P "$postmaster"); do t=$(( t + $(ticks "$c") )); done; echo "$t"; }
    p0=$(pg_ticks)
    ingest "$PG_SMALL" "$SMALL_SIZE" "$pid"; proto_cpu=$cpu
    pg_cpu=$(awk -v a="$p0" -v b="$(pg_ticks)" -v n="$PG_SMALL" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", (b-a)*1000/hz/n }')
    rate_proto=$rate
    during=$(peak "$pid"); count=$(stored)
    echo "| PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') ingest, $PG_SMALL x $SMALL_SIZE B | **$rate_proto msg/s**, CPU proto $proto_cpu ms/msg, PostgreSQL $pg_cpu ms/msg; $count stored (2,000 of them warm-up); peak RSS $during MB (proto) (load $(load)) |"
    stop
    echo "| PostgreSQL commits | $(commits "$work/pg.log") |"
    # The list and the queries after a restart (as step 4 does for SQLite), so the planner has its statistics.
    start serve "postgres://postgres@127.0.0.1:$pgport/postgres" "$work/pg2.log"
    base="http://127.0.0.1:$mail/api/messages"
    echo "| PostgreSQL with $count stored: startup to ready | $ready ms |"
    echo "| PostgreSQL first page (limit=100) | $(latency "$base?limit=100") |"
    echo "| PostgreSQL subject:test (matches all) / subject:nosuch (none) | $(latency "$base?limit=100&query=subject%3Atest") / $(latency "$base?limit=100&query=subject%3Anosuch") |"
    echo "| PostgreSQL from:bench (matches all) / from:nobody (none) | $(latency "$base?limit=100&query=from%3Abench") / $(latency "$base?limit=100&query=from%3Anobody") |"
    echo "| PostgreSQL free text message (matches all) / zzzz (none) | $(latency "$base?limit=100&query=message") / $(latency "$base?limit=100&query=zzzz") |"
    echo "| PostgreSQL a page far down by cursor (cursor=$((count / 2))) | $(latency "$base?limit=100&cursor=$((count / 2))") (load $(load)) |"
    stop
  fi
fi

# 7. smtp4dev on the same load
if [ -z "${SKIP_S4D:-}" ]; then
  if [ ! -x "$TOOLS/smtp4dev" ]; then
    dotnet tool install Rnwood.Smtp4dev --version 3.15.0 --tool-path "$TOOLS" >/dev/null 2>&1 \
      || echo "| smtp4dev | could not install Rnwood.Smtp4dev 3.15.0 into $TOOLS |"
  fi
  if [ -x "$TOOLS/smtp4dev" ]; then
    smtp=$(free_port); mkdir -p "$work/smtp4dev"
    (cd "$work" && exec "$TOOLS/smtp4dev" --smtpport="$smtp" --imapport="$(free_port)" --pop3port="$(free_port)" \
      --urls="http://127.0.0.1:$(free_port)" --db="$work/smtp4dev/database.db" --nousersettings --hostname=localhost \
      --baseappdatapath="$work/smtp4dev" >"$work/smtp4dev.log" 2>&1) &
    pid=$!
    if wait_port "$smtp"; then
      /usr/sbin/smtp-source -s "$SESSIONS" -m 200 -l "$SMALL_SIZE" -f warm@example.org -t sink@example.org 127.0.0.1:"$smtp" >/dev/null 2>&1
      s4d_pid=$(pgrep -P "$pid" | head -1); s4d_pid=${s4d_pid:-$pid}
      ingest "$S4D_SMALL" "$SMALL_SIZE" "$s4d_pid"
      echo "| smtp4dev 3.15.0 (SQLite file), $S4D_SMALL x $SMALL_SIZE B | $rate msg/s, CPU $cpu ms/msg; peak RSS $(peak "$s4d_pid") MB (load $(load)) |"
      s4d_rate=$rate
      # Ours again on the same message count, right after, for the ratio.
      stop
      start serve "$work/ratio" "$work/ratio.log"
      warm; ingest "$S4D_SMALL" "$SMALL_SIZE"; stop
      echo "| SQLite \`proto serve --store\` / smtp4dev ($S4D_SMALL messages each, back to back) | $rate / $s4d_rate msg/s = **$(awk -v a="$rate" -v b="$s4d_rate" 'BEGIN { printf "%.1f", a/b }')x** |"
    else
      tail -5 "$work/smtp4dev.log" >&2; stop
    fi
  fi
fi
printf "load average at end: %s\n" "$(cut -d' ' -f1-3 /proc/loadavg)"
