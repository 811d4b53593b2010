#!/usr/bin/env bash
# IMAP side by side, one run: Dovecot (Debian's dovecot-imapd, a generated config on a free port over a maildir) and
# our server (`proto serve`, the messages sent in over SMTP into its SQLite store) hold the same messages; MailKit's
# ImapClient then fetches the summaries of all (Envelope, BodyStructure, Flags, UID), 1,000 whole messages, and runs
# a SEARCH (SUBJECT or FROM). Each client run is done twice: cold (the first look at the mailbox: Dovecot builds its
# index, we build our structure cache) and warm. Prints seconds and the server's peak RSS.
#
# usage: tests/Protocols.Benchmarks/imap-bench.sh [MESSAGES]   (default 10000)
# Dovecot refuses to run its login process as root and needs a user for the mail: run as root (it uses the Debian
# package's dovenull and dovecot users, and nobody for the maildir).
set -uo pipefail
cd "$(dirname "$0")/../.."

MESSAGES=${1:-10000}
WHOLE=${WHOLE:-1000}
PY=/usr/bin/python3
PROTO=src/Cli/bin/Release/net10.0/proto
BENCH=tests/Protocols.Benchmarks/bin/Release/net10.0/Protocols.Benchmarks
[ -x /usr/sbin/dovecot ] || { echo "imap-bench: /usr/sbin/dovecot is missing (run scripts/install-peers.sh)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "imap-bench: run as root (Dovecot's generated config uses its system users)" >&2; exit 1; }
[ -x "$PROTO" ] || dotnet build src/Cli -c Release -v quiet -nologo >/dev/null || exit 1
[ -x "$BENCH" ] || dotnet build tests/Protocols.Benchmarks -c Release -v quiet -nologo >/dev/null || exit 1

T=$(mktemp -d /tmp/imap-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -f "$T/dovecot.conf" ] && /usr/sbin/dovecot -c "$T/dovecot.conf" stop 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
# Peak of the summed RSS (MB) of the named processes, sampled every 0.1 s until the file $2 appears.
sample_rss() {
  local names=$1 stop=$2 peak=0 now
  while [ ! -f "$stop" ]; do
    now=$(ps -o rss= -C "$names" 2>/dev/null | awk '{s+=$1} END {printf "%d", s/1024}')
    [ "${now:-0}" -gt "$peak" ] && peak=$now
    sleep 0.1
  done
  echo "$peak"
}

printf "load average: %s (2 cores shared with other builds; numbers are only comparable within this run)\n" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf "messages: %s, whole messages fetched: %s\n\n" "$MESSAGES" "$WHOLE"

# --- Dovecot over a maildir ---
DPORT=$(free_port)
mkdir -p "$T/run" "$T/state" "$T/home/Maildir/new" "$T/home/Maildir/tmp"
"$BENCH" imap-maildir "$T/home/Maildir" "$MESSAGES" || exit 1
chmod 755 "$T"; chown -R nobody:nogroup "$T/home"   # Dovecot will not serve mail as root
cat > "$T/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $T/run
state_dir = $T/state
log_path = $T/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$T/home/Maildir
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
passdb {
  driver = static
  args = password=pass
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$T/home
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $DPORT
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
CONF
/usr/sbin/dovecot -c "$T/dovecot.conf" || { cat "$T/dovecot.log" >&2; exit 1; }
wait_port "$DPORT" || exit 1

declare -A ROW
run_client() { # NAME PORT RSS-NAMES|PID
  local out peak
  rm -f "$T/stop"
  if [[ "$3" =~ ^[0-9]+$ ]]; then
    out=$("$BENCH" imap-client "$2" "$WHOLE")
    peak=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/"$3"/status)
  else
    sample_rss "$3" "$T/stop" > "$T/peak" &
    out=$("$BENCH" imap-client "$2" "$WHOLE")
    touch "$T/stop"; wait; peak=$(cat "$T/peak")
  fi
  ROW[$1]="$out $peak"
}
run_client dovecot-cold "$DPORT" dovecot,imap,imap-login,auth,config,log,anvil,stats
run_client dovecot-warm "$DPORT" dovecot,imap,imap-login,auth,config,log,anvil,stats
/usr/sbin/dovecot -c "$T/dovecot.conf" stop

# --- ours: proto serve, messages in over SMTP ---
SPORT=$(free_port); IPORT=$(free_port)
"$PROTO" serve --root "$T" --smtp-port "$SPORT" --imap-port "$IPORT" --pop3-port 0 --ftp-port 0 --http-port 0 >/dev/null 2>&1 &
OURS=$!; PIDS+=("$OURS")
wait_port "$SPORT" && wait_port "$IPORT" || exit 1
start=$(date +%s.%N)
"$BENCH" imap-seed "$SPORT" "$MESSAGES" || exit 1
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v n="$MESSAGES" 'BEGIN { printf "seeded ours over SMTP: %d messages in %.1f s\n\n", n, e-s }'
run_client ours-cold "$IPORT" "$OURS"
run_client ours-warm "$IPORT" "$OURS"

printf "%-14s %12s %12s %10s %8s %8s %10s\n" server summaries-s whole-s search-s count matched peakRSS-MB
for k in dovecot-cold dovecot-warm ours-cold ours-warm; do
  read -r sum whole search count matched bytes peak <<<"${ROW[$k]}"
  printf "%-14s %12s %12s %10s %8s %8s %10s\n" "$k" "$sum" "$whole" "$search" "$count" "$matched" "$peak"
done
echo "(ours' peak RSS is the whole proto serve process: SMTP, POP3, FTP, HTTP and the page included; Dovecot's is the sum of its processes)"
