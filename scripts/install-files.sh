#!/bin/sh
# install-files.sh DESTDIR MANIFEST [MODE SRC DEST]... - installs each SRC
# as DESTDIR/DEST and records what it did in DESTDIR/MANIFEST, one line each,
# for 'make uninstall' (scripts/uninstall-files.sh):
#   f PATH          a file installed
#   c SHA256 PATH   a configuration file installed (MODE written cMODE): never
#                   overwritten once there, removed only while unchanged
#   d PATH          a directory that did not exist before
# Installing again adds to the manifest; the last line for a PATH counts.
set -eu
destdir=$1 manifest=$2
shift 2
new=$(mktemp)
trap 'rm -f "$new"' EXIT

# mkdirs DIR: creates DIR and its missing parents, recording each.
mkdirs() {
	[ -d "$destdir$1" ] && return 0
	# DESTDIR itself is the caller's.
	[ "$1" = / ] && { mkdir -p "$destdir"; return 0; }
	mkdirs "$(dirname "$1")"
	install -d -m 0755 "$destdir$1"
	echo "d $1" >> "$new"
}

mkdirs "$(dirname "$manifest")"
while [ $# -ge 3 ]; do
	mode=$1 src=$2 dest=$3
	shift 3
	mkdirs "$(dirname "$dest")"
	case $mode in
	c*)
		# An operator's edited file is never overwritten: one we did not
		# install stays out of the manifest too.
		[ -e "$destdir$dest" ] && continue
		install -m "${mode#c}" "$src" "$destdir$dest"
		echo "c $(sha256sum < "$destdir$dest" | cut -d' ' -f1) $dest" >> "$new"
		;;
	*)
		install -m "$mode" "$src" "$destdir$dest"
		echo "f $dest" >> "$new"
		;;
	esac
done
[ $# -eq 0 ] || { echo "install-files: arguments come in threes (MODE SRC DEST)" >&2; exit 1; }

# Merge: one line per path, the newest (a directory keeps its first line: it
# was created by the first install).
touch "$destdir$manifest"
cat "$destdir$manifest" "$new" | awk '{ p = $NF; if (!(p in line) || $1 != "d") { if (!(p in line)) order[n++] = p; line[p] = $0 } }
	END { for (i = 0; i < n; i++) print line[order[i]] }' > "$new.m"
mv "$new.m" "$destdir$manifest"
chmod 0644 "$destdir$manifest"
echo "install-files: $(grep -c '^[fc] ' "$destdir$manifest") files listed in $destdir$manifest"
