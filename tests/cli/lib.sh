# lib.sh - helpers for the CLI tests: a private installation per test file,
# and one "ok"/"not ok" line per case for tests/run to count.
set -u
MFACTL=${MFACTL:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/asan/mfactl}
T=$(mktemp -d /tmp/mfa-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
export MFA_CONFIG=$T/mfa.conf
# MFA_TEST_BACKEND=pg: the same cases on a private PostgreSQL (tests/pg/lib.sh)
# instead of the SQLite file $T/mfa.db, named SUITE-pg/... (tests/run runs the
# suites marked "# backends: sqlite pg" both ways).
MFA_TEST_BACKEND=${MFA_TEST_BACKEND:-sqlite}
case $MFA_TEST_BACKEND in
sqlite) STORE_URI=sqlite:$T/mfa.db ;;
pg) STORE_URI="" ;;  # set once the cluster runs, below
*) echo "not ok $(basename "$0"): MFA_TEST_BACKEND=$MFA_TEST_BACKEND is not sqlite or pg"; exit 1 ;;
esac
on_sqlite() { [ "$MFA_TEST_BACKEND" = sqlite ]; }
on_pg() { [ "$MFA_TEST_BACKEND" = pg ]; }
cat > "$MFA_CONFIG" <<CONF
store = $STORE_URI
key_file = $T/mfa.key
audit_syslog = no
audit_file = $T/audit.json
CONF

# case NAME: starts a case; later failures in it are recorded.
SUITE=${SUITE:-$(basename "$(dirname "$0")")}
on_pg && SUITE=$SUITE-pg
CASE="" CASE_FAILED=0 ANY_FAILED=0
case_begin() { case_end; CASE=$1; CASE_FAILED=0; }
case_end() {
	[ -n "$CASE" ] || return 0
	if [ "$CASE_FAILED" -eq 0 ]; then echo "ok $SUITE/$CASE"; else echo "not ok $SUITE/$CASE"; ANY_FAILED=1; fi
	CASE=""
}
# The exit status says whether any case failed, whatever ran last.
trap 'case_end; rm -rf "$T"; exit "$ANY_FAILED"' EXIT
fail() { echo "  FAILED in $CASE: $*" >&2; CASE_FAILED=1; }

if on_pg; then
	. "$(dirname "${BASH_SOURCE[0]}")/../pg/lib.sh"
	pg_trap_exit
	pg_start || { echo "not ok $SUITE/postgresql_starts"; ANY_FAILED=1; exit 1; }
	STORE_URI=$MFA_PG_URI_SOCK
	# The store stays on line 1, where the SQLite config has it.
	{ echo "store = $STORE_URI"; grep -v '^store = ' "$MFA_CONFIG"; } > "$T/.conf" &&
		mv "$T/.conf" "$MFA_CONFIG"
fi
# store_sql SQLITE_SQL PG_SQL: the rows the statements give on this suite's
# store, one a line, columns separated by '|' (the two schemas differ: SQLite's
# users, factors(user, ...), recovery(user, ...) are PostgreSQL's mfa_users,
# mfa_factors(username, ...), mfa_recovery(username, ...)).
store_sql() {
	if on_sqlite; then
		sqlite3 "$T/mfa.db" "$1"
	else
		pg_psql -qtA <<< "$2"
	fi
}
# store_dump: every table's definition and rows, the same text for the same
# contents (PostgreSQL: rows sorted, as their physical order may change).
store_dump() {
	if on_sqlite; then
		sqlite3 "$T/mfa.db" .dump
		return
	fi
	# One psql (each costs a connection): \gexec runs the queries made
	# for each table, in order.
	pg_psql -qtA <<-'EOF'
	SELECT table_name, column_name, data_type, column_default FROM information_schema.columns
		WHERE table_schema = 'public' ORDER BY table_name, ordinal_position;
	SELECT format('SELECT %L', tablename), format('SELECT * FROM %I AS r ORDER BY r', tablename)
		FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename \gexec
	EOF
}

# run CMD...: runs it, keeping stdout in $OUT, stderr in $ERR, status in $RC.
run() {
	"$@" > "$T/.out" 2> "$T/.err" < /dev/null
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
}
expect_rc() { [ "$RC" -eq "$1" ] || fail "exit status $RC, expected $1 (stderr: $ERR)"; }
expect_out() { grep -qF -- "$1" <<< "$OUT" || fail "stdout lacks '$1': $OUT"; }
expect_err() { grep -qF -- "$1" <<< "$ERR" || fail "stderr lacks '$1': $ERR"; }
json_get() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }

# WebAuthn: the software authenticator, and a relying party on localhost.
SOFTAUTHN=${SOFTAUTHN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/softauthn}
WA_ORIGIN=http://localhost:8080
webauthn_config() {
	printf 'webauthn_rp_id = localhost\nwebauthn_origins = %s\n' "$WA_ORIGIN" >> "$MFA_CONFIG"
}
# webauthn_register USER [softauthn create options]: a key in $T/USER.key.
webauthn_register() {
	local user=$1
	shift
	"$MFACTL" webauthn register-begin "$user" > "$T/$user.reg-opts" &&
		"$SOFTAUTHN" create "$T/$user.key" --origin "$WA_ORIGIN" "$@" < "$T/$user.reg-opts" \
			> "$T/$user.reg-resp" &&
		"$MFACTL" webauthn register-finish "$user" < "$T/$user.reg-resp" > /dev/null
}
