#!/bin/bash
# test_pg_servers.sh - two FreeRADIUS servers (A and B) with rlm_mfa on one
# PostgreSQL store, as a VPN's pair of RADIUS servers: replay, lockout and
# challenges are shared; races between them give one winner; a server
# killed mid-load or a database stopped or hung lets nothing in twice and
# nothing in at all, and logins come back by themselves.
. "$(dirname "$0")/../cli/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/radius/raddb.sh"
. "$ROOT/tests/pg/lib.sh"
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
STORE_TIMEOUT=2

code() { oathtool --totp -b "${1:-$SECRET}"; }
accepted() { grep -q "Received Access-Accept" <<< "$OUT" || fail "not accepted: $OUT"; }
rejected() { grep -q "Received Access-Reject" <<< "$OUT" || fail "not rejected: $OUT"; }
says() { grep -qF "Reply-Message = \"$1" <<< "$OUT" || fail "no Reply-Message '$1': $OUT"; }
audited() { grep -q "$1" "$T/audit.json" || fail "no audit line matching $1"; }

A_PID="" B_PID=""
stop_all() {
	RADIUSD_PID=$A_PID raddb_stop
	RADIUSD_PID=$B_PID raddb_stop
	pg_stop
}
trap 'stop_all; case_end; rm -rf "$T"; exit "$ANY_FAILED"' EXIT

case_begin postgresql_starts
pg_start || { fail "PostgreSQL did not start"; exit 1; }

# The admin host's config: the database owner, who may create tables.
# The servers' (MFA_CONFIG): a role with no DDL rights, over the socket.
# config_for URI: a config on that store, with the shared key and audit file.
config_for() {
	printf 'store = %s\nkey_file = %s\naudit_syslog = no\naudit_file = %s\nstore_timeout = %s\n' \
		"$1" "$T/mfa.key" "$T/audit.json" "$STORE_TIMEOUT"
}
config_for "$MFA_PG_URI_SOCK" > "$T/admin.conf"
config_for "$MFA_PG_APP_URI_SOCK" > "$MFA_CONFIG"
case_begin init_by_owner_servers_without_ddl
run "$MFACTL" --config "$MFA_CONFIG" init
expect_rc 2
expect_err "mfactl init"
run "$MFACTL" --config "$T/admin.conf" init
expect_rc 0
expect_out "store:    created"
pg_grant_app
run "$MFACTL" --config "$T/admin.conf" init
expect_rc 0
expect_out "store:    kept"

enroll() { "$MFACTL" enroll "$1" --secret "${2:-$SECRET}" --no-confirm --no-qr > /dev/null; }

# list_all CONFIG: every factor (mfactl list), then each of their users'
# records (mfactl export).
list_all() {
	local u
	"$MFACTL" --config "$1" list --json
	for u in $("$MFACTL" --config "$1" list --json |
		python3 -c 'import json, sys; print("\n".join(sorted({f["user"] for f in json.load(sys.stdin)})))'); do
		"$MFACTL" --config "$1" export "$u"
	done
}
case_begin moving_from_sqlite_store_copy
# Users start on a SQLite store (the same key file) and move: factors,
# replay state, recovery codes, a lockout, a security key and a pending
# WebAuthn ceremony.
sed "s|^store = .*|store = sqlite:$T/old.db|" "$MFA_CONFIG" > "$T/old.conf"
webauthn_config
printf 'webauthn_rp_id = localhost\nwebauthn_origins = %s\n' "$WA_ORIGIN" >> "$T/old.conf"
old() { "$MFACTL" --config "$T/old.conf" "$@"; }
old init > /dev/null || fail "init of the SQLite store failed"
for u in m_used m_codes m_locked; do old enroll "$u" --secret "$SECRET" --no-confirm --no-qr > /dev/null; done
c=$(code)
old verify m_used "$c" > /dev/null || fail "m_used's code refused on SQLite"
rc1=$(old recovery m_codes --json | json_get "['codes'][0]")
old verify m_codes "$rc1" > /dev/null || fail "m_codes's recovery code refused on SQLite"
for i in 1 2 3 4 5; do old verify m_locked 00000$i > /dev/null; done
MFA_CONFIG=$T/old.conf webauthn_register m_key || fail "security key registration on SQLite failed"
old webauthn login-begin m_key > "$T/pending-login"      # a ceremony left pending
run "$MFACTL" --config "$T/old.conf" store copy --to "$MFA_PG_APP_URI_SOCK"
expect_rc 0
expect_out "copied 4 users, 4 factors, 10 recovery codes, 1 challenge"
# Safe to run again (before the new store is used): the same store.
run "$MFACTL" --config "$T/old.conf" store copy --to "$MFA_PG_APP_URI_SOCK"
expect_rc 0
expect_out "copied 4 users, 4 factors, 10 recovery codes, 1 challenge"
list_all "$T/old.conf" > "$T/old.export"
list_all "$MFA_CONFIG" > "$T/pg.export"
grep -q m_key "$T/pg.export" && cmp -s "$T/old.export" "$T/pg.export" ||
	fail "the stores differ: $(diff "$T/old.export" "$T/pg.export" | head -n 10)"
