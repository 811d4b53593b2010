#!/usr/bin/env bash
# FTP servers and clients side by side on this machine, in one run, printing ratios:
#   server: curl downloads and uploads SIZE_MIB (1 GiB) from/to ours, vsftpd and pyftpdlib; LIST of a
#           10,000-file directory; 200 concurrent logins (python3 ftplib threads); peak RSS of the server process.
#   client: ours (proto ftp get/put), curl and lftp downloading/uploading SIZE_MIB from/to vsftpd: wall clock of the
#           whole process (start-up included) and its CPU (user + system) per GiB. Our client is the artifact users
#           install: the linux-x64 Native AOT publish (dotnet publish -r linux-x64), the same bits as the proto.linux-x64
#           tool package that `dotnet tool install` picks on this machine (the server rows use the build output).
#           And a 100-byte upload (start-up, login, one STOR, QUIT: the fixed cost in each 1 GiB row), ms and CPU ms.
#           vsftpd's CPU per GiB beside each: in an upload it is the slower side, and what a client leaves it to do
#           (transmitting unsent bytes on its window updates) sets the rate. Downloads go to /dev/null (ours: -o -).
#   MLSD of the same directory (python3 ftplib, data transfer only): ours and pyftpdlib (vsftpd has no MLSD).
# RUNS (3) interleaved runs, medians with min and max, ratios; each measured run waits for a quiet machine first
# (bench-lib.sh). Files live in /dev/shm (or /tmp) and are deleted at the end. CLIENT_ONLY=1 / SERVER_ONLY=1.
# LISTING_ONLY=1: the server part's listings only (LIST and MLSD, CPU per LIST; no 1 GiB transfers, no logins).
# Listings: the first LIST of ours after its start is printed apart (cold: the JIT compiles its path); then WARMUP
# (40) rounds of LIST, MLSD and LIST (ftplib), unmeasured, let the JIT's tiers settle (a long-running server's state;
# per-session code needs some 60 sessions); CPU per LIST: CPU_LISTS (20) curl LISTs in a row per server, utime+stime
# of the server process and its reaped children (vsftpd's session processes included).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/Protocols.Benchmarks/bench-lib.sh
SIZE_MIB=${SIZE_MIB:-1024}
FILES=${FILES:-10000}
WARMUP=${WARMUP:-40}
CPU_LISTS=${CPU_LISTS:-20}
LISTING_ONLY=${LISTING_ONLY:-0}
[ "$LISTING_ONLY" = 1 ] && SERVER_ONLY=1
LOGINS=${LOGINS:-200}
PY=/usr/bin/python3
PATH="$PATH:/usr/sbin"
for tool in vsftpd curl lftp; do command -v $tool >/dev/null || { echo "ftp-bench: $tool is missing (scripts/install-peers.sh)" >&2; exit 1; }; done

dotnet build src/Cli -c Release -v quiet -nologo >/dev/null
PROTO=src/Cli/bin/Release/net10.0/proto
dotnet publish src/Cli -c Release -r linux-x64 -v quiet -nologo >/dev/null
CLIENT=src/Cli/bin/Release/net10.0/linux-x64/publish/proto

base=/dev/shm
[ -w "$base" ] || base=/tmp
work=$(mktemp -d "$base/ftp-bench.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
  bench_cleanup_lib
}
trap cleanup EXIT

free_port() { bench_free_port; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "ftp-bench: nothing on port $1" >&2; exit 1; }

# One tree per server (uploads land in each server's own tree).
mkdir -p "$work/src"
[ "$LISTING_ONLY" = 1 ] && SIZE_MIB=1
head -c $((SIZE_MIB * 1024 * 1024)) /dev/zero > "$work/src/big.bin"
for s in ours vsftpd pyftpdlib; do
  mkdir -p "$work/$s/many" "$work/$s/upload"
  ln "$work/src/big.bin" "$work/$s/big.bin"
  (cd "$work/$s/many" && seq -f "file-%05g.txt" 1 "$FILES" | xargs touch)
  chmod 0777 "$work/$s/upload"
