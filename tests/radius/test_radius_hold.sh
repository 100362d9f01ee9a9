#!/bin/bash
# test_radius_hold.sh - rlm_mfa's hold mode in a real FreeRADIUS: after pap
# accepted the password, the request waits for the user's approval on the
# portal (approve_tool --hold stands in for it; docs/approvals.md, Hold
# mode). kate and alice have a passkey, bob an app only. hold_timeout = 5,
# hold_max = 1.
# backends: sqlite pg
. "$(dirname "$0")/../cli/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/raddb.sh"
APPROVE=$ROOT/build/approve_tool
CLIENT=$ROOT/tests/radius/hold_client.py

if ! command -v freeradius > /dev/null || ! command -v radclient > /dev/null; then
	echo "skip radius-hold/all: freeradius or radclient is not installed"
	exit 0
fi
echo "web_url = https://mfa.example.com" >> "$MFA_CONFIG"
webauthn_config
"$MFACTL" init > /dev/null
"$MFACTL" enroll bob --secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ --no-confirm --no-qr > /dev/null
for u in kate alice; do
	webauthn_register "$u" || { echo "not ok $SUITE/${u}_has_a_key"; exit 1; }
done
says() { grep -qF "$1" <<< "$OUT" || fail "no '$1' in: $OUT"; }
# count OUTCOME USER: approval events of USER with that outcome.
count() { grep '"event":"approval"' "$T/audit.json" 2> /dev/null | grep "\"user\":\"$2\"" | grep -c "\"outcome\":\"$1\""; }
# approve_soon [--deny] USER: approve_tool --hold in the background, as
# soon as the user's approval exists (within 8 s).
approve_soon() {
	( for _ in $(seq 80); do "$APPROVE" --hold "$@" > /dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1 ) &
	APPROVER=$!
}
# hold_request USER PASSWORD [CALLER]: radclient with a timeout longer than
# the wait, from Calling-Station-Id CALLER (198.51.100.7).
hold_request() {
	run sh -c 'printf "%s\n" "$1" | radclient -x -r 1 -t 12 "127.0.0.1:$2" auth "$3"' sh \
		"Message-Authenticator = 0x00, User-Name = $1, User-Password = $2, Calling-Station-Id = ${3:-198.51.100.7}" \
		"$P_HOLD" "$RADIUS_SECRET"
}
now_ms() { date +%s%3N; }

base=$((30000 + RANDOM % 20000))
raddb_make "$base"
P_HOLD=$((base + 5))
# The hold instance and its server (PAP as the first factor). Replies stay
# cached 5 s, as by default, for the retransmission cases.
hold_instance() {
	cat > "$RADDB/mods-enabled/mfa_hold" <<MODS
mfa mfa_hold {
	config = $MFA_CONFIG
	mode = hold
	hold_timeout = ${1:-5}
	hold_max = ${2:-1}
}
MODS
}
hold_instance
ln -s ../mods-available/mschap "$RADDB/mods-enabled/mschap"
sed -i 's/^cleanup_delay = 0$/cleanup_delay = 5/' "$RADDB/radiusd.conf"
cat >> "$RADDB/radiusd.conf" <<CONF
server mfa-hold {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $P_HOLD
	}
	authorize {
		files
		mschap
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
			mfa_hold
		}
		Auth-Type MS-CHAP {
			mschap
			mfa_hold
		}
	}
}
CONF
trap 'raddb_stop; case_end; rm -rf "$T"; exit "$ANY_FAILED"' EXIT

case_begin bad_bounds_refused_at_start
check_refused() {
	: > "$RADLOG/radius.log"
	run freeradius -C -d "$RADDB" -n radiusd
	OUT="$OUT $(cat "$RADLOG/radius.log")"
	[ "$RC" != 0 ] || fail "radiusd -C accepted $2"
	grep -qF "$1" <<< "$OUT$ERR" || fail "no '$1' for $2: $OUT $ERR"
}
hold_instance 4 1
check_refused "hold_timeout = 4: use 5 to 60 seconds" "hold_timeout = 4"
hold_instance 61 1
check_refused "hold_timeout = 61: use 5 to 60 seconds" "hold_timeout = 61"
hold_instance 5 0
check_refused "hold_max = 0: use 1 to 64" "hold_max = 0"
hold_instance 5 32
check_refused "hold_max = 32 must be below the thread pool's max_servers (32)" "hold_max = 32"
hold_instance 26 1
check_refused "hold_timeout = 26 needs max_request_time (radiusd.conf, now 30) of at least 31" \
	"hold_timeout = 26"
sed -i 's/mode = hold/mode = hodl/' "$RADDB/mods-enabled/mfa_hold"
check_refused "mode = hodl: use otp, append, challenge or hold" "mode = hodl"
hold_instance

case_begin radiusd_starts_with_hold_mode
raddb_start || fail "radiusd did not start"
[ -n "$RADIUSD_PID" ] || exit 1

