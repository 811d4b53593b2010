#!/usr/bin/env bash
# Our HTTP/1.1 client side by side with curl and .NET's System.Net.Http.HttpClient, against nginx (one worker),
# on this machine, in one run:
#   1. download a 1 GiB file (whole process, wall clock; best of RUNS)
#   2. COUNT sequential GETs of a 1 KiB file on one keep-alive connection (requests/s, in process)
# Prints a table with ratios. The 1 GiB file lives in /dev/shm (or /tmp) and is deleted at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
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

# Best wall-clock time of RUNS runs of a command, in seconds.
best() {
  local best_s=""
  for _ in $(seq "$RUNS"); do
    local t0 t1 s
    t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
    s=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best_s" ] || (( $(echo "$s < $best_s" | bc -l) )); then best_s=$s; fi
  done
  echo "$best_s"
}

t_curl=$(best curl -s -o /dev/null "$big")
t_ours=$(best "${BENCH[@]}" httpclient-download "$big" ours)
t_dotnet=$(best "${BENCH[@]}" httpclient-download "$big" dotnet)
gbps() { echo "scale=2; $bytes / $1 / 1000000000" | bc -l; }
g_curl=$(gbps "$t_curl"); g_ours=$(gbps "$t_ours"); g_dotnet=$(gbps "$t_dotnet")

# In process (no process start): throughput, and the CPU time spent, which a busy machine disturbs less.
field() { sed -E "s/.*$1=([0-9.]+).*/\\1/"; }
line_ours=$("${BENCH[@]}" httpclient-download "$big" ours)
line_dotnet=$("${BENCH[@]}" httpclient-download "$big" dotnet)
inproc_ours=$(field MBps <<<"$line_ours"); cpu_ours=$(field cpu <<<"$line_ours")
inproc_dotnet=$(field MBps <<<"$line_dotnet"); cpu_dotnet=$(field cpu <<<"$line_dotnet")

line_ours=$("${BENCH[@]}" httpclient-requests "$small" "$COUNT" ours)
line_dotnet=$("${BENCH[@]}" httpclient-requests "$small" "$COUNT" dotnet)
rps_ours=$(field rps <<<"$line_ours"); us_ours=$(field cpuPerRequestUs <<<"$line_ours")
rps_dotnet=$(field rps <<<"$line_dotnet"); us_dotnet=$(field cpuPerRequestUs <<<"$line_dotnet")

ratio() { echo "scale=2; $1 / $2" | bc -l; }
printf '\n%-52s %14s %14s\n' "benchmark (nginx 1 worker, 127.0.0.1)" "value" "ours / peer"
printf '%-52s %14s %14s\n' "----------------------------------------------------" "--------------" "-----------"
printf '%-52s %11s GB/s %14s\n' "download ${SIZE_MIB} MiB, whole process: ours" "$g_ours" ""
printf '%-52s %11s GB/s %14s\n' "download ${SIZE_MIB} MiB, whole process: curl" "$g_curl" "$(ratio "$g_ours" "$g_curl")x"
printf '%-52s %11s GB/s %14s\n' "download ${SIZE_MIB} MiB, whole process: .NET HttpClient" "$g_dotnet" "$(ratio "$g_ours" "$g_dotnet")x"
printf '%-52s %11s MB/s %14s\n' "download ${SIZE_MIB} MiB, in process: ours" "$inproc_ours" ""
printf '%-52s %11s MB/s %14s\n' "download ${SIZE_MIB} MiB, in process: .NET HttpClient" "$inproc_dotnet" "$(ratio "$inproc_ours" "$inproc_dotnet")x"
printf '%-52s %11s s    %14s\n' "download ${SIZE_MIB} MiB, CPU time in process: ours" "$cpu_ours" ""
printf '%-52s %11s s    %14s\n' "download ${SIZE_MIB} MiB, CPU time: .NET HttpClient" "$cpu_dotnet" "$(ratio "$cpu_dotnet" "$cpu_ours")x"
printf '%-52s %10s req/s %14s\n' "$COUNT sequential GETs of 1 KiB, keep-alive: ours" "$rps_ours" ""
printf '%-52s %10s req/s %14s\n' "$COUNT sequential GETs of 1 KiB: .NET HttpClient" "$rps_dotnet" "$(ratio "$rps_ours" "$rps_dotnet")x"
printf '%-52s %10s us   %14s\n' "CPU per GET: ours" "$us_ours" ""
printf '%-52s %10s us   %14s\n' "CPU per GET: .NET HttpClient" "$us_dotnet" "$(ratio "$us_dotnet" "$us_ours")x"
echo "(ratios: ours / peer for speeds, peer / ours for CPU time; above 1 means ours is better. Load average: $(cut -d' ' -f1-3 /proc/loadavg))"
