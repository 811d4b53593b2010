#!/usr/bin/env bash
# `proto serve`'s capture rate: postfix smtp-source -s SESSIONS sends MESSAGES messages of SIZE bytes to the whole dev
# stack (SMTP capture into the in-memory store the mail page, API and POP3 read), then one GET of the message list
# (which reads every summary). Prints msg/s for the SMTP part and the list time. One run; no loop.
#
# usage: tests/Protocols.Benchmarks/serve-capture-bench.sh [MESSAGES] [SIZE]   (default 4000 messages of 10240 bytes)
# env:   SESSIONS (default 20)
set -uo pipefail
cd "$(dirname "$0")/../.."

MESSAGES=${1:-4000}
SIZE=${2:-10240}
SESSIONS=${SESSIONS:-20}
PY=/usr/bin/python3
PROTO=src/Cli/bin/Release/net10.0/proto
command -v /usr/sbin/smtp-source >/dev/null || { echo "serve-capture-bench: smtp-source is missing (run scripts/install-peers.sh)" >&2; exit 1; }
[ -x "$PROTO" ] || dotnet build src/Cli -c Release -v quiet -nologo >/dev/null || exit 1

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }

smtp=$(free_port); http=$(free_port)
root=$(mktemp -d)
"$PROTO" serve --root "$root" --smtp-port "$smtp" --http-port "$http" --ftp-port 0 --pop3-port 0 >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$root"' EXIT
wait_port "$smtp" && wait_port "$http" || exit 1

printf "load average: %s (2 cores shared)\n" "$(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
timeout 300 /usr/sbin/smtp-source -s "$SESSIONS" -m "$MESSAGES" -l "$SIZE" -f bench@example.org -t sink@example.org 127.0.0.1:"$smtp" >/dev/null 2>&1 \
  || echo "smtp-source failed" >&2
end=$(date +%s.%N)
list=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$http/_proto/mail/api/messages?limit=1000")
awk -v s="$start" -v e="$end" -v n="$MESSAGES" -v l="$SIZE" -v z="$SESSIONS" -v t="$list" 'BEGIN {
  d=e-s; printf "proto serve capture: %d messages of %d bytes, smtp-source -s %d: %.0f msg/s, %.1f MB/s; list of 1000: %.3f s\n", n, l, z, n/d, n*l/d/1048576, t }'
printf "peak RSS: %s MB\n" "$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$pid/status)"
