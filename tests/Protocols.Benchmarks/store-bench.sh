#!/usr/bin/env bash
# The mail store under load (issue 17). postfix smtp-source -s 20 sends into `proto serve --store DIR` (SQLite, WAL,
# synchronous=FULL, 250 only after the commit), then, with everything stored: startup to ready, the first page of the
# list, a subject: query and a free-text query (p50/p99 over REPEAT requests each), peak RSS during and after. Then 300
# messages of 10 MB (bytes as .eml files beside the database, the default, and in the database), and the same small-
# message ingest into PostgreSQL (a throwaway server from /usr/lib/postgresql/*/bin on a free port). One run; no loop.
#
# usage: tests/Protocols.Benchmarks/store-bench.sh
# env:   SMALL (default 100000) SMALL_SIZE (10240) LARGE (300) LARGE_SIZE (10000000: under the 10240000 SMTP limit)
#        PG_SMALL (default SMALL) SESSIONS (20) REPEAT (100) SKIP_PG=1 SKIP_LARGE=1
set -uo pipefail
cd "$(dirname "$0")/../.."

SMALL=${SMALL:-100000}; SMALL_SIZE=${SMALL_SIZE:-10240}
LARGE=${LARGE:-300}; LARGE_SIZE=${LARGE_SIZE:-10000000}
PG_SMALL=${PG_SMALL:-$SMALL}; SESSIONS=${SESSIONS:-20}; REPEAT=${REPEAT:-100}
PY=/usr/bin/python3
PROTO=src/Cli/bin/Release/net10.0/proto
command -v /usr/sbin/smtp-source >/dev/null || { echo "store-bench: smtp-source is missing (run scripts/install-peers.sh)" >&2; exit 1; }
dotnet build src/Cli -c Release -v quiet -nologo >/dev/null || exit 1

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 600); do curl -sf -o /dev/null "http://127.0.0.1:$1/_proto/mail/api/stats" && return 0; sleep 0.05; done; echo "port $1 never answered" >&2; return 1; }
work=$(mktemp -d)
pid=""; pgdata=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -n "$pgdata" ] && runas "$PGBIN/pg_ctl" -D "$pgdata/db" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
runas() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }

