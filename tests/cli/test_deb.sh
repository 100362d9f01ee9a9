#!/bin/bash
# test_deb.sh - the Debian packages (debian/): built with dpkg-buildpackage
# from a copy of the tree, lintian without errors, installed on this
# machine with dpkg -i, a login through the INSTALLED pam_mfa.so (asking
# the installed mfad) and the installed rlm_mfa.so (radiusd with
# /usr/lib/freeradius as its only module directory), remove keeping the
# key and the store, purge keeping them unless /etc/mfa/purge-store says
# otherwise, and in the end the machine as it was: the same file names
# under /etc /usr /lib /var /opt /srv (logs, caches and dpkg's and apt's
# own state aside), the same PAM common-* files, users and groups. Needs
# root. Whatever happens, the trap purges the packages and puts back an
# /etc/mfa or /var/lib/mfa that was there before.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PKGS="mfa libpam-mfa freeradius-mfa mfa-web"
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
SECURITY=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/security
STATE_DIRS="/etc/mfa /var/lib/mfa /var/log/mfa"
SAVE=/var/tmp/mfa-deb-test-saved.$$
MFAD_PID=""
export DEBIAN_FRONTEND=noninteractive
# As an administrator's shell: the installed tools find /etc/mfa/mfa.conf
# themselves, and so must the maintainer scripts.
unset MFA_CONFIG

abort() { fail "$*"; exit 1; }

case_begin machine_ready_for_the_packages
[ "$(id -u)" -eq 0 ] || abort "needs root (make check runs as root)"
for cmd in dpkg-buildpackage lintian dh pamtester freeradius radclient oathtool; do
	command -v "$cmd" > /dev/null || abort "$cmd is missing: run 'make deps'"
done
for p in $PKGS; do
	if dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -qv 'not-installed'; then
		abort "package $p is on this machine already: this test installs and purges it (dpkg -P $p first)"
	fi
done

# The machine as it is: file names (not contents: other work may write),
# the PAM stacks pam-auth-update writes, and the accounts.
snapshot() {
	find /etc /usr /lib /lib64 /var /opt /srv -xdev \
		\( -path /var/log -o -path /var/cache -o -path /var/tmp -o -path /var/lib/dpkg -o -path /var/lib/apt \
		-o -path /var/backups -o -path /var/mail -o -path /var/spool -o -path /var/lib/postgresql \
		-o -path "$SAVE" \) -prune -o -print 2> /dev/null |
		grep -vE '^/etc/(passwd|group|shadow|gshadow|subuid|subgid)-$' |
		grep -vE '^/etc/pam\.d/mfa-[a-z]+-test-[0-9]+$' | sort
	# (the last: tests/pam's sshd test's service file, when run side by side)
	sha256sum /etc/pam.d/common-* 2> /dev/null
	getent passwd | grep -E '^(mfa|mfa-web):' || true
	getent group | grep -E '(^|[:,])(mfa|mfa-web)(,|:|$)' || true
	id -nG freerad 2> /dev/null || true
}

cleanup() {
	[ -z "$MFAD_PID" ] || kill "$MFAD_PID" 2> /dev/null
	raddb_stop 2> /dev/null
	local installed=""
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -qv 'not-installed' && installed="$installed $p"
	done
	if [ -n "$installed" ]; then
		[ -d /etc/mfa ] && touch /etc/mfa/purge-store
		# shellcheck disable=SC2086
		dpkg -P $installed > "$T/cleanup.log" 2>&1 || cat "$T/cleanup.log" >&2
	fi
	# What the packages made, whatever state they were left in.
	rm -rf $STATE_DIRS
	getent passwd mfa-web > /dev/null && userdel mfa-web 2> /dev/null
	getent group mfa-web > /dev/null && groupdel mfa-web 2> /dev/null
	getent group mfa > /dev/null && groupdel mfa 2> /dev/null
	restore_saved
}
restore_saved() {
	[ -d "$SAVE" ] || return 0
	for d in $STATE_DIRS; do
		[ -e "$SAVE$d" ] && mkdir -p "$(dirname "$d")" && mv "$SAVE$d" "$d"
	done
	rm -rf "$SAVE"
}