# Replay state, used recovery codes and the lockout came along.
run "$MFACTL" verify m_used "$c"
expect_out "already used"
run "$MFACTL" verify m_codes "$rc1"
expect_rc 1
run "$MFACTL" verify m_locked "$c"
expect_out "Too many failed attempts"
# The security key answers the ceremony begun on SQLite, at the new store.
"$SOFTAUTHN" get "$T/m_key.key" --origin "$WA_ORIGIN" < "$T/pending-login" > "$T/m_key.assert" ||
	fail "softauthn get failed"
run sh -c '"$1" webauthn login-finish m_key < "$2"' sh "$MFACTL" "$T/m_key.assert"
expect_rc 0

for u in alice bob carol dave; do enroll "$u"; done

case_begin two_servers_start
base_a=$((30000 + RANDOM % 10000))
base_b=$((base_a + 10))
RADDB=$T/raddbA RADLOG=$T/radlogA RADRUN=$T/radrunA
raddb_make "$base_a"
A_OTP=$P_OTP A_CHALLENGE=$P_CHALLENGE
raddb_start || fail "radiusd A did not start"
A_PID=$RADIUSD_PID
RADDB=$T/raddbB RADLOG=$T/radlogB RADRUN=$T/radrunB
raddb_make "$base_b"
B_OTP=$P_OTP B_CHALLENGE=$P_CHALLENGE
raddb_start || fail "radiusd B did not start"
B_PID=$RADIUSD_PID
[ -n "$A_PID" ] && [ -n "$B_PID" ] || exit 1

case_begin accepted_at_a_replayed_at_b
c=$(code)
radius "$A_OTP" "User-Name = alice, User-Password = $c"
accepted
radius "$B_OTP" "User-Name = alice, User-Password = $c"
rejected
says "This code was already used"

case_begin lockout_counts_across_servers
for i in 1 2 3; do radius "$A_OTP" "User-Name = bob, User-Password = 11111$i"; rejected; done
for i in 4 5; do radius "$B_OTP" "User-Name = bob, User-Password = 11111$i"; rejected; done
audited '"user":"bob".*"outcome":"rejected".*"detail":"5 failures, locked for 30 s"'
radius "$A_OTP" "User-Name = bob, User-Password = $(code)"
rejected
radius "$B_OTP" "User-Name = bob, User-Password = $(code)"
rejected
[ "$(grep -c '"user":"bob".*"outcome":"locked"' "$T/audit.json")" = 2 ] || fail "bob not locked at both"

case_begin challenge_from_a_answered_at_b
radius "$A_CHALLENGE" "User-Name = carol, User-Password = hunter2"
grep -q "Received Access-Challenge" <<< "$OUT" || fail "no challenge: $OUT"
state=$(reply_state)
radius "$B_CHALLENGE" "User-Name = carol, User-Password = $(code), State = $state"
accepted
# Used up at B: A does not take it again.
radius "$A_CHALLENGE" "User-Name = carol, User-Password = $(code), State = $state"
rejected

# Enrolls N users sharing the test secret (one transaction: mfactl import).
make_users() {
	local prefix=$1 n=$2 hex
	hex=$(python3 -c 'import base64,sys; print(base64.b32decode(sys.argv[1]).hex())' "$SECRET")
	: > "$T/$prefix.users"
	for i in $(seq 0 $((n - 1))); do
		printf 'HOTP/T30/6\t%s%03d\t-\t%s\n' "$prefix" "$i" "$hex" >> "$T/$prefix.users"
	done
	"$MFACTL" import oath "$T/$prefix.users" > /dev/null || fail "import of $prefix users failed"
}
# Access-Accepts and -Rejects radclient -s counted.
approved() { sed -n 's/^[[:space:]]*Accepted[[:space:]]*: *\([0-9]*\).*/\1/p' "$1" | tail -n 1; }
denied() { sed -n 's/^[[:space:]]*Rejected[[:space:]]*: *\([0-9]*\).*/\1/p' "$1" | tail -n 1; }

