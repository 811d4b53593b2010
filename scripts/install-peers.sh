#!/usr/bin/env bash
# Installs the real peers the interop tests run against (Debian packages), only when one is missing.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
pyhas() { /usr/bin/python3 -c "import $1" >/dev/null 2>&1; }

have curl || need+=(curl)
have swaks || need+=(swaks)
have lftp || need+=(lftp)
have msmtp || need+=(msmtp)
[ -x /usr/bin/python3 ] || need+=(python3)
pyhas aiosmtpd || need+=(python3-aiosmtpd)
pyhas pyftpdlib || need+=(python3-pyftpdlib)
pyhas OpenSSL || need+=(python3-openssl)
[ -x /usr/sbin/vsftpd ] || need+=(vsftpd)
[ -x /usr/sbin/nginx ] || need+=(nginx)
[ -x /usr/sbin/smtp-sink ] || need+=(postfix)
have wrk || need+=(wrk)
have chromium || need+=(chromium)
have openssl || need+=(openssl)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

echo "install-peers: installing ${need[*]}" >&2
if [ "$(id -u)" != "0" ]; then
  if have sudo; then SUDO=sudo; else echo "install-peers: not root and no sudo; install: ${need[*]}" >&2; exit 1; fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
# Debian starts services on install where it can; the tests start their own with generated configs.
for svc in vsftpd nginx postfix; do $SUDO service "$svc" stop >/dev/null 2>&1 || true; done