# An /etc/mfa of this machine's own (not from these packages) is moved
# aside for the test and put back after: purge-store would remove it.
# Only once all of it is aside may the cleanup remove what is there.
trap 'restore_saved; case_end; rm -rf "$T"; exit "$ANY_FAILED"' EXIT
trap 'fail "interrupted"; exit 1' INT TERM HUP
for d in $STATE_DIRS; do
	if [ -e "$d" ]; then
		mkdir -p "$SAVE$(dirname "$d")"
		mv "$d" "$SAVE$d" || abort "cannot move $d aside"
	fi
done
trap 'cleanup; case_end; rm -rf "$T"; exit "$ANY_FAILED"' EXIT
snapshot > "$T/before"

case_begin packages_build_and_pass_lintian
# A copy of the tree: dpkg-buildpackage cleans and builds in place.
mkdir -p "$T/src"
(cd "$ROOT" && git ls-files -co --exclude-standard | grep -v '^build/' | tar -cf - -T -) | tar -xf - -C "$T/src" ||
	abort "copying the tree failed"
(cd "$T/src" && FR_DIR=$ROOT/build/freeradius DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -us -uc -b) > "$T/build.log" 2>&1 ||
	abort "dpkg-buildpackage failed: $(tail -n 30 "$T/build.log")"
DEBS=""
for p in $PKGS; do
	f=$(ls "$T"/"${p}"_*.deb 2> /dev/null | head -n 1)
	[ -n "$f" ] || abort "no $p package built"
	DEBS="$DEBS $f"
done
lintian --fail-on error "$T"/mfa_*.changes > "$T/lintian.log" 2>&1 ||
	fail "lintian: $(cat "$T/lintian.log")"
grep -q '^E:' "$T/lintian.log" && fail "lintian errors: $(grep '^E:' "$T/lintian.log")"
for p in $PKGS; do dpkg -c "$T/${p}"_*.deb; done > "$T/contents"
grep -q " ./usr/share/pam-configs/mfa$" "$T/contents" || fail "no pam-auth-update profile"
grep -q " ./etc/freeradius/3.0/sites-available/mfa-challenge$" "$T/contents" || fail "no sample site"

case_begin install_creates_group_config_key_store
sha256sum /etc/pam.d/common-* > "$T/pam-before"
# shellcheck disable=SC2086
if ! dpkg -i $DEBS > "$T/install.log" 2>&1; then
	apt-get -f install -y -qq >> "$T/install.log" 2>&1 || abort "install: $(tail -n 30 "$T/install.log")"
fi
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" | grep -q 'install ok installed' || abort "$p not installed: $(tail -n 30 "$T/install.log")"
done
[ -x /usr/bin/mfactl ] && [ -f "$SECURITY/pam_mfa.so" ] && [ -f /usr/lib/freeradius/rlm_mfa.so ] &&
	[ -x /usr/sbin/mfad ] && [ -x /usr/sbin/mfa-web ] || fail "installed files missing"
getent group mfa > /dev/null || fail "no group mfa"
# The audit file's rotation, for the package's group: logrotate reads it.
grep -q "^	su root mfa$" /etc/logrotate.d/mfa || fail "no logrotate rule for group mfa"
logrotate -d /etc/logrotate.d/mfa > "$T/logrotate.log" 2>&1 || fail "logrotate -d: $(tail -n 5 "$T/logrotate.log")"
grep -qx 'store = sqlite:/var/lib/mfa/mfa.db' /usr/share/doc/mfa/mfa.conf.example || fail "no config example"
grep -qx 'group = mfa' /etc/mfa/mfa.conf || fail "mfa.conf does not name the group mfa"
[ "$(stat -c '%a %U:%G' /etc/mfa/mfa.key)" = "640 root:mfa" ] || fail "key: $(stat -c '%a %U:%G' /etc/mfa/mfa.key)"
[ -f /var/lib/mfa/mfa.db ] || fail "no store"
id -nG freerad | tr ' ' '\n' | grep -qx mfa || fail "freerad is not in mfa"
id -nG mfa-web | tr ' ' '\n' | grep -qx mfa || fail "mfa-web is not in mfa"
# The pam-auth-update profile is off: no stack changed.
sha256sum /etc/pam.d/common-* | diff "$T/pam-before" - > /dev/null || fail "a PAM stack changed at install"
grep -qx 'Default: no' /usr/share/pam-configs/mfa || fail "profile not off by default"
grep -q pam_mfa /etc/pam.d/common-auth && fail "common-auth names pam_mfa"

