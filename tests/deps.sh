#!/bin/sh
# deps.sh - install the Debian packages mailsift builds, tests and demos with.
# Installs only what is missing, so it is quick on a prepared machine.
set -e
PKGS="gcc make pkg-config libglib2.0-dev libglib2.0-dev-bin libgmime-3.0-dev
libxml2-dev libxml2-utils libjson-c-dev libjson-glib-dev zlib1g-dev libzip-dev libpq-dev postgresql
postgresql-client python3 time libc-ares-dev libpsl-dev publicsuffix
libmaxminddb-dev libcurl4-openssl-dev openssl unbound postfix procmail mandoc chromium fonts-dejavu-core
${MAILSIFT_EXTRA_PKGS:-}"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# postfix installed for the tests only (tests/t/postfix.sh runs a private
# instance): no system configuration, nothing listening.
echo "postfix postfix/main_mailer_type select No configuration" |
	$SUDO debconf-set-selections 2>/dev/null || true
# Another apt (unattended-upgrades, a second make) may hold the dpkg lock:
# wait for it instead of failing.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends $missing >/dev/null