case_begin same_code_at_a_and_b_200_rounds_one_winner
make_users race 200
: > "$T/race.req"
c=$(code)
for i in $(seq 0 199); do printf 'User-Name = race%03d, User-Password = %s\n\n' "$i" "$c" >> "$T/race.req"; done
with_ma "$T/race.req"
radclient -s -p 200 -r 1 -t 5 -f "$T/race.req" "127.0.0.1:$A_OTP" auth "$RADIUS_SECRET" > "$T/race.a" 2>&1 &
ra=$!
radclient -s -p 200 -r 1 -t 5 -f "$T/race.req" "127.0.0.1:$B_OTP" auth "$RADIUS_SECRET" > "$T/race.b" 2>&1
wait "$ra"
na=$(approved "$T/race.a") nb=$(approved "$T/race.b")
[ $((na + nb)) = 200 ] || fail "$na accepted at A + $nb at B, expected 200 in all (one per user)"
# And per user: one accept, one replay, whichever server won.
for i in $(seq 0 199); do
	u=$(printf 'race%03d' "$i")
	ok=$(grep -c "\"user\":\"$u\".*\"outcome\":\"accepted\"" "$T/audit.json")
	rp=$(grep -c "\"user\":\"$u\".*\"outcome\":\"replayed\"" "$T/audit.json")
	if [ "$ok" != 1 ] || [ "$rp" != 1 ]; then
		fail "$u: $ok accepted, $rp replayed"
		break
	fi
done
[ "$na" -gt 0 ] && [ "$nb" -gt 0 ] || echo "  note: one server won every race ($na/$nb)" >&2

case_begin kill_9_mid_load_nothing_accepted_twice
make_users kill 600
: > "$T/kill.req"
c=$(code)
for i in $(seq 0 599); do printf 'User-Name = kill%03d, User-Password = %s\n\n' "$i" "$c" >> "$T/kill.req"; done
with_ma "$T/kill.req"
# B takes the users in the other order: A's transactions in flight when it
# dies are for users B reaches later.
awk 'BEGIN { RS = ""; ORS = "\n\n" } { r[NR] = $0 } END { for (i = NR; i > 0; i--) print r[i] }' \
	"$T/kill.req" > "$T/kill.rev"
# A's replies are counted as they come (-x, line-buffered): A and its
# client are killed in the middle.
stdbuf -oL radclient -x -p 50 -r 1 -t 1 -f "$T/kill.req" "127.0.0.1:$A_OTP" auth "$RADIUS_SECRET" > "$T/kill.a" 2>&1 &
ra=$!
radclient -s -p 50 -r 1 -t 3 -f "$T/kill.rev" "127.0.0.1:$B_OTP" auth "$RADIUS_SECRET" > "$T/kill.b" 2>&1 &
rb=$!
for _ in $(seq 500); do
	[ "$(grep -c 'Received Access-' "$T/kill.a")" -ge 100 ] && break
	sleep 0.01
done
kill -9 "$A_PID"
answered_a=$(grep -c 'Received Access-' "$T/kill.a")
sleep 0.2
kill "$ra" 2> /dev/null
{ wait "$A_PID"; wait "$ra"; } 2> /dev/null
A_PID=""
wait "$rb"
na=$(grep -c 'Received Access-Accept' "$T/kill.a") nb=$(approved "$T/kill.b")
used=$(pg_psql -tAc "SELECT count(*) FROM mfa_factors WHERE username LIKE 'kill%' AND last_used > 0")
# Every Access-Accept used a user's code: more accepts than users whose
# code was used would be a code accepted twice.
[ -n "$nb" ] && [ $((na + nb)) -le "$used" ] || fail "$na + $nb Access-Accepts for $used codes used"
[ "$answered_a" -ge 100 ] && [ "$answered_a" -lt 600 ] || fail "A was not killed mid-load ($answered_a of 600 answered)"
echo "  A answered $answered_a before kill -9, $na Access-Accepts from A, $nb from B, $used codes used" >&2
[ "$na" -gt 0 ] && [ "$nb" -gt 0 ] || fail "A or B accepted nothing: $(tail -n 3 "$T/kill.b")"
kill -0 "$B_PID" 2> /dev/null || fail "radiusd B died"
# A comes back and takes part again.
RADDB=$T/raddbA RADLOG=$T/radlogA RADRUN=$T/radrunA P_CHALLENGE=$A_CHALLENGE
raddb_start || fail "radiusd A did not start again"
A_PID=$RADIUSD_PID

