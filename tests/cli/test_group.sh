#!/bin/bash
# test_group.sh - `group =`: a service running as another user (FreeRADIUS
# runs as freerad) reads the key and writes the store through its group,
# while root's tools keep working and everyone else stays out.
# backends: sqlite pg (on PostgreSQL the group is for the key and audit files)
. "$(dirname "$0")/lib.sh"
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv > /dev/null || ! getent group nogroup > /dev/null; then
	echo "skip cli/group_shares_key_and_store: needs root, setpriv and the nogroup group"
	exit 0
fi
chmod 755 "$T"
mkdir "$T/etc" "$T/lib" "$T/log"
store=sqlite:$T/lib/mfa/mfa.db
if on_pg; then
	# The service's own passfile: libpq reads only one no one else may.
	install -m 600 -o nobody "$MFA_PG_PASSFILE" "$T/etc/pgpass"
	store=${STORE_URI/passfile=$MFA_PG_PASSFILE/passfile=$T/etc/pgpass}
fi
cat > "$T/etc/mfa.conf" <<CONF
store = $store
key_file = $T/etc/mfa/mfa.key
audit_syslog = no
audit_file = $T/log/mfa/audit.json
group = nogroup
CONF
export MFA_CONFIG=$T/etc/mfa.conf
as_service() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

case_begin group_init_sets_permissions
run "$MFACTL" init
expect_rc 0
[ "$(stat -c '%a %G' "$T/etc/mfa/mfa.key")" = "640 nogroup" ] || fail "key: $(stat -c '%a %U:%G' "$T/etc/mfa/mfa.key")"
[ "$(stat -c '%a %G' "$T/etc/mfa")" = "750 nogroup" ] || fail "key dir: $(stat -c '%a %G' "$T/etc/mfa")"
if on_sqlite; then
	[ "$(stat -c '%a %G' "$T/lib/mfa")" = "2770 nogroup" ] || fail "store dir: $(stat -c '%a %G' "$T/lib/mfa")"
	[ "$(stat -c '%a %G' "$T/lib/mfa/mfa.db")" = "660 nogroup" ] || fail "store: $(stat -c '%a %G' "$T/lib/mfa/mfa.db")"
fi
[ "$(stat -c '%U' "$T/etc/mfa/mfa.key")" = root ] || fail "key not owned by root"
[ "$(stat -c '%a %G' "$T/log/mfa")" = "2770 nogroup" ] || fail "audit dir: $(stat -c '%a %G' "$T/log/mfa")"
[ "$(stat -c '%a %U:%G' "$T/log/mfa/audit.json")" = "660 root:nogroup" ] ||
	fail "audit file: $(stat -c '%a %U:%G' "$T/log/mfa/audit.json")"

case_begin group_member_verifies_root_still_manages
"$MFACTL" enroll svc --type hotp --secret "$SECRET" --no-confirm --no-qr > /dev/null
run as_service "$MFACTL" verify svc "$(oathtool --hotp -b -c 0 "$SECRET")"
expect_rc 0
expect_out "accepted"
run as_service "$MFACTL" verify svc "$(oathtool --hotp -b -c 0 "$SECRET")"
expect_rc 1
run "$MFACTL" verify svc "$(oathtool --hotp -b -c 1 "$SECRET")"
expect_rc 0
on_pg || for f in "$T"/lib/mfa/mfa.db*; do
	[ "$(stat -c '%G' "$f")" = nogroup ] || fail "$f is not the group's"
done
[ "$(grep -c '"event":"verify","user":"svc","source":"cli","outcome":"accepted"' "$T/log/mfa/audit.json")" = 2 ] ||
	fail "the service's event is missing: $(cat "$T/log/mfa/audit.json")"

