#!/usr/bin/env bash
# HTTP server benchmarks, side by side in one run: our file server vs nginx (one worker) vs a bare Kestrel MapGet
# app, with wrk on a 1 KiB file; and curl downloading a 1 GiB file from ours vs nginx. RUNS (3) interleaved runs,
# each after waiting for a quiet machine (bench-lib.sh); medians with min and max, ratios.
# Usage: tests/Protocols.Benchmarks/http-bench.sh [wrk-seconds (default 10)]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/Protocols.Benchmarks/bench-lib.sh
SECONDS_WRK="${1:-10}"
for tool in wrk nginx curl python3; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "http-bench: $tool is missing (scripts/install-peers.sh)" >&2; exit 1; }
done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

dotnet build tests/Protocols.Benchmarks -c Release -v quiet -nologo >/dev/null
BENCH="tests/Protocols.Benchmarks/bin/Release/net10.0/Protocols.Benchmarks"

WORK="$(mktemp -d /tmp/http-bench.XXXXXX)"
BIG_DIR=/dev/shm; [ -w /dev/shm ] || BIG_DIR=/tmp
BIG_ROOT="$(mktemp -d "$BIG_DIR/http-bench-big.XXXXXX")"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK" "$BIG_ROOT"
  bench_cleanup_lib
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() { # url
  for _ in $(seq 1 300); do curl -sf -r 0-0 -o /dev/null --max-time 2 "$1" && return 0; sleep 0.1; done
  echo "http-bench: server at $1 did not come up" >&2; tail -n 20 "$WORK"/*.log >&2; exit 1
}
stop_last() { local pid="${PIDS[-1]}"; kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; unset 'PIDS[-1]'; }

mkdir -p "$WORK/root"
head -c 1024 /dev/urandom > "$WORK/root/1k.bin"
dd if=/dev/urandom of="$BIG_ROOT/1g.bin" bs=1M count=1024 status=none
# nginx workers run as an unprivileged user when started by root: let them read the files.
chmod 755 "$WORK" "$WORK/root" "$BIG_ROOT"; chmod 644 "$WORK/root/1k.bin" "$BIG_ROOT/1g.bin"

start_ours() { # root port
  "$BENCH" http-serve "$2" "$1" >"$WORK/ours.log" 2>&1 & PIDS+=($!)
  wait_ready "http://127.0.0.1:$2/$(ls "$1" | head -1)"
}
start_bare() { # root port
  "$BENCH" kestrel-bare "$2" "$1" >"$WORK/bare.log" 2>&1 & PIDS+=($!)
  wait_ready "http://127.0.0.1:$2/1k.bin"
}
start_nginx() { # root port
  local dir="$WORK/nginx-$2"; mkdir -p "$dir"
  cat > "$dir/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
  sendfile on; tcp_nopush on; keepalive_requests 1000000;
  types { application/octet-stream bin; }
  server { listen 127.0.0.1:$2; root $1; }
}
CONF
  "$NGINX" -c "$dir/nginx.conf" -p "$dir" & PIDS+=($!)
  wait_ready "http://127.0.0.1:$2/$(ls "$1" | head -1)"
}

wrk_rps() { # url -> "requests/s errors" (after a 1 s warm-up run)
  wrk -t1 -c50 -d1s "$1" >/dev/null
  local out; out="$(wrk -t1 -c50 -d"${SECONDS_WRK}s" --timeout 5s "$1")"
  local rps; rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  local errors; errors="$(awk '/Socket errors/ {gsub(/,/,""); for(i=4;i<=NF;i+=2) s+=$i} /Non-2xx/ {s+=$NF} END {print s+0}' <<<"$out")"
  echo "${rps:-0} ${errors:-0}"
}
curl_speed() { # url -> bytes/s
  local s; s="$(curl -s -o /dev/null -w '%{speed_download}' "$1")" || { echo nan; return; }; echo "${s%.*}"
}

echo "http-bench: wrk -t1 -c50 -d${SECONDS_WRK}s on a 1 KiB file; curl on a 1 GiB file in $BIG_DIR; $RUNS interleaved runs ($(nproc) cores)"
for run in $(seq "$RUNS"); do
  for s in nginx ours bare; do
    P="$(free_port)"; "start_$s" "$WORK/root" "$P"; bench_wait_quiet
    read -r rps errors <<<"$(wrk_rps "http://127.0.0.1:$P/1k.bin")"; stop_last
    bench_record "wrk,$s" "$rps"; bench_record "wrk-errors,$s" "$errors"
  done
  for s in nginx ours; do
    P="$(free_port)"; "start_$s" "$BIG_ROOT" "$P"; bench_wait_quiet
    bench_record "big,$s" "$(awk -v b="$(curl_speed "http://127.0.0.1:$P/1g.bin")" 'BEGIN { print (b == "nan" ? "nan" : b / 1e9) }')"; stop_last
  done
  echo "  run $run of $RUNS done (load $(bench_load))"
done

echo
echo "== HTTP servers =="
bench_row "wrk 1 KiB: nginx (1 worker)" wrk,nginx req/s
bench_row "wrk 1 KiB: ours (Protocols.Servers.Http)" wrk,ours req/s
bench_row "wrk 1 KiB: bare Kestrel MapGet" wrk,bare req/s
echo "    socket errors + non-2xx (max of the runs): nginx $(bench_stat wrk-errors,nginx max), ours $(bench_stat wrk-errors,ours max), Kestrel $(bench_stat wrk-errors,bare max)"
bench_row "curl 1 GiB: nginx (sendfile)" big,nginx GB/s
bench_row "curl 1 GiB: ours" big,ours GB/s
echo "    ours / nginx: wrk $(bench_ratio wrk,ours wrk,nginx higher), 1 GiB $(bench_ratio big,ours big,nginx higher); ours / bare Kestrel: wrk $(bench_ratio wrk,ours wrk,bare higher)"
echo "(ratios: of the medians; above 1.00x means ours is better)"
bench_footer
bench_summary "HTTP server, wrk -t1 -c50 1 KiB" "$(bench_med wrk,ours req/s)" "nginx (1 worker) $(bench_med wrk,nginx); bare Kestrel $(bench_med wrk,bare)" \
  "$(bench_ratio wrk,ours wrk,nginx higher) / $(bench_ratio wrk,ours wrk,bare higher)"
bench_summary "HTTP server, curl 1 GiB" "$(bench_med big,ours GB/s)" "nginx (sendfile) $(bench_med big,nginx)" "$(bench_ratio big,ours big,nginx higher)"
