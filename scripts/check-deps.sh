#!/bin/sh
# check-deps.sh [--freeradius DIR] - what the build needs, checked before
# anything compiles: each missing library's headers (pkg-config, or the
# header itself), and with --freeradius the FreeRADIUS headers that
# scripts/freeradius-headers.sh makes in DIR. Installs and fetches nothing:
# it prints one line naming the command that would, and exits 1.
set -u
CC=${CC:-cc}
missing="" debs=""
need() { missing="${missing:+$missing, }$1 ($2)"; debs="$debs $2"; }

# CC may carry words (ccache cc): the first one is the program.
if ! command -v "${CC%% *}" > /dev/null 2>&1; then
	need "a C compiler" build-essential
fi
if ! command -v pkg-config > /dev/null 2>&1; then
	need pkg-config pkg-config
else
	# pkg-config name, Debian package: a .pc file comes with the headers.
	for pair in liboath:liboath-dev libpskc:libpskc-dev libxml-2.0:libxml2-dev \
		jansson:libjansson-dev sqlite3:libsqlite3-dev libpq:libpq-dev \
		libqrencode:libqrencode-dev libcrypto:libssl-dev libfido2:libfido2-dev \
		libcbor:libcbor-dev libmicrohttpd:libmicrohttpd-dev; do
		pc=${pair%%:*} deb=${pair#*:}
		pkg-config --exists "$pc" || need "${deb%-dev} headers" "$deb"
	done
fi
# has_header HEADER: the compiler finds it.
# shellcheck disable=SC2086
has_header() { echo "#include <$1>" | $CC -E -x c - > /dev/null 2>&1; }
has_header security/pam_appl.h || need "PAM headers" libpam0g-dev

fr_dir=""
if [ "${1:-}" = "--freeradius" ]; then
	fr_dir=$2
	# scripts/freeradius-headers.sh links these (they do not preprocess alone).
	[ -f /usr/include/freeradius/radiusd.h ] || need "FreeRADIUS headers" libfreeradius-dev
	has_header talloc.h || need "talloc headers" libtalloc-dev
fi

rc=0
if [ -n "$missing" ]; then
	echo "missing: $missing: run 'make deps' (as root) or apt-get install$debs" >&2
	rc=1
fi
if [ -n "$fr_dir" ] && [ ! -f "$fr_dir/freeradius-devel/.complete" ]; then
	# Debian's libfreeradius-dev lacks some headers rlm_mfa needs: they come
	# from the source package, which only 'make deps' fetches.
	echo "missing: FreeRADIUS source headers in $fr_dir: run 'make deps' (as root) or scripts/freeradius-headers.sh $fr_dir" >&2
	rc=1
fi
exit $rc
