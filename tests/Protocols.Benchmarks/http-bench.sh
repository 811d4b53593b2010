#!/usr/bin/env bash
# HTTP server benchmarks, side by side in one run: our file server vs nginx (one worker) vs a bare Kestrel MapGet
# app, with wrk on a 1 KiB file; and curl downloading a 1 GiB file from ours vs nginx. Prints a table with ratios.
# Usage: tests/Protocols.Benchmarks/http-bench.sh [wrk-seconds (default 10)]
set -euo pipefail
cd "$(dirname "$0")/../.."
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
curl_speed() { # url -> bytes/s (best of two)
  local best=0 s
  for _ in 1 2; do
    s="$(curl -s -o /dev/null -w '%{speed_download}' "$1")"; s="${s%.*}"
    [ "$s" -gt "$best" ] && best="$s"
  done
  echo "$best"
}

echo "http-bench: wrk -t1 -c50 -d${SECONDS_WRK}s on a 1 KiB file; curl on a 1 GiB file in $BIG_DIR ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
P="$(free_port)"; start_nginx "$WORK/root" "$P"; read -r NGINX_RPS NGINX_ERR <<<"$(wrk_rps "http://127.0.0.1:$P/1k.bin")"; stop_last
P="$(free_port)"; start_ours "$WORK/root" "$P"; read -r OURS_RPS OURS_ERR <<<"$(wrk_rps "http://127.0.0.1:$P/1k.bin")"; stop_last
P="$(free_port)"; start_bare "$WORK/root" "$P"; read -r BARE_RPS BARE_ERR <<<"$(wrk_rps "http://127.0.0.1:$P/1k.bin")"; stop_last

P="$(free_port)"; start_nginx "$BIG_ROOT" "$P"; NGINX_BPS="$(curl_speed "http://127.0.0.1:$P/1g.bin")"; stop_last
P="$(free_port)"; start_ours "$BIG_ROOT" "$P"; OURS_BPS="$(curl_speed "http://127.0.0.1:$P/1g.bin")"; stop_last

ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}x' if b else 'n/a')" "$1" "$2"; }
gbs() { python3 -c "import sys; print(f'{float(sys.argv[1])/1e9:.2f} GB/s')" "$1"; }
printf '\n%-44s %16s %8s %12s\n' "benchmark" "result" "errors" "vs nginx"
printf '%-44s %16s %8s %12s\n' "wrk 1 KiB: nginx (1 worker)" "$NGINX_RPS req/s" "$NGINX_ERR" "1.00x"
printf '%-44s %16s %8s %12s\n' "wrk 1 KiB: ours (Protocols.Servers.Http)" "$OURS_RPS req/s" "$OURS_ERR" "$(ratio "$OURS_RPS" "$NGINX_RPS")"
printf '%-44s %16s %8s %12s\n' "wrk 1 KiB: bare Kestrel MapGet" "$BARE_RPS req/s" "$BARE_ERR" "$(ratio "$BARE_RPS" "$NGINX_RPS")"
printf '%-44s %16s %8s %12s\n' "curl 1 GiB: nginx (sendfile)" "$(gbs "$NGINX_BPS")" "-" "1.00x"
printf '%-44s %16s %8s %12s\n' "curl 1 GiB: ours" "$(gbs "$OURS_BPS")" "-" "$(ratio "$OURS_BPS" "$NGINX_BPS")"
printf '\nours vs bare Kestrel MapGet: %s\n' "$(ratio "$OURS_RPS" "$BARE_RPS")"