# radius_timed PORT ATTRS: like radius, one try, and the seconds it took in $TOOK.
radius_timed() {
	local t0 t1
	t0=$(date +%s.%N)
	run sh -c 'printf "%s\n" "$1" | radclient -x -r 1 -t 20 "127.0.0.1:$2" auth "$3"' sh \
		"Message-Authenticator = 0x00, $2" "$1" "$RADIUS_SECRET"
	t1=$(date +%s.%N)
	TOOK=$(echo "$t1 - $t0" | bc)
}

case_begin postgresql_stopped_under_load
# Stopped in the middle of a load: every request is answered, and each
# Access-Accept's code was written (none lost, so none can be used again).
make_users load 800
: > "$T/load.req"
c=$(code)
for i in $(seq 0 799); do printf 'User-Name = load%03d, User-Password = %s\n\n' "$i" "$c" >> "$T/load.req"; done
with_ma "$T/load.req"
stdbuf -oL radclient -x -p 10 -r 1 -t 10 -f "$T/load.req" "127.0.0.1:$B_OTP" auth "$RADIUS_SECRET" > "$T/load.b" 2>&1 &
rl=$!
for _ in $(seq 500); do
	[ "$(grep -c 'Received Access-' "$T/load.b")" -ge 100 ] && break
	sleep 0.01
done
pg_stop_server
wait "$rl"
na=$(grep -c 'Received Access-Accept' "$T/load.b") nr=$(grep -c 'Received Access-Reject' "$T/load.b")
pg_start_server
used=$(pg_psql -tAc "SELECT count(*) FROM mfa_factors WHERE username LIKE 'load%' AND last_used > 0")
echo "  stopped under load: $na accepted, $nr refused, $used codes written" >&2
[ $((na + nr)) = 800 ] || fail "$((800 - na - nr)) of 800 requests got no answer"
[ "$na" -le "$used" ] || fail "$na Access-Accepts but $used codes written"
[ "$na" -gt 0 ] && [ "$nr" -gt 0 ] || fail "not stopped in the middle ($na accepted, $nr refused)"
kill -0 "$B_PID" 2> /dev/null || fail "radiusd B died"

case_begin postgresql_stopped_every_request_refused
make_users down 100
pg_stop_server
: > "$T/down.req"
c=$(code)
for i in $(seq 0 99); do printf 'User-Name = down%03d, User-Password = %s\n\n' "$i" "$c" >> "$T/down.req"; done
with_ma "$T/down.req"
radclient -s -p 50 -r 1 -t 10 -f "$T/down.req" "127.0.0.1:$B_OTP" auth "$RADIUS_SECRET" > "$T/down.b" 2>&1
[ "$(approved "$T/down.b")" = 0 ] || fail "accepted with PostgreSQL down: $(tail -n 5 "$T/down.b")"
[ "$(denied "$T/down.b")" = 100 ] || fail "not all 100 refused: $(tail -n 5 "$T/down.b")"
radius_timed "$B_OTP" "User-Name = down000, User-Password = $c"
rejected
says "Verification is unavailable: ask your administrator."
kill -0 "$B_PID" 2> /dev/null || fail "radiusd B died"
grep -q "store .*running and reachable" "$T/radlogB/radius.log" ||
	fail "no log line naming the store: $(tail -n 3 "$T/radlogB/radius.log")"

# accepted_soon PORT USER CODE: an Access-Accept within 10 s (a request
# each half second: a rejected one uses no code).
accepted_soon() {
	local _
	for _ in $(seq 20); do
		radius "$1" "User-Name = $2, User-Password = $3"
		grep -q "Received Access-Accept" <<< "$OUT" && return 0
		sleep 0.5
	done
	return 1
}

