#!/usr/bin/env bash
# Our HTTP/1.1 client side by side with curl and .NET's System.Net.Http.HttpClient, against nginx (one worker),
# on this machine, in one run:
#   1. download a 1 GiB file (whole process, wall clock)
#   2. the same in process (MB/s and CPU time, no process start)
#   3. COUNT sequential GETs of a 1 KiB file on one keep-alive connection (requests/s, CPU and bytes allocated per GET)
# RUNS (3) interleaved runs, each after waiting for a quiet machine (bench-lib.sh); medians with min and max, ratios.
# The 1 GiB file lives in /dev/shm (or /tmp) and is deleted at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/Protocols.Benchmarks/bench-lib.sh
COUNT=${COUNT:-20000}
SIZE_MIB=${SIZE_MIB:-1024}

command -v nginx >/dev/null || PATH="$PATH:/usr/sbin"
command -v nginx >/dev/null || { echo "httpclient-bench: nginx is missing (scripts/install-peers.sh)" >&2; exit 1; }
command -v curl >/dev/null || { echo "httpclient-bench: curl is missing" >&2; exit 1; }

dotnet build tests/Protocols.Benchmarks -c Release -v quiet -nologo >/dev/null
BENCH=(dotnet tests/Protocols.Benchmarks/bin/Release/net10.0/Protocols.Benchmarks.dll)

base=/dev/shm
[ -w "$base" ] || base=/tmp
work=$(mktemp -d "$base/httpclient-bench.XXXXXX")
nginx_pid=""
cleanup() {
  if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
  rm -rf "$work"
  bench_cleanup_lib
}
trap cleanup EXIT

mkdir -p "$work/www"
head -c $((SIZE_MIB * 1024 * 1024)) /dev/zero > "$work/www/big.bin"
head -c 1024 /dev/urandom > "$work/www/1k.bin"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $work/cb; proxy_temp_path $work/px; fastcgi_temp_path $work/fc; uwsgi_temp_path $work/uw; scgi_temp_path $work/sc;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$port;
        root $work/www;
    }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" -e "$work/error.log" &
nginx_pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/1k.bin" && break; sleep 0.1; done

big="http://127.0.0.1:$port/big.bin"
small="http://127.0.0.1:$port/1k.bin"
bytes=$((SIZE_MIB * 1024 * 1024))

# nginx's CPU time (user + system, in microseconds) from /proc: the server shares the two cores with the client.
nginx_cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f\n", ($14 + $15) * 1e6 / hz }' "/proc/$nginx_pid/stat"; }
gbps() { awk -v t="$1" -v b="$bytes" 'BEGIN { if (t == "nan" || t == 0) print "nan"; else printf "%.3f\n", b / t / 1e9 }'; }
echo "httpclient-bench: $RUNS interleaved runs; $(nproc) cores"
for run in $(seq "$RUNS"); do
  bench_wait_quiet; bench_record whole,curl "$(gbps "$(bench_time curl -s -o /dev/null "$big")")"
  for c in ours dotnet; do
    bench_wait_quiet; bench_record "whole,$c" "$(gbps "$(bench_time "${BENCH[@]}" httpclient-download "$big" "$c")")"
  done
  for c in ours dotnet; do
    bench_wait_quiet
    line=$("${BENCH[@]}" httpclient-download "$big" "$c")
    bench_record "inproc,$c" "$(bench_field MBps <<<"$line")"; bench_record "inproc-cpu,$c" "$(bench_field cpu <<<"$line")"
  done
  for c in ours dotnet; do
    bench_wait_quiet
    nginx_before=$(nginx_cpu_us)
    line=$("${BENCH[@]}" httpclient-requests "$small" "$COUNT" "$c")
    # nginx's CPU over the whole run (the client's 1,000 warm-up GETs included) per GET
    bench_record "nginx-cpu,$c" "$(awk -v a="$nginx_before" -v b="$(nginx_cpu_us)" -v n="$((COUNT + (COUNT < 1000 ? COUNT : 1000)))" 'BEGIN { printf "%.1f\n", (b - a) / n }')"
    bench_record "rps,$c" "$(bench_field rps <<<"$line")"; bench_record "cpu,$c" "$(bench_field cpuPerRequestUs <<<"$line")"
    bench_record "alloc,$c" "$(bench_field allocPerRequest <<<"$line")"
  done
  echo "  run $run of $RUNS done (load $(bench_load))"
