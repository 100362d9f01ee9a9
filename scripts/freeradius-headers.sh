#!/bin/sh
# freeradius-headers.sh DIR - makes DIR/freeradius-devel (and DIR/freeradius,
# the same), the headers rlm_mfa
# builds with. Debian's libfreeradius-dev lacks some (log.h, xlat.h, tmpl.h,
# ...): those come from the matching Debian source package, fetched with
# apt-get source (a deb-src entry is added for the suites apt already uses).
# Nothing of FreeRADIUS is ever committed: it all lives under build/.
set -eu
dir=$1
devel=$dir/freeradius-devel
[ -f "$devel/.complete" ] && exit 0

src=$(ls -d "$dir"/src/freeradius-3.*/src/include 2> /dev/null | head -n 1 || true)
if [ -z "$src" ]; then
	mkdir -p "$dir/src"
	if ! (cd "$dir/src" && apt-get source -qq freeradius > ../apt-source.log 2>&1); then
		if [ "$(id -u)" -ne 0 ]; then
			echo "freeradius-headers: apt-get source freeradius failed; as root this script adds a deb-src entry" >&2
			exit 1
		fi
		list=/etc/apt/sources.list.d/mfa-deb-src.sources
		echo "freeradius-headers: adding deb-src entries ($list)"
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] && [ "$f" != "$list" ] || continue
			# The Debian suites this machine installs from, as source suites.
			awk 'BEGIN { RS = ""; ORS = "\n\n" } /URIs: [^ ]*debian/ && /Types: deb/ {
				sub(/Types: deb[^\n]*/, "Types: deb-src"); print }' "$f"
		done > "$list.tmp"
		if [ -f /etc/apt/sources.list ]; then
			sed -n 's/^deb \(.*debian.*\)/deb-src \1/p' /etc/apt/sources.list > /etc/apt/sources.list.d/mfa-deb-src.list
		fi
		mv "$list.tmp" "$list"
		apt-get update -qq
		(cd "$dir/src" && apt-get source -qq freeradius > ../apt-source.log 2>&1) || {
			echo "freeradius-headers: apt-get source freeradius failed:" >&2
			tail -n 5 "$dir/apt-source.log" >&2
			exit 1
		}
	fi
	src=$(ls -d "$dir"/src/freeradius-3.*/src/include | head -n 1)
fi

rm -rf "$devel"
mkdir -p "$devel"
# Debian's installed headers first (they include the generated ones), then
# whatever only the source has.
for h in /usr/include/freeradius/*.h; do ln -s "$h" "$devel/"; done
for h in "$src"/*.h; do
	[ -e "$devel/$(basename "$h")" ] || ln -s "$(cd "$(dirname "$h")" && pwd)/$(basename "$h")" "$devel/"
done
# Debian's headers include each other as <freeradius/...>: the same set.
rm -f "$dir/freeradius"
ln -s freeradius-devel "$dir/freeradius"
touch "$devel/.complete"