case_begin approved_while_waiting_is_accepted
approve_soon kate
hold_request kate hunter2
accepted
says 'Reply-Message = "Sign-in approved."'
wait "$APPROVER" || fail "approve_tool found nothing to approve"
[ "$(count requested kate)" = 1 ] || fail "not one approval requested: $(grep approval "$T/audit.json")"
[ "$(count consumed kate)" = 1 ] || fail "not consumed once: $(grep approval "$T/audit.json")"
grep '"outcome":"requested"' "$T/audit.json" | grep -q '"remote":"198.51.100.7".*no number, for radius-hold:127.0.0.1' ||
	fail "requested without the caller's address or requester: $(grep requested "$T/audit.json")"

case_begin not_approved_rejected_after_hold_timeout
t0=$(now_ms)
hold_request kate hunter2
t1=$(now_ms)
rejected
says "Not approved in time: approve the waiting sign-in on https://mfa.example.com, then connect again."
[ $((t1 - t0)) -ge 4500 ] && [ $((t1 - t0)) -lt 9000 ] || fail "answered after $((t1 - t0)) ms, not about 5 s"
# As the message says: approve the waiting sign-in, then connect again.
"$APPROVE" --hold kate > /dev/null 2>&1 || fail "the waiting sign-in is not there to approve"
t0=$(now_ms)
hold_request kate hunter2
t1=$(now_ms)
accepted
[ $((t1 - t0)) -lt 2000 ] || fail "approved beforehand, yet waited $((t1 - t0)) ms"
[ "$(count requested kate)" = 2 ] || fail "the second connection made another approval"
[ "$(count consumed kate)" = 2 ] || fail "not consumed"

case_begin denied_is_rejected
approve_soon --deny kate
t0=$(now_ms)
hold_request kate hunter2
t1=$(now_ms)
rejected
says "This sign-in was refused on the portal."
[ $((t1 - t0)) -lt 4000 ] || fail "a denial waited $((t1 - t0)) ms"
wait "$APPROVER"
[ "$(count denied kate)" = 1 ] || fail "no denial audited"

case_begin hold_max_refuses_a_second_waiting_user_at_once
# hold_max = 1: kate waits; alice is refused at once, and nothing is made for her.
( hold_request kate hunter2; echo "$OUT" > "$T/kate.out" ) &
KATE=$!
sleep 1
t0=$(now_ms)
hold_request alice hunter2
t1=$(now_ms)
rejected
says "Too many sign-ins are waiting for approval: try again in a minute."
[ $((t1 - t0)) -lt 1500 ] || fail "refused after $((t1 - t0)) ms, not at once"
[ "$(count requested alice)" = 0 ] || fail "an approval for alice: $(grep alice "$T/audit.json")"
grep -q "hold: 1 requests waiting already: alice from 127.0.0.1 refused" "$RADLOG/radius.log" ||
	fail "not logged: $(tail -n 5 "$RADLOG/radius.log")"
"$APPROVE" --hold kate > /dev/null 2>&1 || fail "kate's approval is not there"
wait "$KATE"
grep -q "Received Access-Accept" "$T/kate.out" || fail "kate, approved, not accepted: $(cat "$T/kate.out")"

case_begin retransmissions_answered_once
# The same packet again while it waits (radiusd drops it) and after the
# answer (radiusd answers from its cache): one approval, one consume, the
# same Accept.
before=$(count consumed kate)
( sleep 2.5; "$APPROVE" --hold kate > /dev/null 2>&1 ) &
APPROVER=$!
run "$CLIENT" "$P_HOLD" "$RADIUS_SECRET" kate hunter2 7 7@0 7@1 7@2 7@r
wait "$APPROVER" || fail "approve_tool found nothing to approve"
[ "$(grep -c '^reply 7 Access-Accept Sign-in approved.' <<< "$OUT")" = 2 ] ||
	fail "not two identical Accepts (the answer and its cached copy): $OUT $ERR"
# The two sent while it waited were dropped: the first reply came after the approval.
[ "$(sed -n '1s/^at 7 \([0-9]*\).*/\1/p' <<< "$ERR")" -ge 2 ] || fail "answered before the approval: $ERR"
[ "$(grep -c '^reply' <<< "$OUT")" = 2 ] ||
	fail "more replies than expected: $OUT $ERR $(grep -i dup "$RADLOG/radius.log")"
[ "$(count requested kate)" = 5 ] || fail "not one more approval: $(count requested kate)"
[ "$(count consumed kate)" = $((before + 1)) ] || fail "not consumed once: $(count consumed kate)"

case_begin new_packet_id_waits_on_the_same_approval
# The NAS gives up on packet 1 and asks again as packet 2: both wait on
# one approval; the newest, which the NAS waits for, is accepted.
before=$(count consumed kate)
( sleep 2.5; "$APPROVE" --hold kate > /dev/null 2>&1 ) &
APPROVER=$!
run "$CLIENT" "$P_HOLD" "$RADIUS_SECRET" kate hunter2 6 1@0 2@1.5
wait "$APPROVER" || fail "approve_tool found nothing to approve"
grep -q '^reply 1 Access-Reject A newer request for this sign-in is waiting.' <<< "$OUT" ||
	fail "packet 1 not refused as superseded: $OUT"
