#!/bin/bash
# test_timing.sh - in otp mode nothing checked a password before us, so a
# stranger must not tell who is enrolled by the replies: the same
# Reply-Message for every refusal, and about the same time for it.
#
# timing.py sends wrong codes to the otp instance of raddb.sh's radiusd, one
# request at a time, interleaving the users in a shuffled order each round,
# timing each round trip from the client side; each user's median must be
# within 10% of the reference user's (0.9 to 1.1), and the replies
# byte-identical.
#
#   six-digit codes     reference: enr, enrolled (TOTP), no recovery codes
#                       nosuch, unknown to the store
#                       gone, a user whose factor was removed (a row, no factor)
#                       locked, enrolled and locked
#   recovery-shaped     reference: rec, enrolled with 10 recovery codes
#   (XXXX-XXXX-XXXX)    enr, without any; nosuch; gone
#
# lockout_threshold is 1000 in this mfa.conf so that 200 wrong codes and
# the warm-up never lock enr or rec (a locked user is refused without
# looking at the code, which is another path: the "locked" user is that
# one, locked by hand in the store). It is not 0: 0 turns lockout off, and
# the wrong codes would no longer take the same path as in production.
#
# What it measured when written (2 CPUs, medians of 200; both batches
# fail, in the core, not in rlm_mfa):
#   - six digits: enr ~145 us, nosuch and gone ~125 us (0.86), locked ~130
#     (0.89). A wrong code for an enrolled user commits its failure count
#     (verify.c attempt_run: user_put + commit, two pwrite()s to the WAL);
#     unknown, factorless and locked users roll back. With sqlite_sync_full
#     = yes that commit is an fsync: enr ~840 us against ~190 us.
#   - recovery-shaped: rec ~5.2 ms, the others ~0.13 ms (0.03). The guess is
#     hashed (PBKDF2, 2000 rounds, ~0.5 ms) against each unused recovery
#     code (attempt_recovery_prepare); a user without codes hashes nothing.
# backends: sqlite pg
. "$(dirname "$0")/../cli/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/raddb.sh"
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
ROUNDS=${TIMING_ROUNDS:-200}
# The system python (timing.py needs only its standard library).
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

if ! command -v freeradius > /dev/null || ! command -v radclient > /dev/null; then
	echo "skip radius/timing: freeradius or radclient is not installed"
	exit 0
fi
echo "lockout_threshold = 1000" >> "$MFA_CONFIG"
"$MFACTL" init > /dev/null
enroll() { "$MFACTL" enroll "$1" --secret "${2:-$SECRET}" --no-confirm --no-qr > /dev/null; }
enroll enr
enroll rec JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
"$MFACTL" recovery rec > /dev/null
enroll locked KRUGS4ZANFZSAYJAORSXG5BAONSWG4TF
enroll gone MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U
"$MFACTL" remove gone "$("$MFACTL" list gone --json | json_get "['factors'][0]['id']")" > /dev/null
# Locked for a day (the threshold above keeps wrong codes from doing it).
store_sql "insert into users (name) select 'locked' where not exists (select 1 from users where name = 'locked');
	update users set failures = 1000, locked_until = strftime('%s', 'now') + 86400 where name = 'locked'" \
	"insert into mfa_users (name, failures, locked_until) values ('locked', 1000,
	extract(epoch from now())::bigint + 86400) on conflict (name) do update set failures = 1000,
	locked_until = extract(epoch from now())::bigint + 86400"

base=$((30000 + RANDOM % 20000))
raddb_make "$base"
trap 'raddb_stop; case_end; rm -rf "$T"; exit "$ANY_FAILED"' EXIT

case_begin timing_setup
raddb_start || fail "radiusd did not start"
[ -n "$RADIUSD_PID" ] || exit 1
[ "$(store_sql "select count(*) from factors where user = 'gone'" "select count(*) from mfa_factors where username = 'gone'")" = 0 ] || fail "gone still has a factor"
[ "$(store_sql "select count(*) from users where name = 'gone'" "select count(*) from mfa_users where name = 'gone'")" = 1 ] || fail "gone has no row"
[ "$(store_sql "select count(*) from recovery where user = 'rec' and used = 0" "select count(*) from mfa_recovery where username = 'rec' and used = 0")" = 10 ] ||
	fail "rec does not have 10 recovery codes"
[ "$(store_sql "select count(*) from users where name = 'locked' and locked_until > strftime('%s', 'now')" "select count(*) from mfa_users where name = 'locked' and locked_until > extract(epoch from now())")" = 1 ] ||
	fail "locked is not locked"

# timing NAME REFERENCE USER:KIND...: one batch; its figures in the output.
timing() {
	local name=$1
	shift
	case_begin "$name"
	run "$PYTHON" "$ROOT/tests/radius/timing.py" "$P_OTP" "$RADIUS_SECRET" "$ROUNDS" "$@"
	sed 's/^/  /' <<< "$OUT"
	[ -n "$ERR" ] && sed 's/^/  /' <<< "$ERR"
	[ "$RC" -eq 0 ] || fail "$(grep '^FAIL' <<< "$OUT$ERR" | tr '\n' ';')"
	grep -q "^reply .*Code not accepted. After several wrong codes, wait a few minutes before trying a new one." <<< "$OUT" ||
		fail "the reply is not the uniform refusal"
}
timing timing_otp_wrong_codes enr enr:digits nosuch:digits gone:digits locked:digits
timing timing_otp_recovery_shaped rec rec:recovery enr:recovery nosuch:recovery gone:recovery

case_begin timing_no_rows_for_strangers
[ "$(store_sql "select count(*) from users where name = 'nosuch'" "select count(*) from mfa_users where name = 'nosuch'")" = 0 ] || fail "a row for nosuch"
[ "$(store_sql "select count(*) from users where name = 'locked' and failures = 1000" "select count(*) from mfa_users where name = 'locked' and failures = 1000")" = 1 ] ||
	fail "the locked user's row changed"
kill -0 "$RADIUSD_PID" 2> /dev/null || fail "radiusd is gone"
