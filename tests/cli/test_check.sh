#!/bin/bash
# test_check.sh - mfactl check [--as USER]: each part a front end needs
# (config, key file, store opened and written, audit file) tried as the
# service's user, every problem named with its fix, exit 0 or 1, nothing
# created or changed.
# backends: sqlite pg
. "$(dirname "$0")/lib.sh"
chmod 755 "$T"
mkdir -p "$T/etc" "$T/log"
store=$(sed -n 's/^store = //p' "$MFA_CONFIG")
on_sqlite && store=sqlite:$T/lib/mfa.db
cat > "$T/etc/mfa.conf" <<CONF
store = $store
key_file = $T/etc/mfa/mfa.key
audit_syslog = no
audit_file = $T/log/mfa/audit.json
CONF
chmod 644 "$T/etc/mfa.conf"
export MFA_CONFIG=$T/etc/mfa.conf
# What a check must not touch: every path under $T, with modes.
tree() { find "$T" -path "$T/.out" -prune -o -path "$T/.err" -prune -o -printf '%p %m\n' | sort; }

case_begin before_init_names_what_is_missing_and_makes_nothing
before=$(tree)
run "$MFACTL" check
expect_rc 1
expect_out "ok    config    $T/etc/mfa.conf"
expect_out "FAIL  key file  cannot open $T/etc/mfa/mfa.key: No such file or directory (run 'mfactl init' to create it)"
on_sqlite && expect_out "FAIL  store"
expect_out "problem"
[ "$(tree)" = "$before" ] || fail "check changed files: $(diff <(echo "$before") <(tree))"

case_begin after_init_everything_works_as_root
"$MFACTL" init > /dev/null || fail "init"
run "$MFACTL" check
expect_rc 0
expect_out "ok    key file  $T/etc/mfa/mfa.key: read, mode 0600"
expect_out "ok    store     $store: opened, schema current, writable"
expect_out "ok    audit     $T/log/mfa/audit.json: writable"
expect_out "everything a front end needs works."

if on_sqlite; then
	case_begin as_a_service_user_without_the_group_each_problem_has_its_fix
	before=$(tree)
	run "$MFACTL" check --as nobody
	expect_rc 1
	expect_out "FAIL  key file  cannot open $T/etc/mfa/mfa.key: Permission denied"
	expect_out "put 'group = nogroup' in mfa.conf and run 'mfactl init' as root"
	expect_out "FAIL  store"
	expect_out "FAIL  audit     audit_file $T/log/mfa/audit.json: Permission denied: events would be lost"
	expect_out "3 problems as nobody: fix them, then run this again."
	[ "$(tree)" = "$before" ] || fail "check changed files: $(diff <(echo "$before") <(tree))"

	case_begin as_a_service_user_with_the_group_all_is_well
	echo "group = nogroup" >> "$MFA_CONFIG"
	"$MFACTL" init > /dev/null || fail "init with the group"
	run "$MFACTL" check --as nobody
	expect_rc 0
	expect_out "ok    key file  $T/etc/mfa/mfa.key: read, mode 0640"
	expect_out "everything a front end needs works as nobody."

	case_begin a_store_the_service_can_read_but_not_write_fails
	# Opening reads; a login writes: only the write shows this.
	chmod g-w "$T/lib/mfa.db"
	run "$MFACTL" check --as nobody
	expect_rc 1
	expect_out "FAIL  store"
	chmod g+w "$T/lib/mfa.db"
	run "$MFACTL" check --as nobody
	expect_rc 0
fi

case_begin a_broken_config_is_named
cp "$MFA_CONFIG" "$T/good.conf"
echo "lockout_threshold = many" >> "$MFA_CONFIG"
run "$MFACTL" check
expect_rc 1
expect_out "FAIL  config"
expect_out "lockout_threshold"
cp "$T/good.conf" "$MFA_CONFIG"

case_begin bad_use_is_refused
run "$MFACTL" check --as no-such-user-here
expect_rc 2
expect_err "no such user"
run setpriv --reuid=nobody --regid=nogroup --clear-groups "$MFACTL" check --as root
expect_rc 2
expect_err "needs root"
run "$MFACTL" check extra
expect_rc 2
case_end