done
chmod 0755 "$work" "$work"/*

# Ours.
p_ours=$(free_port)
$PROTO ftp serve --root "$work/ours" --port "$p_ours" --user u --password p --write \
  --max-per-ip $((LOGINS + 50)) --max-connections $((LOGINS + 100)) 2>"$work/ours.log" &
pids+=($!); pid_ours=$!
# vsftpd (anonymous, run as the launching user: paths are relative to anon_root).
p_vs=$(free_port); pasv=$(free_port)
cat > "$work/vsftpd.conf" <<CONF
listen=YES
listen_address=127.0.0.1
listen_port=$p_vs
background=NO
run_as_launching_user=YES
anonymous_enable=YES
anon_root=$work/vsftpd
no_anon_password=YES
local_enable=NO
write_enable=YES
anon_upload_enable=YES
anon_other_write_enable=YES
seccomp_sandbox=NO
pasv_min_port=$pasv
pasv_max_port=$((pasv + 400))
max_clients=2000
max_per_ip=2000
xferlog_enable=NO
CONF
vsftpd "$work/vsftpd.conf" &
pids+=($!); pid_vs=$!
# pyftpdlib (Debian's python3).
p_py=$(free_port)
cat > "$work/py.py" <<PYEOF
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
a = DummyAuthorizer(); a.add_user("u", "p", "$work/pyftpdlib", perm="elradfmwMT")
FTPHandler.authorizer = a
s = FTPServer(("127.0.0.1", $p_py), FTPHandler); s.max_cons = 1000; s.serve_forever()
PYEOF
$PY "$work/py.py" 2>"$work/py.log" &
pids+=($!); pid_py=$!
wait_port $p_ours; wait_port $p_vs; wait_port $p_py

url() { case $1 in ours) echo "ftp://u:p@127.0.0.1:$p_ours";; vsftpd) echo "ftp://127.0.0.1:$p_vs";; pyftpdlib) echo "ftp://u:p@127.0.0.1:$p_py";; esac; }
port_of() { case $1 in ours) echo "$p_ours";; vsftpd) echo "$p_vs";; pyftpdlib) echo "$p_py";; esac; }
creds_of() { if [ "$1" = vsftpd ]; then echo "anonymous x"; else echo "u p"; fi; }
curl_time() { local t; t=$(curl -sS "$@" -w '%{time_total}\n' 2>>"$work/curl.err") && echo "$t" || echo nan; }
gbps() { awk -v t="$1" -v m="$SIZE_MIB" 'BEGIN { if (t == "nan" || t == 0) print "nan"; else printf "%.3f\n", m * 1048576 / t / 1e9 }'; }
ms() { awk -v t="$1" 'BEGIN { if (t == "nan") print "nan"; else printf "%.2f\n", t * 1000 }'; }

cat > "$work/logins.py" <<'PYEOF'
import ftplib, sys, threading, time
port, n, user, pw = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
ok = []
barrier = threading.Barrier(n)
def one():
    barrier.wait()
    try:
        f = ftplib.FTP(); f.connect("127.0.0.1", port, timeout=20); f.login(user, pw); f.pwd(); f.quit(); ok.append(1)
    except (OSError, EOFError, ftplib.Error):
        pass
threads = [threading.Thread(target=one) for _ in range(n)]
t0 = time.time()
for t in threads: t.start()
for t in threads: t.join()
print(f"{len(ok)}/{n} in {time.time() - t0:.2f}")
PYEOF
# Seconds for one listing command's data (PASV, command, lines read, 226), login excluded.
cat > "$work/listing.py" <<'PYEOF'
import ftplib, sys, time
port, user, pw, command = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
f = ftplib.FTP(); f.connect("127.0.0.1", port, timeout=30); f.login(user, pw); f.cwd("many")
lines = []
t0 = time.perf_counter(); f.retrlines(command, lines.append); t = time.perf_counter() - t0
f.quit()
if len(lines) < 10: sys.exit(f"{command}: only {len(lines)} lines")
print(f"{t:.6f}")
PYEOF
py_listing() { $PY "$work/listing.py" "$(port_of "$1")" $(creds_of "$1") "$2" 2>>"$work/py.err" || echo nan; }

# CPU seconds of a server process so far: its own and its reaped children's (vsftpd's sessions), utime + stime.
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{ print ($14 + $15 + $16 + $17) / t }' "/proc/$1/stat"; }
pid_of() { case $1 in ours) echo "$pid_ours";; vsftpd) echo "$pid_vs";; pyftpdlib) echo "$pid_py";; esac; }

declare -A logins rss
if [ "${CLIENT_ONLY:-0}" != 1 ]; then
  # Ours JIT-compiles its listing path on first use: the first LIST is recorded apart (cold), then WARMUP LISTs and
  # MLSDs, not measured, let the JIT's tiers settle (what a server that has run a while has).
  bench_wait_quiet; bench_record "ours,cold" "$(ms "$(curl_time -o /dev/null "$(url ours)/many/")")"
  for _ in $(seq "$WARMUP"); do curl -sS -o /dev/null "$(url ours)/many/"; py_listing ours MLSD >/dev/null; py_listing ours LIST >/dev/null; done
  for run in $(seq "$RUNS"); do
    for s in ours vsftpd pyftpdlib; do
      u=$(url $s)
      if [ "$LISTING_ONLY" != 1 ]; then
        bench_wait_quiet; bench_record "$s,down" "$(gbps "$(curl_time -o /dev/null "$u/big.bin")")"
        bench_wait_quiet; bench_record "$s,up" "$(gbps "$(curl_time -T "$work/src/big.bin" "$u/upload/up.bin")")"; rm -f "$work/$s/upload/up.bin"
      fi
      bench_wait_quiet; bench_record "$s,list" "$(ms "$(curl_time -o /dev/null "$u/many/")")"
      [ $s = vsftpd ] || { bench_wait_quiet; bench_record "$s,mlsd" "$(ms "$(py_listing $s MLSD)")"; }
      bench_wait_quiet; bench_record "$s,pylist" "$(ms "$(py_listing $s LIST)")"
    done
    echo "  server run $run of $RUNS done (load $(bench_load))"
  done
  # CPU per LIST: CPU_LISTS curl LISTs in a row per server, the server's CPU time over them.
  for s in ours vsftpd pyftpdlib; do
    bench_wait_quiet; before=$(cpu_s "$(pid_of $s)")
    for _ in $(seq "$CPU_LISTS"); do curl -sS -o /dev/null "$(url $s)/many/" 2>>"$work/curl.err"; done
    bench_record "$s,cpu" "$(awk -v a="$before" -v b="$(cpu_s "$(pid_of $s)")" -v n="$CPU_LISTS" 'BEGIN { printf "%.2f\n", (b - a) * 1000 / n }')"
  done
  for s in ours vsftpd pyftpdlib; do
    if [ "$LISTING_ONLY" = 1 ]; then logins[$s]="(not run: LISTING_ONLY)"; continue; fi
    bench_wait_quiet; logins[$s]=$($PY "$work/logins.py" "$(port_of $s)" "$LOGINS" $(creds_of $s))
  done
  rss[ours]=$(awk '/VmHWM/ {print $2/1024 " MiB"}' /proc/$pid_ours/status)
  rss[vsftpd]="$(awk '/VmHWM/ {print $2/1024 " MiB"}' /proc/$pid_vs/status) (+1 process per session)"
  rss[pyftpdlib]=$(awk '/VmHWM/ {print $2/1024 " MiB"}' /proc/$pid_py/status)

  echo
  echo "== FTP servers, curl as the client (MLSD and the second LIST: python3 ftplib, data only), $SIZE_MIB MiB, $FILES files =="
  for s in ours vsftpd pyftpdlib; do
    if [ "$LISTING_ONLY" != 1 ]; then
      bench_row "$s: download" "$s,down" GB/s
      bench_row "$s: upload" "$s,up" GB/s
    fi
    [ $s = ours ] && bench_row "ours: first LIST after start (cold JIT), curl" "ours,cold" ms
    bench_row "$s: LIST of $FILES (curl, whole transfer)" "$s,list" ms
    bench_row "$s: CPU per LIST (curl, $CPU_LISTS in a row)" "$s,cpu" ms
    bench_row "$s: LIST of $FILES (ftplib, data only)" "$s,pylist" ms
    [ $s = vsftpd ] || bench_row "$s: MLSD of $FILES (ftplib, data only)" "$s,mlsd" ms
    echo "    $s: $LOGINS concurrent logins: ${logins[$s]} s; peak RSS ${rss[$s]}"
  done
  echo "    ours / vsftpd:    download $(bench_ratio ours,down vsftpd,down higher), upload $(bench_ratio ours,up vsftpd,up higher), LIST $(bench_ratio ours,list vsftpd,list lower) (ftplib $(bench_ratio ours,pylist vsftpd,pylist lower))"
  echo "    ours / pyftpdlib: download $(bench_ratio ours,down pyftpdlib,down higher), upload $(bench_ratio ours,up pyftpdlib,up higher), LIST $(bench_ratio ours,list pyftpdlib,list lower), MLSD $(bench_ratio ours,mlsd pyftpdlib,mlsd lower)"
  echo "    ours MLSD vs vsftpd LIST (vsftpd has no MLSD): $(bench_ratio ours,mlsd vsftpd,pylist lower)"
  echo "    CPU per LIST: ours / vsftpd $(bench_ratio ours,cpu vsftpd,cpu lower), ours / pyftpdlib $(bench_ratio ours,cpu pyftpdlib,cpu lower)"
  bench_summary "FTP LIST of $FILES files (curl)" "$(bench_med ours,list ms)" "vsftpd $(bench_med vsftpd,list); pyftpdlib $(bench_med pyftpdlib,list)" \
    "$(bench_ratio ours,list vsftpd,list lower) / $(bench_ratio ours,list pyftpdlib,list lower)"
  bench_summary "FTP MLSD of $FILES files (ftplib, data only)" "$(bench_med ours,mlsd ms)" "vsftpd LIST $(bench_med vsftpd,pylist) (no MLSD); pyftpdlib MLSD $(bench_med pyftpdlib,mlsd)" \
    "$(bench_ratio ours,mlsd vsftpd,pylist lower) / $(bench_ratio ours,mlsd pyftpdlib,mlsd lower)"
  [ "$LISTING_ONLY" = 1 ] || bench_summary "FTP server, curl download / upload $SIZE_MIB MiB" "$(bench_med ours,down) / $(bench_med ours,up) GB/s" \
    "vsftpd $(bench_med vsftpd,down) / $(bench_med vsftpd,up); pyftpdlib $(bench_med pyftpdlib,down) / $(bench_med pyftpdlib,up)" \
    "$(bench_ratio ours,down vsftpd,down higher) / $(bench_ratio ours,up vsftpd,up higher) vsftpd"
fi

# Clients against vsftpd. vsftpd run as the launching user does not chroot: absolute paths are real paths.
[ "${SERVER_ONLY:-0}" = 1 ] && { echo; bench_footer; exit 0; }
uv="$(url vsftpd)$work/vsftpd"   # ours: absolute paths
uc="$(url vsftpd)"                # curl: paths relative to the login directory (anon_root)
# c KEY COMMAND...: records KEY (GB/s over the whole process's wall clock), KEY,cpu (its CPU seconds per GiB) and
# KEY,peer (vsftpd's: its session process's CPU seconds per GiB, reaped by the listener; the slower side of an upload).
c() {
  local key=$1; shift
  local wall before
  before=$(cpu_s "$pid_vs")
  wall=$(BENCH_ERR="$work/client.err" bench_time /usr/bin/time -f '%U %S' -o "$work/cpu" "$@")
  bench_record "$key" "$(gbps "$wall")"
  bench_record "$key,cpu" "$([ "$wall" = nan ] && echo nan || awk -v m="$SIZE_MIB" '{ printf "%.3f\n", ($1 + $2) * 1024 / m }' "$work/cpu")"
  sleep 0.1 # the session process ends after QUIT and is reaped
  bench_record "$key,peer" "$([ "$wall" = nan ] && echo nan || awk -v a="$before" -v b="$(cpu_s "$pid_vs")" -v m="$SIZE_MIB" 'BEGIN { printf "%.3f\n", (b - a) * 1024 / m }')"
}
# t KEY COMMAND...: records KEY (ms of the whole process) and KEY,cpu (its CPU ms).
t() {
  local key=$1; shift
  local wall
  wall=$(BENCH_ERR="$work/client.err" bench_time /usr/bin/time -f '%U %S' -o "$work/cpu" "$@")
  bench_record "$key" "$(ms "$wall")"
  bench_record "$key,cpu" "$([ "$wall" = nan ] && echo nan || awk '{ printf "%.0f\n", ($1 + $2) * 1000 }' "$work/cpu")"
}
head -c 100 /dev/zero > "$work/src/tiny.bin"
for run in $(seq "$RUNS"); do
  for _ in 1 2 3; do
    bench_wait_quiet; t c,ours,tiny $CLIENT ftp put "$work/src/tiny.bin" "$uv/upload/t.bin"
    bench_wait_quiet; t c,curl,tiny curl -sS -T "$work/src/tiny.bin" "$uc/upload/t.bin"
    bench_wait_quiet; t c,lftp,tiny lftp -p "$p_vs" -u anonymous,x -e "set ftp:ssl-allow false; put $work/src/tiny.bin -o upload/t.bin; quit" 127.0.0.1
  done
  bench_wait_quiet; c c,ours,down $CLIENT ftp get "$uv/big.bin" -o -
  bench_wait_quiet; c c,curl,down curl -sS -o /dev/null "$uc/big.bin"
  bench_wait_quiet; c c,lftp,down lftp -p "$p_vs" -u anonymous,x -e "set ftp:ssl-allow false; set xfer:clobber on; get big.bin -o /dev/null; quit" 127.0.0.1
  bench_wait_quiet; c c,ours,up $CLIENT ftp put "$work/src/big.bin" "$uv/upload/c.bin"; rm -f "$work/vsftpd/upload/c.bin"
  bench_wait_quiet; c c,curl,up curl -sS -T "$work/src/big.bin" "$uc/upload/c.bin"; rm -f "$work/vsftpd/upload/c.bin"
  bench_wait_quiet; c c,lftp,up lftp -p "$p_vs" -u anonymous,x -e "set ftp:ssl-allow false; put $work/src/big.bin -o upload/c.bin; quit" 127.0.0.1; rm -f "$work/vsftpd/upload/c.bin"
  echo "  client run $run of $RUNS done (load $(bench_load))"
done
echo
echo "== FTP clients against vsftpd, $SIZE_MIB MiB, whole process: wall clock, and CPU (user + system) per GiB =="
for c in ours curl lftp; do
  bench_row "$c: download" "c,$c,down" GB/s; bench_row "$c: download CPU" "c,$c,down,cpu" s/GiB; bench_row "$c: download, vsftpd's CPU" "c,$c,down,peer" s/GiB
  bench_row "$c: upload" "c,$c,up" GB/s; bench_row "$c: upload CPU" "c,$c,up,cpu" s/GiB; bench_row "$c: upload, vsftpd's CPU" "c,$c,up,peer" s/GiB
  bench_row "$c: 100-byte upload (start-up, login, STOR)" "c,$c,tiny" ms; bench_row "$c: 100-byte upload CPU" "c,$c,tiny,cpu" ms
done
echo "    ours / curl: download $(bench_ratio c,ours,down c,curl,down higher), upload $(bench_ratio c,ours,up c,curl,up higher)   ours / lftp: download $(bench_ratio c,ours,down c,lftp,down higher), upload $(bench_ratio c,ours,up c,lftp,up higher)"
echo "    CPU per GiB, ours / curl (above 1.00x: ours uses less): download $(bench_ratio c,ours,down,cpu c,curl,down,cpu lower), upload $(bench_ratio c,ours,up,cpu c,curl,up,cpu lower)"
echo "    vsftpd's CPU per GiB uploaded (s), fed by ours $(bench_med c,ours,up,peer), curl $(bench_med c,curl,up,peer), lftp $(bench_med c,lftp,up,peer); downloaded: $(bench_med c,ours,down,peer), $(bench_med c,curl,down,peer), $(bench_med c,lftp,down,peer)"
echo "    100-byte upload, the fixed cost of a run (ms): ours $(bench_med c,ours,tiny), curl $(bench_med c,curl,tiny), lftp $(bench_med c,lftp,tiny); ours' share of its $SIZE_MIB MiB upload: $(awk -v t="$(bench_stat c,ours,tiny median)" -v g="$(bench_stat c,ours,up median)" -v m="$SIZE_MIB" 'BEGIN { if (t == "nan" || g == "nan" || g == 0) print "n/a"; else printf "%.0f%%\n", t / 10 / (m * 1048576 / g / 1e9) }')"
echo "(ratios: of the medians; above 1.00x means ours is better)"
bench_footer
bench_summary "FTP upload $SIZE_MIB MiB, our client (to vsftpd)" "$(bench_med c,ours,up GB/s), $(bench_med c,ours,up,cpu) s CPU/GiB" \
  "curl $(bench_med c,curl,up), $(bench_med c,curl,up,cpu) s; lftp $(bench_med c,lftp,up), $(bench_med c,lftp,up,cpu) s" \
  "$(bench_ratio c,ours,up c,curl,up higher) / $(bench_ratio c,ours,up c,lftp,up higher)"
bench_summary "FTP 100-byte upload, our client (start-up, login, STOR)" "$(bench_med c,ours,tiny ms), $(bench_med c,ours,tiny,cpu) ms CPU" \
  "curl $(bench_med c,curl,tiny), $(bench_med c,curl,tiny,cpu) ms; lftp $(bench_med c,lftp,tiny), $(bench_med c,lftp,tiny,cpu) ms" \
  "$(bench_ratio c,ours,tiny c,curl,tiny lower) / $(bench_ratio c,ours,tiny c,lftp,tiny lower)"
bench_summary "FTP download $SIZE_MIB MiB, our client (from vsftpd)" "$(bench_med c,ours,down GB/s), $(bench_med c,ours,down,cpu) s CPU/GiB" \
  "curl $(bench_med c,curl,down), $(bench_med c,curl,down,cpu) s; lftp $(bench_med c,lftp,down), $(bench_med c,lftp,down,cpu) s" \
  "$(bench_ratio c,ours,down c,curl,down higher) / $(bench_ratio c,ours,down c,lftp,down higher)"
