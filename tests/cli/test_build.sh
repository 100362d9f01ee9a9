#!/bin/bash
# test_build.sh - what the build promises: hidden core symbols, a hardened
# mfactl, and `make install` honouring PREFIX and DESTDIR.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

case_begin core_symbols_hidden
# Every symbol libmfa.a defines is hidden: linked into pam_mfa.so or
# rlm_mfa.so it can clash with nothing in the host process.
visible=$(readelf -sW "$ROOT/build/libmfa.a" | awk '$5 == "GLOBAL" && $7 != "UND" && $6 != "HIDDEN" { print $8 }')
[ -z "$visible" ] || fail "visible symbols: $visible"
readelf -sW "$ROOT/build/libmfa.a" | awk '$5 == "GLOBAL" && $7 != "UND"' | grep -q ' mfa_verify$' ||
	fail "mfa_verify not found in libmfa.a"

case_begin mfactl_hardened
readelf -d "$ROOT/build/mfactl" | grep -q 'BIND_NOW' || fail "no BIND_NOW"
readelf -lW "$ROOT/build/mfactl" | grep -q 'GNU_RELRO' || fail "no RELRO"
readelf -hW "$ROOT/build/mfactl" | grep -q 'DYN (Position-Independent' || fail "not PIE"
readelf -sW "$ROOT/build/mfactl" | grep -q '__stack_chk_fail' || fail "no stack protector"

case_begin make_install_prefix_destdir
make -s -C "$ROOT" install DESTDIR="$T/root" PREFIX=/opt/mfa > "$T/install.log" 2>&1 || fail "install: $(cat "$T/install.log")"
[ -x "$T/root/opt/mfa/bin/mfactl" ] || fail "no mfactl installed"
[ -f "$T/root/opt/mfa/share/man/man1/mfactl.1" ] || fail "no mfactl.1"
[ -f "$T/root/opt/mfa/share/man/man5/mfa.conf.5" ] || fail "no mfa.conf.5"
[ -f "$T/root/opt/mfa/share/man/man8/pam_mfa.8" ] || fail "no pam_mfa.8"
ls "$T"/root/lib/*/security/pam_mfa.so > /dev/null 2>&1 || fail "no pam_mfa.so in PAMDIR"
[ -f "$T/root/usr/lib/freeradius/rlm_mfa.so" ] || fail "no rlm_mfa.so in RADIUSLIBDIR"
[ -f "$T/root/etc/freeradius/3.0/mods-available/mfa" ] || fail "no mods-available/mfa"

case_begin rlm_mfa_exports_only_its_module
syms=$(nm -D --defined-only "$ROOT/build/rlm_mfa.so" | awk '{print $3}' | tr '\n' ' ')
[ "$syms" = "rlm_mfa " ] || fail "exported: $syms"
"$T/root/opt/mfa/bin/mfactl" --help | grep -q "enroll" || fail "installed mfactl does not run"

case_begin login_modules_do_not_load_webauthn_libraries
# A PAM login loads pam_mfa.so each time: what it does not use stays out.
for so in pam_mfa.so rlm_mfa.so; do
	needed=$(readelf -d "$ROOT/build/$so" | grep NEEDED)
	[ -n "$needed" ] || fail "$so: no NEEDED entries read"
	grep -qE 'libfido2|libcbor' <<< "$needed" && fail "$so loads libfido2 or libcbor: $needed"
done

# A stub for each command that could change the system: it records the call.
mkdir -p "$T/stub" "$T/no-freeradius" "$T/no-pkgconfig"
for cmd in apt-get apt apt-cache dpkg sudo; do
	printf '#!/bin/sh\necho "%s $*" >> "%s/system-calls"\nexit 0\n' "$cmd" "$T" > "$T/stub/$cmd"
	chmod +x "$T/stub/$cmd"
done

case_begin plain_make_builds_everything
# 'make' with no target is 'make all': a changed source of each front end
# is rebuilt (-n: what it would run; -W: as if that file had changed).
for src in radius_module/hold.c pam_module/pam_mfa.c service/mfad.c web/mfa-web.c cli/mfactl.c common/otp.c; do
	[ -e "$ROOT/$src" ] || fail "no $src: is the test looking at the right file?"
	PATH=$T/stub:$PATH make -n -C "$ROOT" -W "$src" > "$T/make.log" 2>&1 || fail "make -n: $(tail -n 3 "$T/make.log")"
	grep -qF "$src" "$T/make.log" || fail "plain make would not rebuild $src: $(head -n 5 "$T/make.log")"
done
[ -e "$T/system-calls" ] && fail "make ran: $(cat "$T/system-calls")"

case_begin plain_make_without_freeradius_headers_stops_and_installs_nothing
# The FreeRADIUS source headers only 'make deps' fetches: absent, a plain
# make names the command and stops before compiling anything.
PATH=$T/stub:$PATH make -C "$ROOT" FR_DIR="$T/no-freeradius" > "$T/make.log" 2>&1 && fail "make succeeded"
[ -e "$T/system-calls" ] && fail "make ran: $(cat "$T/system-calls")"
grep -qx "missing: FreeRADIUS source headers in $T/no-freeradius: run 'make deps' (as root) or scripts/freeradius-headers.sh $T/no-freeradius" \
	"$T/make.log" || fail "no missing line: $(cat "$T/make.log")"
grep -qE 'error:|  CC ' "$T/make.log" && fail "compiled: $(cat "$T/make.log")"
[ -z "$(ls -A "$T/no-freeradius")" ] || fail "FR_DIR written: $(ls -A "$T/no-freeradius")"

case_begin missing_library_named_with_its_package
PATH=$T/stub:$PATH PKG_CONFIG_LIBDIR=$T/no-pkgconfig make -C "$ROOT" build/mfactl > "$T/make.log" 2>&1 &&
	fail "make succeeded"
[ -e "$T/system-calls" ] && fail "make ran: $(cat "$T/system-calls")"
grep -q "^missing: .*libxml2 headers (libxml2-dev).*: run 'make deps' (as root) or apt-get install .*libxml2-dev" \
	"$T/make.log" || fail "no missing line: $(cat "$T/make.log")"
grep -qE 'error:|fatal' "$T/make.log" && fail "compiler error: $(cat "$T/make.log")"

case_begin install_pam_needs_no_freeradius_headers
PATH=$T/stub:$PATH make -s -C "$ROOT" install-pam FR_DIR="$T/no-freeradius" DESTDIR="$T/pamroot" PREFIX=/usr \
	> "$T/make.log" 2>&1 || fail "install-pam: $(cat "$T/make.log")"
[ -e "$T/system-calls" ] && fail "make ran: $(cat "$T/system-calls")"
ls "$T"/pamroot/lib/*/security/pam_mfa.so > /dev/null 2>&1 || fail "no pam_mfa.so"
[ -e "$T/pamroot/usr/lib/freeradius/rlm_mfa.so" ] && fail "rlm_mfa.so installed by install-pam"
[ -f "$T/pamroot/usr/share/mfa/install-manifest" ] || fail "no manifest"