# start STORE LOG [env...]: proto serve on fresh ports; sets pid, smtp, http; prints ms to ready
start() {
  local store=$1 log=$2; shift 2
  smtp=$(free_port); http=$(free_port)
  local t0; t0=$(date +%s%N)
  env "$@" "$PROTO" serve --root "$work" --store "$store" --smtp-port "$smtp" --http-port "$http" --ftp-port 0 --pop3-port 0 >/dev/null 2>"$log" &
  pid=$!
  wait_http "$http" || { cat "$log" >&2; exit 1; }
  echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
stop() { kill -INT "$pid"; wait "$pid" 2>/dev/null; pid=""; }
peak() { awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/"$pid"/status; }
now() { awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/"$pid"/status; }
# ingest N SIZE: smtp-source into $smtp; prints msg/s
ingest() {
  local s e; s=$(date +%s.%N)
  timeout 3600 /usr/sbin/smtp-source -s "$SESSIONS" -m "$1" -l "$2" -f bench@example.org -t sink@example.org 127.0.0.1:"$smtp" >/dev/null 2>&1 || echo "smtp-source failed" >&2
  e=$(date +%s.%N)
  awk -v s="$s" -v e="$e" -v n="$1" 'BEGIN { printf "%.0f", n/(e-s) }'
}
# latency URL: p50 and p99 in ms over REPEAT requests
latency() {
  for _ in $(seq 1 "$REPEAT"); do curl -s -o /dev/null -w '%{time_total}\n' "$1"; done | sort -n |
    awk '{ v[NR]=$1 } END { printf "p50 %.1f ms, p99 %.1f ms", v[int(NR*0.5)>0?int(NR*0.5):1]*1000, v[int(NR*0.99)>0?int(NR*0.99):1]*1000 }'
}
stored() { curl -s "http://127.0.0.1:$http/_proto/mail/api/stats" | $PY -c 'import json,sys; print(json.load(sys.stdin)["messages"])'; }
commits() { grep -o 'store: [0-9]* messages in [0-9]* commits (mean [0-9.]*, largest [0-9]*)' "$1" | tail -1; }

printf "load average at start: %s (2 cores shared with other builds: numbers are noisy)\n" "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "| load | result |"
echo "|---|---|"

# 1. small messages into SQLite
start "$work/sqlite" "$work/sqlite.log" >/dev/null
rate=$(ingest "$SMALL" "$SMALL_SIZE")
during=$(peak); count=$(stored); after=$(now)
stop
echo "| SQLite ingest, $SMALL x $SMALL_SIZE B, smtp-source -s $SESSIONS | $rate msg/s; $count stored; $(commits "$work/sqlite.log"); peak RSS $during MB, $after MB after |"

# 2. with everything stored: restart, first page, queries
ready=$(start "$work/sqlite" "$work/sqlite2.log")
base="http://127.0.0.1:$http/_proto/mail/api/messages"
echo "| SQLite with $count stored: startup to ready | $ready ms |"
echo "| first page (limit=100) | $(latency "$base?limit=100") |"
echo "| subject: query (subject:test, limit=100) | $(latency "$base?limit=100&query=subject%3Atest") |"
echo "| free-text query (a word of the body, limit=100) | $(latency "$base?limit=100&query=zzzz") |"
echo "| page 500 by cursor (cursor=50000) | $(latency "$base?limit=100&cursor=50000") |"
echo "| peak RSS after the queries | $(peak) MB |"
stop

# 3. large messages: files beside the database (default) and bytes in the database
if [ -z "${SKIP_LARGE:-}" ]; then
  for mode in files db; do
    if [ $mode = files ]; then limit=1048576; else limit=999999999999; fi
    start "$work/large-$mode" "$work/large-$mode.log" PROTO_STORE_INLINE_LIMIT=$limit >/dev/null
    rate=$(ingest "$LARGE" "$LARGE_SIZE")
    during=$(peak); count=$(stored); after=$(now)
    stop
    size=$(du -sm "$work/large-$mode" | cut -f1)
    echo "| SQLite ingest, $LARGE x $LARGE_SIZE B, bytes as $mode | $rate msg/s ($(awk -v r="$rate" -v l="$LARGE_SIZE" 'BEGIN{printf "%.0f", r*l/1048576}') MB/s); $count stored; $size MB on disk; peak RSS $during MB, $after MB after |"
    rm -rf "$work/large-$mode"
  done
fi

# 4. PostgreSQL
if [ -z "${SKIP_PG:-}" ]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$PGBIN" ]; then echo "| PostgreSQL | missing (/usr/lib/postgresql/*/bin): run scripts/install-peers.sh |"; else
    pgdata="$work/pg"; mkdir -p "$pgdata"; [ "$(id -u)" = 0 ] && chown nobody "$pgdata"
    pgport=$(free_port)
    runas "$PGBIN/initdb" -D "$pgdata/db" -U postgres --auth=trust -E UTF8 >/dev/null
    runas "$PGBIN/pg_ctl" -D "$pgdata/db" -l "$pgdata/log" -w start -o "-p $pgport -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" >/dev/null
    start "postgres://postgres@127.0.0.1:$pgport/postgres" "$work/pg.log" >/dev/null
    rate=$(ingest "$PG_SMALL" "$SMALL_SIZE")
    during=$(peak); count=$(stored)
    echo "| PostgreSQL $( "$PGBIN/postgres" --version | awk '{print $3}') ingest, $PG_SMALL x $SMALL_SIZE B | $rate msg/s; $count stored; peak RSS $during MB (proto) |"
    echo "| PostgreSQL first page / subject: / free text | $(latency "http://127.0.0.1:$http/_proto/mail/api/messages?limit=100") / $(latency "http://127.0.0.1:$http/_proto/mail/api/messages?limit=100&query=subject%3Atest") / $(latency "http://127.0.0.1:$http/_proto/mail/api/messages?limit=100&query=zzzz") |"
    stop
    echo "| PostgreSQL commits | $(commits "$work/pg.log") |"
  fi
fi
printf "load average at end: %s\n" "$(cut -d' ' -f1-3 /proc/loadavg)"
