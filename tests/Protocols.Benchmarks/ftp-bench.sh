#!/usr/bin/env bash
# FTP servers and clients side by side on this machine, in one run, printing ratios:
#   server: curl downloads and uploads SIZE_MIB (1 GiB) from/to ours, vsftpd and pyftpdlib; LIST of a
#           10,000-file directory; 200 concurrent logins (python3 ftplib threads); peak RSS of the server process.
#   client: ours (proto ftp get/put), curl and lftp downloading/uploading SIZE_MIB from/to vsftpd.
# Best of RUNS for each figure. Files live in /dev/shm (or /tmp) and are deleted at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-2}
SIZE_MIB=${SIZE_MIB:-1024}
FILES=${FILES:-10000}
LOGINS=${LOGINS:-200}
PY=/usr/bin/python3
PATH="$PATH:/usr/sbin"
for tool in vsftpd curl lftp; do command -v $tool >/dev/null || { echo "ftp-bench: $tool is missing (scripts/install-peers.sh)" >&2; exit 1; }; done

dotnet build src/Cli -c Release -v quiet -nologo >/dev/null
PROTO=src/Cli/bin/Release/net10.0/proto

base=/dev/shm
[ -w "$base" ] || base=/tmp
work=$(mktemp -d "$base/ftp-bench.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "ftp-bench: nothing on port $1" >&2; exit 1; }

# One tree per server (uploads land in each server's own tree).
mkdir -p "$work/src"
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
best() { sort -g | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", b / a }'; }
gbps() { awk -v t="$1" -v m="$SIZE_MIB" 'BEGIN { printf "%.2f", m * 1048576 / t / 1e9 }'; }

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

declare -A down up list logins rss
for s in $([ "${CLIENT_ONLY:-0}" = 1 ] || echo ours vsftpd pyftpdlib); do
  u=$(url $s)
  down[$s]=$(for _ in $(seq $RUNS); do curl -sS -o /dev/null -w '%{time_total}\n' "$u/big.bin"; done | best)
  up[$s]=$(for _ in $(seq $RUNS); do curl -sS -T "$work/src/big.bin" -w '%{time_total}\n' "$u/upload/up.bin"; rm -f "$work/$s/upload/up.bin"; done | best)
  list[$s]=$(for _ in 1 2 3 4 5; do curl -sS -o /dev/null -w '%{time_total}\n' "$u/many/"; done | best)
  if [ $s = vsftpd ]; then creds=(anonymous x); else creds=(u p); fi
  case $s in ours) port=$p_ours;; vsftpd) port=$p_vs;; pyftpdlib) port=$p_py;; esac
  logins[$s]=$($PY "$work/logins.py" "$port" "$LOGINS" "${creds[@]}")
done
if [ "${CLIENT_ONLY:-0}" != 1 ]; then
rss[ours]=$(awk '/VmHWM/ {print $2/1024 " MiB"}' /proc/$pid_ours/status)
rss[vsftpd]="$(awk '/VmHWM/ {print $2/1024 " MiB"}' /proc/$pid_vs/status) (+1 process per session)"
rss[pyftpdlib]=$(awk '/VmHWM/ {print $2/1024 " MiB"}' /proc/$pid_py/status)

echo
echo "FTP servers, curl as the client, $SIZE_MIB MiB, best of $RUNS (LIST: best of 5; $LOGINS concurrent logins: one run)"
printf "%-10s %10s %10s %12s %22s   %s\n" server "down GB/s" "up GB/s" "LIST ${FILES} ms" "$LOGINS logins (ok in s)" "peak RSS"
for s in ours vsftpd pyftpdlib; do
  printf "%-10s %10s %10s %12.1f %22s   %s\n" $s "$(gbps ${down[$s]})" "$(gbps ${up[$s]})" "$(awk -v t=${list[$s]} 'BEGIN{print t*1000}')" "${logins[$s]}" "${rss[$s]}"
done
echo "ours vs vsftpd:    download $(ratio ${down[ours]} ${down[vsftpd]}), upload $(ratio ${up[ours]} ${up[vsftpd]}), LIST $(ratio ${list[ours]} ${list[vsftpd]}) (>1 = ours faster)"
echo "ours vs pyftpdlib: download $(ratio ${down[ours]} ${down[pyftpdlib]}), upload $(ratio ${up[ours]} ${up[pyftpdlib]}), LIST $(ratio ${list[ours]} ${list[pyftpdlib]})"
fi

# Clients against vsftpd. vsftpd run as the launching user does not chroot: absolute paths are real paths.
uv="$(url vsftpd)$work/vsftpd"   # ours: absolute paths
uc="$(url vsftpd)"                # curl: paths relative to the login directory (anon_root)
t() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>"$work/client.err" || { echo "ftp-bench: failed: $* ($(tail -1 "$work/client.err"))" >&2; echo nan; return; }; awk -v s="$s" -v e="$(date +%s.%N)" 'BEGIN { print e - s }'; }
declare -A cdown cup
cdown[ours]=$(for _ in $(seq $RUNS); do t $PROTO ftp get "$uv/big.bin" -o -; done | best)
cdown[curl]=$(for _ in $(seq $RUNS); do t curl -sS -o /dev/null "$uc/big.bin"; done | best)
cdown[lftp]=$(for _ in $(seq $RUNS); do t lftp -p "$p_vs" -u anonymous,x -e "set ftp:ssl-allow false; set xfer:clobber on; get big.bin -o /dev/null; quit" 127.0.0.1; done | best)
cup[ours]=$(for _ in $(seq $RUNS); do t $PROTO ftp put "$work/src/big.bin" "$uv/upload/c.bin"; rm -f "$work/vsftpd/upload/c.bin"; done | best)
cup[curl]=$(for _ in $(seq $RUNS); do t curl -sS -T "$work/src/big.bin" "$uc/upload/c.bin"; rm -f "$work/vsftpd/upload/c.bin"; done | best)
cup[lftp]=$(for _ in $(seq $RUNS); do t lftp -p "$p_vs" -u anonymous,x -e "set ftp:ssl-allow false; put $work/src/big.bin -o upload/c.bin; quit" 127.0.0.1; rm -f "$work/vsftpd/upload/c.bin"; done | best)
echo
echo "FTP clients against vsftpd, $SIZE_MIB MiB, whole process wall clock, best of $RUNS"
printf "%-6s %10s %10s\n" client "down GB/s" "up GB/s"
for c in ours curl lftp; do printf "%-6s %10s %10s\n" $c "$(gbps ${cdown[$c]})" "$(gbps ${cup[$c]})"; done
echo "ours vs curl: download $(ratio ${cdown[ours]} ${cdown[curl]}), upload $(ratio ${cup[ours]} ${cup[curl]})"