case_begin uninstall_removes_exactly_the_manifest
# install-pam then install-radius into one DESTDIR add to one manifest;
# what else lives there (the config, key, store an operator made, and
# FreeRADIUS's own files) stays, and so does an edited module file.
R=$T/uroot
mkdir -p "$R/etc/mfa" "$R/var/lib/mfa" "$R/etc/freeradius/3.0/mods-available"
echo conf > "$R/etc/mfa/mfa.conf"; echo key > "$R/etc/mfa/mfa.key"; echo db > "$R/var/lib/mfa/mfa.db"
echo other > "$R/etc/freeradius/3.0/mods-available/pap"
(cd "$R" && find . | sort) > "$T/before"
for target in install-pam install-radius install-radius; do
	make -s -C "$ROOT" $target DESTDIR="$R" PREFIX=/usr > "$T/make.log" 2>&1 || fail "$target: $(cat "$T/make.log")"
done
M=$R/usr/share/mfa/install-manifest
for f in /usr/bin/mfactl /usr/sbin/mfad /usr/sbin/mfa-web /usr/lib/freeradius/rlm_mfa.so \
	/etc/freeradius/3.0/mods-available/mfa /usr/share/man/man8/pam_mfa.8; do
	[ -f "$R$f" ] || fail "$f not installed"
	grep -q " $f\$" "$M" || fail "$f not in the manifest"
done
[ "$(grep -c ' /usr/bin/mfactl$' "$M")" -eq 1 ] || fail "mfactl listed $(grep -c ' /usr/bin/mfactl$' "$M") times"
grep -qE ' /etc/mfa|/var/lib/mfa' "$M" && fail "the manifest names the config or store: $(cat "$M")"
make -s -C "$ROOT" uninstall DESTDIR="$R" PREFIX=/usr > "$T/make.log" 2>&1 || fail "uninstall: $(cat "$T/make.log")"
(cd "$R" && find . | sort) > "$T/after"
diff "$T/before" "$T/after" > "$T/diff" || fail "left or removed: $(cat "$T/diff")"
[ "$(cat "$R/etc/mfa/mfa.key")" = key ] || fail "key changed"
# An operator's edit to the module file survives uninstall; then a second
# uninstall finds no manifest and says so.
make -s -C "$ROOT" install-radius DESTDIR="$R" PREFIX=/usr > "$T/make.log" 2>&1 || fail "install-radius: $(cat "$T/make.log")"
echo "# edited" >> "$R/etc/freeradius/3.0/mods-available/mfa"
make -s -C "$ROOT" uninstall DESTDIR="$R" PREFIX=/usr > "$T/make.log" 2>&1 || fail "uninstall: $(cat "$T/make.log")"
grep -q "kept $R/etc/freeradius/3.0/mods-available/mfa (changed since it was installed)" "$T/make.log" ||
	fail "no kept line: $(cat "$T/make.log")"
[ -f "$R/etc/freeradius/3.0/mods-available/mfa" ] || fail "edited module file removed"
[ -e "$R/usr/lib/freeradius/rlm_mfa.so" ] && fail "rlm_mfa.so left"
make -s -C "$ROOT" uninstall DESTDIR="$R" PREFIX=/usr > "$T/make.log" 2>&1 && fail "second uninstall succeeded"
grep -q "no manifest" "$T/make.log" || fail "second uninstall: $(cat "$T/make.log")"