grep -q '^reply 2 Access-Accept Sign-in approved.' <<< "$OUT" || fail "packet 2 not accepted: $OUT"
[ "$(count requested kate)" = 6 ] || fail "not one approval for both: $(count requested kate)"
[ "$(count consumed kate)" = $((before + 1)) ] || fail "not consumed once"

case_begin wrong_password_makes_no_approval
t0=$(now_ms)
hold_request kate wrong-password
t1=$(now_ms)
rejected
[ $((t1 - t0)) -lt 1500 ] || fail "a wrong password waited $((t1 - t0)) ms"
[ "$(count requested kate)" = 6 ] || fail "an approval after a wrong password"

case_begin user_without_passkey_told_what_to_do
hold_request bob hunter2
rejected
says "This connection cannot ask for a code"
[ "$(count requested bob)" = 0 ] || fail "an approval for bob"
hold_request nobody hunter2
rejected
says "No authenticator is enrolled for this account"
[ "$(count requested nobody)" = 0 ] || fail "an approval for nobody"

case_begin mschap_then_hold
# MS-CHAP (radclient's MS-CHAP-Password): mschap checks the password, then
# the wait. A wrong one makes no approval.
before=$(count requested kate)
run sh -c 'printf "%s\n" "$1" | radclient -x -r 1 -t 12 "127.0.0.1:$2" auth "$3"' sh \
	"Message-Authenticator = 0x00, User-Name = kate, MS-CHAP-Password = wrong" "$P_HOLD" "$RADIUS_SECRET"
rejected
[ "$(count requested kate)" = "$before" ] || fail "an approval after a wrong MS-CHAP password"
approve_soon kate
run sh -c 'printf "%s\n" "$1" | radclient -x -r 1 -t 12 "127.0.0.1:$2" auth "$3"' sh \
	"Message-Authenticator = 0x00, User-Name = kate, MS-CHAP-Password = hunter2" "$P_HOLD" "$RADIUS_SECRET"
accepted
says "Sign-in approved."
wait "$APPROVER" || fail "approve_tool found nothing to approve"
[ "$(count requested kate)" = $((before + 1)) ] || fail "not one approval"

case_begin another_caller_gets_its_own_approval
# The same user from the same NAS but another device (Calling-Station-Id):
# an approval approved for the first is not the second's.
before=$(count requested kate) used=$(count consumed kate)
"$ROOT/build/asan/approval_tool" create-hold kate radius:vpn-test 198.51.100.99 radius-hold:127.0.0.1 \
	> /dev/null || fail "approval_tool create-hold"
"$APPROVE" --hold kate > /dev/null 2>&1 || fail "approve_tool found nothing to approve"
hold_request kate hunter2
rejected
says "Not approved in time"
[ "$(count requested kate)" = $((before + 2)) ] || fail "not an approval of its own"
[ "$(count consumed kate)" = "$used" ] || fail "another caller's approval was used"

case_begin one_user_cannot_take_every_waiting_slot
# hold_max = 3: kate waits from two devices; a third from her (as KATE:
# under user_case = lower one user) is refused at once and makes nothing,
# and alice still gets the slot left.
raddb_stop
echo "user_case = lower" >> "$MFA_CONFIG"
hold_instance 5 3
raddb_start || fail "radiusd did not start with hold_max = 3"
before=$(count requested kate)
waiting=""
for caller in 198.51.100.21 198.51.100.22; do
	( hold_request kate hunter2 "$caller"; echo "$OUT" > "$T/kate.$caller" ) &
	waiting="$waiting $!"
done
for _ in $(seq 100); do
	[ "$(count requested kate)" -ge $((before + 2)) ] && break
	sleep 0.1
done
[ "$(count requested kate)" = $((before + 2)) ] || fail "kate's two requests are not waiting"
t0=$(now_ms)
hold_request KATE hunter2 198.51.100.23
t1=$(now_ms)
rejected
says "Other sign-ins of yours are waiting for approval: approve the one you started on https://mfa.example.com, or connect again in a minute."
[ $((t1 - t0)) -lt 1500 ] || fail "refused after $((t1 - t0)) ms, not at once"
[ "$(count requested kate)" = $((before + 2)) ] || fail "an approval for the third request"
grep -q "hold: 2 requests of kate waiting already: one more from 127.0.0.1 refused" "$RADLOG/radius.log" ||
	fail "not logged: $(tail -n 5 "$RADLOG/radius.log")"
approve_soon alice
hold_request alice hunter2
accepted
wait "$APPROVER" || fail "approve_tool found nothing to approve for alice"
# shellcheck disable=SC2086 # the two requests' subshells
wait $waiting
for caller in 198.51.100.21 198.51.100.22; do
	grep -q "Not approved in time" "$T/kate.$caller" || fail "kate from $caller: $(cat "$T/kate.$caller")"
done