case_begin group_audit_file_unwritable_is_an_error
chmod 600 "$T/log/mfa/audit.json"
run as_service "$MFACTL" verify svc "$(oathtool --hotp -b -c 2 "$SECRET")"
expect_rc 0
expect_err "audit_file $T/log/mfa/audit.json"
expect_err "mfactl init"
grep -q "Permission denied" <<< "$ERR" || fail "no reason: $ERR"
# audit_required = yes: the right code is refused, and stays unused.
sed 's/^audit_syslog = no$/audit_syslog = no\naudit_required = yes/' "$T/etc/mfa.conf" > "$T/etc/required.conf"
chmod 644 "$T/etc/required.conf"
run as_service "$MFACTL" --config "$T/etc/required.conf" verify svc "$(oathtool --hotp -b -c 3 "$SECRET")"
expect_rc 2
expect_err "audit_required"
chmod 660 "$T/log/mfa/audit.json"
run as_service "$MFACTL" --config "$T/etc/required.conf" verify svc "$(oathtool --hotp -b -c 3 "$SECRET")"
expect_rc 0
[ -z "$ERR" ] || fail "an error with a writable audit file: $ERR"

case_begin others_stay_out
run setpriv --reuid=nobody --regid=daemon --clear-groups "$MFACTL" verify svc 123456
expect_rc 2
grep -qE "Permission denied|cannot" <<< "$ERR" || fail "no clear error: $ERR"
expect_err "(run as root or a member of nogroup, the services' group; support staff without root: the portal's staff view, not that group)"
# A config anyone may read, with the key out of reach: the key's refusal
# says who may read it, never "run 'mfactl init' to create it".
install -m 644 "$MFA_CONFIG" "$T/open.conf"
run setpriv --reuid=nobody --regid=daemon --clear-groups "$MFACTL" --config "$T/open.conf" list
expect_rc 2
expect_err "Permission denied"
expect_err "(run as root or a member of nogroup, the services' group; support staff without root: the portal's staff view, not that group)"
grep -q "mfactl init" <<< "$ERR" && fail "an unreadable key is not a missing one: $ERR"

case_begin key_writable_by_group_refused
chmod 660 "$T/etc/mfa/mfa.key"
run "$MFACTL" verify svc 123456
expect_rc 2
expect_err "chmod 600"
chmod 640 "$T/etc/mfa/mfa.key"

case_begin init_again_restores_group_permissions
chmod 700 "$T/log/mfa"
on_pg || chmod 700 "$T/lib/mfa"
chmod 600 "$T/etc/mfa/mfa.key" "$T/log/mfa/audit.json"
run "$MFACTL" init
expect_rc 0
on_pg || [ "$(stat -c '%a' "$T/lib/mfa")" = 2770 ] || fail "store dir not restored"
[ "$(stat -c '%a' "$T/etc/mfa/mfa.key")" = 640 ] || fail "key not restored"
[ "$(stat -c '%a' "$T/log/mfa")" = 2770 ] || fail "audit dir not restored"
[ "$(stat -c '%a' "$T/log/mfa/audit.json")" = 660 ] || fail "audit file not restored"

# The SQLite file's group (PostgreSQL's rights are its roles').
if on_sqlite; then
case_begin store_of_another_group_refused_until_init
# Writable by a group, but not the configured one: refused, for root too;
# mfactl init gives it back to the group.
chgrp daemon "$T/lib/mfa/mfa.db"
run as_service "$MFACTL" verify svc "$(oathtool --hotp -b -c 4 "$SECRET")"
expect_rc 2
expect_err "not by the configured group: run chown root:nogroup $T/lib/mfa/mfa.db; chmod 660"
run "$MFACTL" verify svc "$(oathtool --hotp -b -c 4 "$SECRET")"
expect_rc 2
run "$MFACTL" init
expect_rc 0
[ "$(stat -c '%G' "$T/lib/mfa/mfa.db")" = nogroup ] || fail "store not given back to the group"
run as_service "$MFACTL" verify svc "$(oathtool --hotp -b -c 4 "$SECRET")"
expect_rc 0
fi
