#!/bin/sh
# uninstall-files.sh DESTDIR MANIFEST - removes what scripts/install-files.sh
# recorded in DESTDIR/MANIFEST: every file it installed, each configuration
# file still as installed (an edited one is kept, and said so), the
# manifest, then each directory it created once empty. Nothing else: not
# mfa.conf, the key file, the store or the audit file, which 'mfactl init'
# made and only the administrator removes.
set -eu
destdir=$1 manifest=$2
if [ ! -f "$destdir$manifest" ]; then
	echo "uninstall: no manifest $destdir$manifest: nothing was installed with this PREFIX and DESTDIR" >&2
	exit 1
fi
# Paths never hold spaces here (the Makefile's own), so fields split cleanly.
while read -r kind a b; do
	case $kind in
	f) rm -f "$destdir$a" ;;
	c)
		[ -e "$destdir$b" ] || continue
		if [ "$(sha256sum < "$destdir$b" | cut -d' ' -f1)" = "$a" ]; then
			rm -f "$destdir$b"
		else
			echo "uninstall: kept $destdir$b (changed since it was installed)"
		fi
		;;
	esac
done < "$destdir$manifest"
dirs=$(awk '$1 == "d" { print length($2), $2 }' "$destdir$manifest" | sort -rn | cut -d' ' -f2-)
rm -f "$destdir$manifest"
# Deepest first; one that still holds something (kept or foreign) stays.
for d in $dirs; do
	rmdir "$destdir$d" 2> /dev/null || true
done
echo "uninstall: done"
