#!/bin/bash
# tests/pg/test_pg_harness.sh - the PostgreSQL test cluster (tests/pg/lib.sh)
# is what the store tests rely on: the passfile is really used, TLS is
# really verified, mfa_app really has no DDL right, the server can be
# stopped and started again, and nothing is left running afterwards.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib.sh"
pg_trap_exit

PSQL=$MFA_PG_BIN/psql
export PGCONNECT_TIMEOUT=5
# q URI SQL: one value from psql as the URI's user (never prompts).
q() { run "$PSQL" -X -q -w -tA "$1" -c "$2"; }
# alive PID: a process that has not exited (a zombie has).
alive() {
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s:0:1}" != Z ]
}

case_begin start
t0=$(date +%s%N)
if ! pg_start; then
	fail "pg_start failed"
	exit 1
fi
echo "# pg_start took $((($(date +%s%N) - t0) / 1000000)) ms (port $MFA_PG_PORT)"
for v in MFA_PG_DIR MFA_PG_PORT MFA_PG_SOCKDIR MFA_PG_PASSFILE MFA_PG_CA MFA_PG_OTHER_CA \
	MFA_PG_URI_TCP MFA_PG_URI_TLS MFA_PG_URI_SOCK \
	MFA_PG_APP_URI_TCP MFA_PG_APP_URI_TLS MFA_PG_APP_URI_SOCK; do
	[ -n "${!v:-}" ] || fail "$v is not set"
done
[ "$(stat -c %a:%U "$MFA_PG_PASSFILE")" = "600:root" ] ||
	fail "passfile is $(stat -c %a:%U "$MFA_PG_PASSFILE"), not 600:root"

case_begin passfile_used
for uri in "$MFA_PG_URI_TCP" "$MFA_PG_URI_TLS" "$MFA_PG_URI_SOCK"; do
	q "$uri" 'SELECT current_user'
	expect_rc 0
	[ "$OUT" = mfa_owner ] || fail "$uri: user '$OUT'"
done
for uri in "$MFA_PG_APP_URI_TCP" "$MFA_PG_APP_URI_TLS" "$MFA_PG_APP_URI_SOCK"; do
	q "$uri" 'SELECT current_user'
	expect_rc 0
	[ "$OUT" = mfa_app ] || fail "$uri: user '$OUT'"
done
# The passwords are in the passfile only, not in the environment.
while IFS=: read -r _ _ _ _ pw; do
	env | grep -qF -- "$pw" && fail "a password is in the environment"
done < "$MFA_PG_PASSFILE"

case_begin no_passfile_refused
# The same URIs without passfile=: SCRAM is required on TCP and the socket.
export PGPASSFILE=/nonexistent
q "postgresql://mfa_owner@127.0.0.1:$MFA_PG_PORT/mfa?sslmode=disable" 'SELECT 1'
[ "$RC" -ne 0 ] || fail "TCP without the passfile was accepted"
expect_err "password"
q "postgresql:///mfa?host=$MFA_PG_SOCKDIR&port=$MFA_PG_PORT&user=mfa_app" 'SELECT 1'
[ "$RC" -ne 0 ] || fail "the socket without the passfile was accepted"
expect_err "password"
unset PGPASSFILE

case_begin tls_verify_full
q "$MFA_PG_URI_TLS" 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'
expect_rc 0
[ "$OUT" = t ] || fail "the TLS URI's session is not encrypted: '$OUT'"
# The certificate names 127.0.0.1 too.
q "postgresql://mfa_owner@127.0.0.1:$MFA_PG_PORT/mfa?passfile=$MFA_PG_PASSFILE&sslmode=verify-full&sslrootcert=$MFA_PG_CA" 'SELECT 1'
expect_rc 0
q "${MFA_PG_URI_TLS/$MFA_PG_CA/$MFA_PG_OTHER_CA}" 'SELECT 1'
[ "$RC" -ne 0 ] || fail "verify-full accepted a server the CA did not sign"
expect_err "certificate verify failed"

