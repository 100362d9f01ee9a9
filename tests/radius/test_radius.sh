#!/bin/bash
# test_radius.sh - rlm_mfa.so in a real FreeRADIUS on 127.0.0.1, driven by
# radclient: the three modes, hostile requests, and 200 logins at once.
# backends: sqlite pg
. "$(dirname "$0")/../cli/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHALLENGE_TIMEOUT=10
. "$(dirname "$0")/raddb.sh"
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ

if ! command -v freeradius > /dev/null || ! command -v radclient > /dev/null; then
	echo "skip radius/all: freeradius or radclient is not installed"
	exit 0
fi
"$MFACTL" init > /dev/null
enroll() { "$MFACTL" enroll "$1" --secret "${2:-$SECRET}" --no-confirm --no-qr > /dev/null; }
code() { oathtool --totp -b "${1:-$SECRET}"; }
says() { grep -qF "Reply-Message = \"$1" <<< "$OUT" || fail "no Reply-Message '$1': $OUT"; }
# In otp mode no password came first: whoever the name is, a refusal reads
# the same (only a replay or a clock drift, which need the secret, say more).
UNIFORM="Code not accepted. After several wrong codes, wait a few minutes before trying a new one."
says_uniform() {
	says "$UNIFORM"
	[ "$(grep -c 'Reply-Message = ' <<< "$OUT")" = 1 ] || fail "more than the uniform Reply-Message: $OUT"
}
audited() { grep -q "$1" "$T/audit.json" || fail "no audit line matching $1: $(tail -n 3 "$T/audit.json")"; }
# A free block of five UDP ports.
base=$((30000 + RANDOM % 20000))
raddb_make "$base"
trap 'raddb_stop; case_end; rm -rf "$T"; exit "$ANY_FAILED"' EXIT
for u in alice bob carol dave erin frank gina; do enroll "$u"; done

case_begin radiusd_starts_with_rlm_mfa
raddb_start || fail "radiusd did not start"
[ -n "$RADIUSD_PID" ] || exit 1

case_begin otp_accept_wrong_replay
c=$(code)
radius "$P_OTP" "User-Name = alice, User-Password = $c, NAS-IP-Address = 10.1.2.3, NAS-Identifier = vpn1, Calling-Station-Id = 203.0.113.9"
accepted
radius "$P_OTP" "User-Name = alice, User-Password = $c"
rejected
says "This code was already used"
radius "$P_OTP" "User-Name = alice, User-Password = 000000"
rejected
says_uniform
grep -q '"user":"alice","source":"radius:vpn-test","outcome":"accepted","factor":"[a-z2-7]*","remote":"10.1.2.3","nas_id":"vpn1","station":"203.0.113.9"' "$T/audit.json" ||
	fail "audit event lacks NAS fields: $(grep alice "$T/audit.json")"

case_begin otp_recovery_code
rc1=$("$MFACTL" recovery bob --json | json_get "['codes'][0]")
radius "$P_OTP" "User-Name = bob, User-Password = \"$rc1\""
accepted
says "Recovery code accepted: 9 left."

case_begin otp_lockout
# otp mode: the fifth wrong code locks carol, but a stranger typing her
# name must not learn that (nor that she exists): the uniform refusal.
for i in 1 2 3 4 5; do
	radius "$P_OTP" "User-Name = carol, User-Password = 11111$i"
	rejected
	says_uniform
done
audited '"user":"carol".*"outcome":"rejected".*"detail":"5 failures, locked for 30 s"'
# Locked: even the right code is refused, in the same words.
radius "$P_OTP" "User-Name = carol, User-Password = $(code)"
rejected
says_uniform
audited '"event":"verify","user":"carol".*"outcome":"locked"'
# After her password (append, challenge) the lockout is told as it is.
radius "$P_APPEND" "User-Name = carol, User-Password = \"hunter2$(code)\""
rejected
says "Too many failed attempts: try again in "
radius "$P_CHALLENGE" "User-Name = carol, User-Password = hunter2"
rejected
says "Too many failed attempts: try again in "
grep -q "State" <<< "$OUT" && fail "a challenge for a locked user"
"$MFACTL" unlock carol > /dev/null
radius "$P_OTP" "User-Name = carol, User-Password = $(code)"
accepted

case_begin append_password_then_code
radius "$P_APPEND" "User-Name = dave, User-Password = \"hunter2$(code)\""
accepted
radius "$P_APPEND" "User-Name = erin, User-Password = \"wrongpw$(code)\""
rejected
# The wrong password stopped it before the code was looked at.
grep -q '"event":"verify","user":"erin"' "$T/audit.json" && fail "a wrong password reached the code check"
radius "$P_APPEND" "User-Name = erin, User-Password = hunter2"
rejected
says "Type your password followed by the code"