case_begin pam_auth_update_profile_turns_on_and_off
# On copies of /etc/pam.d, /var/lib/pam and the installed profiles
# (pam-auth-update --root): the machine's stacks never change.
N=$T/ns
mkdir -p "$N/etc/pam.d" "$N/var/lib/pam" "$N/usr/share/pam-configs"
cp -a /etc/pam.d/. "$N/etc/pam.d/"
cp -a /var/lib/pam/. "$N/var/lib/pam/"
cp -a /usr/share/pam-configs/. "$N/usr/share/pam-configs/"
{ pam-auth-update --root "$N" --enable mfa && cp "$N/etc/pam.d/common-auth" "$N/on" &&
	pam-auth-update --root "$N" --disable mfa && cp "$N/etc/pam.d/common-auth" "$N/off"; } > "$T/ns.log" 2>&1 ||
	fail "pam-auth-update: $(cat "$T/ns.log")"
# On: after the password lines (pam_unix, then pam_deny ends a wrong one).
awk '/pam_unix.so/ { u = NR } /pam_deny.so/ { d = NR } /^auth[[:space:]]+required[[:space:]]+pam_mfa.so after_password$/ { m = NR }
	END { exit !(u && d && m > d && d > u) }' "$N/on" || fail "common-auth with the profile on: $(cat "$N/on")"
cmp -s "$N/off" /etc/pam.d/common-auth || fail "profile off again: $(diff /etc/pam.d/common-auth "$N/off")"
grep -q pam_mfa /etc/pam.d/common-auth && fail "the machine's common-auth changed"

case_begin postinst_init_is_idempotent
/usr/bin/mfactl enroll debtest --secret "$SECRET" --no-confirm --no-qr > "$T/enroll.log" 2>&1 ||
	fail "enroll: $(cat "$T/enroll.log")"
sums() { sha256sum /etc/mfa/mfa.key /etc/mfa/mfa.conf; stat -c '%a %U:%G %n' /etc/mfa/mfa.key /var/lib/mfa /var/lib/mfa/mfa.db; }
sums > "$T/sums1"
dpkg -i "$T"/mfa_*.deb > "$T/reinstall.log" 2>&1 || fail "reinstall: $(cat "$T/reinstall.log")"
sums | diff "$T/sums1" - > "$T/diff" || fail "second postinst changed: $(cat "$T/diff")"
/usr/bin/mfactl list debtest > "$T/list.log" 2>&1 || fail "debtest gone after reinstall: $(cat "$T/list.log")"
# freerad, a member of mfa, reads the key and the store as FreeRADIUS will.
runuser -u freerad -- /usr/bin/mfactl list debtest > "$T/list.log" 2>&1 ||
	fail "freerad cannot use the store: $(cat "$T/list.log")"

code() { oathtool --totp -b "$SECRET" -N "@$(($(date +%s) + $1))"; }

case_begin login_through_installed_pam_mfa_and_mfad
/usr/sbin/mfad --config /etc/mfa/mfa.conf --socket "$T/mfad.sock" 2> "$T/mfad.log" &
MFAD_PID=$!
for _ in $(seq 100); do grep -q 'answering at' "$T/mfad.log" && break; sleep 0.05; done
grep -q 'answering at' "$T/mfad.log" || fail "installed mfad did not start: $(cat "$T/mfad.log")"
mkdir -p "$T/pam.d"
echo "auth required pam_deny.so" > "$T/pam.d/other"
echo "auth required $SECURITY/pam_mfa.so socket=$T/mfad.sock max_tries=1" > "$T/pam.d/mfa-deb"
pam_login() {
	LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam.d" \
		pamtester mfa-deb debtest authenticate
}
c=$(code 0)
echo "$c" | pam_login > "$T/pam.log" 2>&1 || fail "login with a good code refused: $(cat "$T/pam.log")"
echo "$c" | pam_login > "$T/pam.log" 2>&1 && fail "the same code accepted twice"
echo 000000 | pam_login > "$T/pam.log" 2>&1 && fail "a wrong code accepted"
kill "$MFAD_PID" 2> /dev/null
wait "$MFAD_PID" 2> /dev/null
MFAD_PID=""