done

echo
echo "== HTTP clients against nginx (1 worker, 127.0.0.1) =="
bench_row "download $SIZE_MIB MiB, whole process: ours" whole,ours GB/s
bench_row "download $SIZE_MIB MiB, whole process: curl" whole,curl GB/s
bench_row "download $SIZE_MIB MiB, whole process: .NET HttpClient" whole,dotnet GB/s
bench_row "download $SIZE_MIB MiB, in process: ours" inproc,ours MB/s
bench_row "download $SIZE_MIB MiB, in process: .NET HttpClient" inproc,dotnet MB/s
bench_row "download $SIZE_MIB MiB, CPU time in process: ours" inproc-cpu,ours s
bench_row "download $SIZE_MIB MiB, CPU time in process: .NET HttpClient" inproc-cpu,dotnet s
bench_row "$COUNT keep-alive GETs of 1 KiB: ours" rps,ours req/s
bench_row "$COUNT keep-alive GETs of 1 KiB: .NET HttpClient" rps,dotnet req/s
bench_row "CPU per GET: ours" cpu,ours us
bench_row "CPU per GET: .NET HttpClient" cpu,dotnet us
bench_row "nginx CPU per GET, serving ours" nginx-cpu,ours us
bench_row "nginx CPU per GET, serving .NET HttpClient" nginx-cpu,dotnet us
bench_row "allocated per GET: ours" alloc,ours B
bench_row "allocated per GET: .NET HttpClient" alloc,dotnet B
echo "    download, whole process: ours / curl $(bench_ratio whole,ours whole,curl higher), ours / HttpClient $(bench_ratio whole,ours whole,dotnet higher)"
echo "    download, in process: ours / HttpClient $(bench_ratio inproc,ours inproc,dotnet higher) (CPU $(bench_ratio inproc-cpu,ours inproc-cpu,dotnet lower))"
echo "    keep-alive GETs: ours / HttpClient $(bench_ratio rps,ours rps,dotnet higher) req/s, CPU per GET $(bench_ratio cpu,ours cpu,dotnet lower), nginx's CPU per GET $(bench_ratio nginx-cpu,ours nginx-cpu,dotnet lower), allocation $(bench_ratio alloc,ours alloc,dotnet lower)"
echo "(ratios: of the medians; above 1.00x means ours is better)"
bench_footer
bench_summary "HTTP client, $COUNT keep-alive GETs of 1 KiB (nginx)" "$(bench_med rps,ours req/s), $(bench_med cpu,ours) us CPU, $(bench_med alloc,ours) B alloc/GET" \
  ".NET HttpClient $(bench_med rps,dotnet), $(bench_med cpu,dotnet) us, $(bench_med alloc,dotnet) B" \
  "$(bench_ratio rps,ours rps,dotnet higher) (CPU $(bench_ratio cpu,ours cpu,dotnet lower), alloc $(bench_ratio alloc,ours alloc,dotnet lower))"
bench_summary "HTTP client, download $SIZE_MIB MiB in process (nginx)" "$(bench_med inproc,ours MB/s), $(bench_med inproc-cpu,ours) s CPU" \
  ".NET HttpClient $(bench_med inproc,dotnet), $(bench_med inproc-cpu,dotnet) s; curl (whole process) $(bench_fmt "$(awk -v g="$(bench_stat whole,curl median)" 'BEGIN { print g * 1000 }')") MB/s" \
  "$(bench_ratio inproc,ours inproc,dotnet higher) (CPU $(bench_ratio inproc-cpu,ours inproc-cpu,dotnet lower))"