case_begin challenge_round_trip
radius "$P_CHALLENGE" "User-Name = frank, User-Password = hunter2, NAS-Identifier = vpn1"
grep -q "Received Access-Challenge" <<< "$OUT" || fail "no challenge: $OUT"
says "Enter the code from your authenticator app"
state=$(reply_state)
[ -n "$state" ] || fail "no State in the challenge"
radius "$P_CHALLENGE" "User-Name = frank, User-Password = $(code), State = $state"
accepted
# The same State again: used up.
radius "$P_CHALLENGE" "User-Name = frank, User-Password = $(code), State = $state"
rejected
says "This login took too long or was interrupted"

case_begin challenge_wrong_password_no_challenge
radius "$P_CHALLENGE" "User-Name = gina, User-Password = wrong"
rejected
grep -q "State" <<< "$OUT" && fail "a challenge after a wrong password"

case_begin challenge_forged_state_and_other_user
radius "$P_CHALLENGE" "User-Name = gina, User-Password = 123456, State = 0x6d66613a3030303030303030303030303030303030303030303030303030303030303030"
rejected
radius "$P_CHALLENGE" "User-Name = gina, User-Password = hunter2"
state=$(reply_state)
radius "$P_CHALLENGE" "User-Name = alice, User-Password = $(code), State = $state"
rejected
# The challenge is taken in the verification's transaction: a bad one is a
# verify event.
audited '"event":"verify","user":"gina".*"outcome":"bad_challenge".*"detail":"challenge unknown or already used"'
audited '"event":"verify","user":"alice".*"outcome":"bad_challenge".*"detail":"challenge issued to another user"'
grep -q '"event":"challenge","user":"alice"' "$T/audit.json" && fail "the old challenge event is still written"

case_begin challenge_expires
radius "$P_CHALLENGE" "User-Name = gina, User-Password = hunter2"
state=$(reply_state)
sleep 11
radius "$P_CHALLENGE" "User-Name = gina, User-Password = $(code), State = $state"
rejected
says "This login took too long or was interrupted"
audited '"event":"verify","user":"gina".*"outcome":"bad_challenge".*"detail":"challenge expired"'

case_begin hostile_requests_rejected_cleanly
snap() {
	store_sql "select name, failures, locked_until from users order by name; select user, counter, last_step from factors order by user" \
		"select name, failures, locked_until from mfa_users order by name; select username, counter, last_step from mfa_factors order by username"
}
before=$(snap)
radius "$P_OTP" "User-Password = 123456"
grep -q "Received Access-Accept" <<< "$OUT" && fail "accepted without User-Name"
radius "$P_OTP" "User-Name = alice"
rejected
long=$(head -c 120 /dev/zero | tr '\0' 7)
radius "$P_OTP" "User-Name = alice, User-Password = $long"
rejected
radius "$P_OTP" 'User-Name = alice, User-Password = "\377\376\200123"'
rejected
radius "$P_OTP" 'User-Name = "alice\012", User-Password = 123456'
rejected
says_uniform
radius "$P_OTP" 'User-Name = "al\000ice", User-Password = 123456'
rejected
# Unknown to the store: told like a wrong code, and no row is written
# (the snapshot below).
radius "$P_OTP" "User-Name = nobody, User-Password = 123456"
rejected
says_uniform
# After a password the truth is told.
radius "$P_APPEND" "User-Name = nobody, User-Password = hunter2"
rejected
says "No authenticator is enrolled"
radius "$P_CHALLENGE" "User-Name = nobody, User-Password = hunter2"
rejected
says "No authenticator is enrolled"
kill -0 "$RADIUSD_PID" 2> /dev/null || fail "radiusd died"
after=$(snap)
[ "$before" = "$after" ] || fail "hostile requests changed the store: $(diff <(echo "$before") <(echo "$after"))"

case_begin parallel_200_users_each_once
: > "$T/req"
for i in $(seq 0 199); do
	u=$(printf 'par%03d' "$i")
	enroll "$u"
done
c=$(code)
for i in $(seq 0 199); do
	printf 'User-Name = par%03d, User-Password = %s\n\n' "$i" "$c" >> "$T/req"