case_begin app_has_no_ddl
q "$MFA_PG_APP_URI_TCP" 'CREATE TABLE t (x int)'
[ "$RC" -ne 0 ] || fail "mfa_app created a table"
expect_err "permission denied"
q "$MFA_PG_URI_TCP" 'CREATE TABLE t (x int)'
expect_rc 0
q "$MFA_PG_APP_URI_TCP" 'SELECT count(*) FROM t'
[ "$RC" -ne 0 ] || fail "mfa_app read a table before pg_grant_app"
pg_grant_app || fail "pg_grant_app failed"
q "$MFA_PG_URI_TCP" 'CREATE TABLE later (id serial, x int)'
expect_rc 0
q "$MFA_PG_APP_URI_TCP" 'INSERT INTO t VALUES (1); UPDATE t SET x = 2; INSERT INTO later (x) VALUES (1); DELETE FROM later; SELECT count(*) FROM t'
expect_rc 0
[ "$OUT" = 1 ] || fail "mfa_app counted '$OUT' rows"
q "$MFA_PG_APP_URI_TCP" 'DROP TABLE t'
[ "$RC" -ne 0 ] || fail "mfa_app dropped a table"
q "$MFA_PG_APP_URI_TCP" 'ALTER TABLE t ADD COLUMN y int'
[ "$RC" -ne 0 ] || fail "mfa_app altered a table"
run pg_psql -tAc 'SELECT count(*) FROM t'
[ "$OUT" = 1 ] || fail "pg_psql counted '$OUT' rows"

case_begin reset
t0=$(date +%s%N)
pg_reset || fail "pg_reset failed"
echo "# pg_reset took $((($(date +%s%N) - t0) / 1000000)) ms"
run pg_psql -tAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
[ "$OUT" = 0 ] || fail "$OUT tables left after pg_reset"
run pg_psql -tAc "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'public'"
[ "$OUT" = mfa_owner ] || fail "schema public is owned by '$OUT'"
# As after pg_start: a new table is not mfa_app's until pg_grant_app.
q "$MFA_PG_URI_TCP" 'CREATE TABLE t (x int)'
q "$MFA_PG_APP_URI_TCP" 'SELECT count(*) FROM t'
[ "$RC" -ne 0 ] || fail "mfa_app kept its grants through pg_reset"
pg_reset

case_begin server_down_and_up
pg_stop_server || fail "pg_stop_server failed"
q "$MFA_PG_URI_TCP" 'SELECT 1'
[ "$RC" -ne 0 ] || fail "a stopped server answered"
q "$MFA_PG_URI_SOCK" 'SELECT 1'
[ "$RC" -ne 0 ] || fail "a stopped server answered on the socket"
t0=$(date +%s%N)
pg_start_server || fail "pg_start_server failed"
echo "# pg_start_server took $((($(date +%s%N) - t0) / 1000000)) ms"
q "$MFA_PG_URI_TCP" 'SELECT 1'
expect_rc 0
q "$MFA_PG_URI_TLS" 'SELECT 1'
expect_rc 0

case_begin stop_leaves_nothing
pm=$(head -n 1 "$MFA_PG_DIR/data/postmaster.pid")
mapfile -t pids < <(echo "$pm"; pgrep -P "$pm")
[ "${#pids[@]}" -ge 3 ] || fail "found only ${pids[*]} as the server's processes"
dir=$MFA_PG_DIR
pg_stop
for p in "${pids[@]}"; do
	alive "$p" && fail "process $p ($(ps -o cmd= -p "$p")) still runs"
done
[ ! -e "$dir" ] || fail "$dir is still there"
pg_stop || fail "a second pg_stop failed"

case_begin killed_script_leaves_nothing
# A script killed with -9 runs no trap: the watchdog cleans up.
info=$(mktemp)
# Started outside this script's jobs (as a double fork), so that its death
# is not reported here.
(bash -c '. "$1"; pg_start > /dev/null 2>&1 || exit 1
	echo "$$ $MFA_PG_DIR $(head -n 1 "$MFA_PG_DIR/data/postmaster.pid")" > "$2"
	exec sleep 60' child "$(dirname "$0")/lib.sh" "$info" < /dev/null > /dev/null 2>&1 &)
for ((i = 0; i < 150; i++)); do
	[ -s "$info" ] && break
	sleep 0.1
done
read -r child dir pm < "$info"
rm -f "$info"
if [ -z "${pm:-}" ]; then
	fail "the child script did not start its cluster"
else
	kill -KILL "$child"
	for ((i = 0; i < 100; i++)); do
		[ ! -e "$dir" ] && ! alive "$pm" && break
		sleep 0.1
	done
	alive "$pm" && fail "the killed script's postmaster $pm still runs"
	[ ! -e "$dir" ] || fail "the killed script's $dir is still there"
fi
