#!/usr/bin/env bash
# Installs the real peers the tests run against (Debian packages), deciding by capability, not by binary:
# each line below names a capability, the check that proves it, and the packages that provide it.
#   scripts/install-peers.sh           check; install what is missing (root, or sudo); check again
#   scripts/install-peers.sh --check   check only; print one line per missing capability; exit 1 if any
set -uo pipefail

mode=install
case "${1:-}" in
  --check) mode=check ;;
  "") ;;
  *) echo "usage: install-peers.sh [--check]" >&2; exit 2 ;;
esac

PY=/usr/bin/python3
pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# cap NAME PACKAGES CHECK: CHECK is bash, run silently; exit 0 means the capability is there.
NAMES=(); PKGS=(); CHECKS=()
cap() { NAMES+=("$1"); PKGS+=("$2"); CHECKS+=("$3"); }
curl_has() { curl -V | grep -i '^Protocols:' | grep -qw "$1"; }
cap "curl with smtp, pop3, imap and ftp(s)" "curl" 'curl_has smtp && curl_has pop3 && curl_has imap && curl_has ftps'
swaks_has() { { swaks --support 2>&1 || true; } | grep -q "^=== $1 supported"; }
cap "swaks with TLS (Net::SSLeay)" "swaks libnet-ssleay-perl libio-socket-ssl-perl" 'swaks_has TLS && perl -MNet::SSLeay -e1'
cap "swaks with AUTH (PLAIN/LOGIN, CRAM-MD5)" "swaks libdigest-hmac-perl" 'swaks_has "Basic AUTH" && swaks_has "AUTH CRAM-MD5"'
cap "lftp with TLS" "lftp" 'lftp --version 2>&1 | grep -qiE "GnuTLS|OpenSSL"'
cap "msmtp" "msmtp" 'msmtp --version'
cap "python3 (Debian's) with ssl and the stdlib mail/ftp/http clients" "python3" '$PY -c "import ssl, smtplib, ftplib, poplib, imaplib, http.client"'
cap "python3 aiosmtpd" "python3-aiosmtpd" '$PY -c "import aiosmtpd"'
cap "python3 pyftpdlib with TLS (pyOpenSSL)" "python3-pyftpdlib python3-openssl" '$PY -c "import OpenSSL; from pyftpdlib.handlers import TLS_FTPHandler"'
cap "vsftpd" "vsftpd" 'test -x /usr/sbin/vsftpd'
cap "nginx" "nginx" '/usr/sbin/nginx -v'
cap "postfix smtp-source and smtp-sink" "postfix" 'test -x /usr/sbin/smtp-source && test -x /usr/sbin/smtp-sink'
cap "wrk" "wrk" '{ wrk --version 2>&1 || true; } | grep -q "^wrk "'
cap "chromium (headless)" "chromium" 'chromium --version'
cap "openssl" "openssl" 'openssl version'
cap "PostgreSQL server (initdb, pg_ctl, postgres)" "postgresql" 'd=$(pgbin) && test -x "$d/initdb" && test -x "$d/pg_ctl" && test -x "$d/postgres"'
cap "dovecot IMAP server" "dovecot-core dovecot-imapd" 'test -x /usr/sbin/dovecot && test -x /usr/lib/dovecot/imap'
# Not a peer: Native AOT links proto's linux-x64 tool package with clang (tests/Protocols.Tests/Packaging packs it).
cap "clang and zlib headers (Native AOT link of proto)" "clang zlib1g-dev" 'command -v clang && test -e /usr/include/zlib.h'

missing=()   # indexes into CAPS
check_all() {
  missing=()
  local i
  for i in "${!NAMES[@]}"; do
    ( eval "${CHECKS[$i]}" ) >/dev/null 2>&1 </dev/null || missing+=("$i")
  done
}
report() {
  local i
  for i in "${missing[@]}"; do
    echo "install-peers: missing: ${NAMES[$i]} (Debian: ${PKGS[$i]})" >&2
  done
}

check_all
if [ ${#missing[@]} -eq 0 ]; then
  [ "$mode" = check ] && echo "install-peers: all ${#NAMES[@]} capabilities present"
  exit 0
fi
if [ "$mode" = check ]; then report; exit 1; fi

pkgs=()
for i in "${missing[@]}"; do pkgs+=(${PKGS[$i]}); done
echo "install-peers: installing ${pkgs[*]}" >&2
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else report; echo "install-peers: not root and no sudo" >&2; exit 1; fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -q >/dev/null || echo "install-peers: apt-get update failed" >&2
# --no-install-recommends keeps the install small; every feature the tests use is named above as a package.
$SUDO apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null || echo "install-peers: apt-get install failed" >&2
# Debian starts services on install where it can; the tests start their own with generated configs.
for svc in vsftpd nginx postfix dovecot postgresql; do $SUDO service "$svc" stop >/dev/null 2>&1 || true; done

check_all
if [ ${#missing[@]} -ne 0 ]; then report; exit 1; fi
echo "install-peers: all ${#NAMES[@]} capabilities present" >&2