done
with_ma "$T/req"
run radclient -p 200 -r 3 -t 5 -f "$T/req" "127.0.0.1:$P_OTP" auth "$RADIUS_SECRET"
n=$(grep -c '"source":"radius:vpn-test","outcome":"accepted"' <(grep '"user":"par' "$T/audit.json"))
[ "$n" = 200 ] || fail "$n of 200 accepted: $(tail -n 5 <<< "$OUT$ERR")"
[ "$(grep -c '"user":"par.*"outcome":"replayed"' "$T/audit.json")" = 0 ] || fail "a retransmission was seen as a replay"

case_begin same_code_twice_at_once_one_accept
enroll racer
c=$(code)
printf 'User-Name = racer, User-Password = %s\n\nUser-Name = racer, User-Password = %s\n\n' "$c" "$c" > "$T/race"
with_ma "$T/race"
run radclient -x -p 2 -r 1 -t 5 -f "$T/race" "127.0.0.1:$P_OTP" auth "$RADIUS_SECRET"
[ "$(grep -c 'Received Access-Accept' <<< "$OUT")" = 1 ] || fail "expected one Access-Accept: $OUT"
[ "$(grep -c 'Received Access-Reject' <<< "$OUT")" = 1 ] || fail "expected one Access-Reject: $OUT"

case_begin security_key_only_user_refused
# Its factor is a security key, which RADIUS cannot ask for: not "no factor".
webauthn_config
webauthn_register keyonly || fail "registration failed"
# otp mode: the uniform refusal, as for anyone; audited as it is.
radius "$P_OTP" "User-Name = keyonly, User-Password = 123456"
rejected
says_uniform
audited '"user":"keyonly".*"outcome":"no_factor".*"detail":"refused: security key only"'
# After the password, the user is told what to do.
radius "$P_CHALLENGE" "User-Name = keyonly, User-Password = hunter2"
rejected
says "This account signs in with a security key"
grep -q "State" <<< "$OUT" && fail "a challenge for a security-key-only user"
radius "$P_APPEND" "User-Name = keyonly, User-Password = hunter2"
rejected
says "This account signs in with a security key"

case_begin signin_code_append_and_otp
# A key-only user's sign-in code from the portal (build/signin_tool makes
# it as mfa-web does after the passkey): where an app's code goes, once.
webauthn_register kate || fail "kate's security key"
radius "$P_APPEND" "User-Name = kate, User-Password = \"hunter2123456\""
rejected
c=$("$ROOT/build/signin_tool" kate) || fail "no sign-in code for kate"
radius "$P_APPEND" "User-Name = kate, User-Password = \"hunter2$c\""
accepted
radius "$P_APPEND" "User-Name = kate, User-Password = \"hunter2$c\""
rejected
audited '"event":"verify","user":"kate","source":"radius:vpn-test","outcome":"accepted","factor":"signin-code"'
# A wrong password stops it before the code is looked at: the code lives on.
c=$("$ROOT/build/signin_tool" kate)
radius "$P_APPEND" "User-Name = kate, User-Password = \"wrongpw$c\""
rejected
radius "$P_OTP" "User-Name = kate, User-Password = $c"
accepted
radius "$P_OTP" "User-Name = kate, User-Password = $c"
rejected
says_uniform
# challenge mode: after the password a key-only user with a live code is
# asked for it (without one: refused, as before).
radius "$P_CHALLENGE" "User-Name = kate, User-Password = hunter2"
rejected
says "This account signs in with a security key"
c=$("$ROOT/build/signin_tool" kate)
radius "$P_CHALLENGE" "User-Name = kate, User-Password = hunter2"
state=$(reply_state)
[ -n "$state" ] || fail "no challenge for a live sign-in code: $OUT"
radius "$P_CHALLENGE" "User-Name = kate, User-Password = $c, State = $state"
accepted

case_begin lost_audit_event_in_radius_log
# An audit file radiusd cannot append to (a directory in its place, which
# stops root too): the login goes on (audit_required = no), and radius.log
# says so without -X.
enroll hank
mv "$T/audit.json" "$T/audit.json.kept"
mkdir "$T/audit.json"
radius "$P_OTP" "User-Name = hank, User-Password = $(code), NAS-Identifier = \"x outcome=accepted\""
accepted
grep -q "rlm_mfa: audit_file $T/audit.json: the verify event of hank was not written" "$T/radlog/radius.log" ||
	fail "no error in radius.log: $(tail -n 5 "$T/radlog/radius.log")"
rmdir "$T/audit.json"
mv "$T/audit.json.kept" "$T/audit.json"

case_begin request_without_message_authenticator_dropped
# The client requires one (Blast-RADIUS): a valid code without it gets no
# answer at all, and is not even looked at.
enroll mona
run sh -c 'printf "%s\n" "$1" | radclient -x -r 1 -t 2 "127.0.0.1:$2" auth "$3"' sh \
	"User-Name = mona, User-Password = $(code)" "$P_OTP" "$RADIUS_SECRET"
grep -q "Received Access-" <<< "$OUT" && fail "answered: $OUT"
grep -q '"event":"verify","user":"mona"' "$T/audit.json" && fail "audited: $(grep '"user":"mona"' "$T/audit.json")"
radius "$P_OTP" "User-Name = mona, User-Password = $(code)"
grep -q "Received Access-Accept" <<< "$OUT" || fail "the same code with it refused: $OUT"

case_begin radiusd_survived
kill -0 "$RADIUSD_PID" 2> /dev/null || fail "radiusd is gone"
grep -qiE "segmentation|assert|panic" "$T/radlog/radius.log" && fail "radiusd log: $(grep -iE 'segmentation|assert|panic' "$T/radlog/radius.log")"