case_begin postgresql_back_logins_succeed
pg_start_server
accepted_soon "$B_OTP" down001 "$c" || fail "not accepted within 10 s of PostgreSQL's return: $OUT"
radius "$A_OTP" "User-Name = down002, User-Password = $c"
accepted

case_begin postgresql_hung_answer_within_store_timeout
# A database that accepts connections and never answers (SIGSTOP): each
# request is refused within store_timeout, never held longer.
pg_freeze
radius_timed "$B_OTP" "User-Name = down003, User-Password = $c"
rejected
says "Verification is unavailable"
awk -v t="$TOOK" -v max=$((STORE_TIMEOUT + 2)) 'BEGIN { exit !(t < max) }' ||
	fail "answered after $TOOK s, store_timeout is $STORE_TIMEOUT s"
pg_thaw
accepted_soon "$B_OTP" down004 "$c" || fail "not accepted within 10 s of PostgreSQL's thaw: $OUT"

case_begin pam_mfa_on_postgresql
# pam_mfa through a real PAM stack (pam_wrapper) and mfad on the same store: a
# code accepted by RADIUS is refused at the ssh prompt, and the other way.
# pam_mfa.so asks an mfad of its own, on the same PostgreSQL.
. "$(dirname "$0")/../service/lib.sh"
mfad_start pam "$MFA_CONFIG" || fail "mfad did not start"
mkdir -p "$T/svc"
echo "auth required pam_deny.so" > "$T/svc/other"
echo "auth required $ROOT/build/pam_mfa.so socket=$(mfad_sock pam)" > "$T/svc/mfa"
# pam CODE USER: pamtester, under pam_wrapper, typing CODE (only pamtester
# loads pam_wrapper: a shell that did would leave its /tmp/pam.X behind).
pam() {
	run sh -c 'echo "$1" | env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$2" pamtester mfa "$3" authenticate' \
		sh "$1" "$T/svc" "$2"
}
enroll dave2
c=$(code)
pam "$c" dave2
expect_rc 0
expect_out "successfully authenticated"
radius "$A_OTP" "User-Name = dave2, User-Password = $c"
rejected
says "This code was already used"
enroll erin
c=$(code)
radius "$B_OTP" "User-Name = erin, User-Password = $c"
accepted
pam "$c" erin
[ "$RC" -ne 0 ] || fail "pam_mfa accepted a code RADIUS had taken"
audited '"user":"erin","source":"pam:mfa".*"outcome":"replayed"'

case_begin tls_verify_full
config_for "$MFA_PG_APP_URI_TLS" > "$T/tls.conf"
run "$MFACTL" --config "$T/tls.conf" list
expect_rc 0
expect_out "alice"
sed "s|sslrootcert=[^&]*|sslrootcert=$MFA_PG_OTHER_CA|" "$T/tls.conf" > "$T/tls-other.conf"
run "$MFACTL" --config "$T/tls-other.conf" list
[ "$RC" -ne 0 ] || fail "a server signed by another CA was trusted"
expect_err "certificate verify failed"

case_begin back_to_sqlite_store_copy
sed "s|^store = .*|store = sqlite:$T/back.db|" "$MFA_CONFIG" > "$T/back.conf"
"$MFACTL" --config "$T/back.conf" init > /dev/null || fail "init of the SQLite store failed"
enroll backer
c=$(code)
"$MFACTL" verify backer "$c" > /dev/null || fail "backer's code refused"
run "$MFACTL" store copy --to "sqlite:$T/back.db"
expect_rc 0
expect_out "copied "
list_all "$MFA_CONFIG" > "$T/pg.export"
list_all "$T/back.conf" > "$T/back.export"
[ "$(grep -c '"recovery_codes"' "$T/back.export")" -gt 900 ] || fail "too few users copied back: $OUT"
cmp -s "$T/pg.export" "$T/back.export" ||
	fail "the stores differ: $(diff "$T/pg.export" "$T/back.export" | head -n 10)"
run "$MFACTL" --config "$T/back.conf" verify backer "$c"
expect_out "already used"

case_begin radiusd_logs_clean
for l in "$T/radlogA/radius.log" "$T/radlogB/radius.log"; do
	grep -qiE "segmentation|assert|panic" "$l" && fail "$l: $(grep -iE 'segmentation|assert|panic' "$l")"
done
true