case_begin login_through_installed_rlm_mfa
export MFA_CONFIG=/etc/mfa/mfa.conf
. "$ROOT/tests/radius/raddb.sh"
raddb_make $((30000 + RANDOM % 20000))
# The installed module only: no build/ directory in the module path.
sed -i 's|^libdir = .*|libdir = /usr/lib/freeradius|' "$RADDB/radiusd.conf"
grep -q "^libdir = /usr/lib/freeradius$" "$RADDB/radiusd.conf" || fail "libdir not set"
raddb_start || fail "radiusd with the installed rlm_mfa.so did not start"
c=$(code 30)
radius "$P_OTP" "User-Name = debtest, User-Password = $c"
grep -q "Received Access-Accept" <<< "$OUT" || fail "not accepted: $OUT"
radius "$P_OTP" "User-Name = debtest, User-Password = $c"
grep -q "Received Access-Reject" <<< "$OUT" || fail "replay not rejected: $OUT"
raddb_stop
# Debian's own configuration with the shipped module file and sample
# site turned on as docs/rlm_mfa.md says: radiusd -C accepts it.
R2=$T/raddb-debian
cp -a /etc/freeradius/3.0 "$R2"
sed -i "s|^\([[:space:]]*raddbdir\) = .*|\1 = $R2|" "$R2/radiusd.conf"
rm -f "$R2"/sites-enabled/* "$R2/mods-enabled/eap"
ln -s ../mods-available/mfa "$R2/mods-enabled/mfa"
ln -s ../sites-available/mfa-otp "$R2/sites-enabled/mfa-otp"
# radiusd -C runs as freerad, as the service does: it reads this copy, and
# rlm_mfa the key and the store as a member of mfa.
chmod 711 "$T"
chgrp -R freerad "$R2"
chmod -R g+rX "$R2"
freeradius -XC -d "$R2" -n radiusd > "$T/check.log" 2>&1 ||
	fail "radiusd -C with the shipped mods-available/mfa and mfa-otp: $(tail -n 15 "$T/check.log")"

case_begin remove_keeps_key_and_store
key_sum=$(sha256sum < /etc/mfa/mfa.key)
# shellcheck disable=SC2086
dpkg -r $PKGS > "$T/remove.log" 2>&1 || fail "remove: $(cat "$T/remove.log")"
[ -e "$SECURITY/pam_mfa.so" ] && fail "pam_mfa.so left after remove"
[ -e /usr/lib/freeradius/rlm_mfa.so ] && fail "rlm_mfa.so left after remove"
[ "$(sha256sum < /etc/mfa/mfa.key)" = "$key_sum" ] || fail "key changed or gone after remove"
[ -f /var/lib/mfa/mfa.db ] || fail "store gone after remove"
id -nG freerad | tr ' ' '\n' | grep -qx mfa && fail "freerad still in mfa without the module"

case_begin purge_keeps_key_and_store_unless_asked
dpkg -P freeradius-mfa mfa-web libpam-mfa mfa > "$T/purge.log" 2>&1 || fail "purge: $(cat "$T/purge.log")"
[ "$(sha256sum < /etc/mfa/mfa.key)" = "$key_sum" ] || fail "key changed or gone after purge"
[ -f /var/lib/mfa/mfa.db ] || fail "store gone after purge"
grep -q "mfa: kept /etc/mfa" "$T/purge.log" || fail "purge did not say what it kept: $(cat "$T/purge.log")"
getent passwd mfa-web > /dev/null && fail "user mfa-web left after purge"
# Asked for: installed again (the store is the old one), then purged.
dpkg -i "$T"/mfa_*.deb > "$T/install2.log" 2>&1 || fail "install again: $(cat "$T/install2.log")"
/usr/bin/mfactl list debtest > /dev/null 2>&1 || fail "the kept store lost debtest"
touch /etc/mfa/purge-store
dpkg -P mfa > "$T/purge.log" 2>&1 || fail "purge: $(cat "$T/purge.log")"
for d in $STATE_DIRS; do [ -e "$d" ] && fail "$d left after purge with purge-store"; done
getent group mfa > /dev/null && fail "group mfa left after purge with purge-store"

case_begin nothing_left_behind
snapshot > "$T/after"
diff "$T/before" "$T/after" > "$T/diff" || fail "the machine changed: $(head -n 40 "$T/diff")"
