#!/bin/sh
# Installs the Debian 12 packages mfa builds, tests and demos with.
# Runs apt-get only when something is missing, so it is quick the second time.
set -eu

PACKAGES="build-essential pkg-config clang libclang-rt-14-dev
libssl-dev liboath-dev oathtool libpskc-dev libxml2-dev libjansson-dev
libsqlite3-dev sqlite3 libqrencode-dev zbar-tools python3
libpam0g-dev pamtester libpam-wrapper libnss-wrapper valgrind
logrotate freeradius freeradius-utils libfreeradius-dev libtalloc-dev libpcre3-dev dpkg-dev eapoltest
openssh-server openssh-client expect systemd libpam-google-authenticator libpam-oath
libfido2-dev libcbor-dev chromium libmicrohttpd-dev curl apache2-utils
postgresql libpq-dev
debhelper lintian"
# debhelper, lintian: tests/cli/test_deb.sh builds the Debian packages (debian/) and checks them.
# postgresql: the tests start their own cluster on a high port (tests/pg/lib.sh);
# the system cluster Debian starts on 5432 is not used.
# The browser tests drive Chromium from Node.js; keep a Node.js already there.
command -v node >/dev/null 2>&1 || PACKAGES="$PACKAGES nodejs npm"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root (or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
