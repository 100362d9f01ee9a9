#!/bin/bash
# test_radius_approve.sh - passkey approvals in RADIUS challenge mode
# (rlm_mfa's approve = yes, docs/approvals.md) in a real FreeRADIUS driven
# by radclient. build/approve_tool stands in for the portal: it reads the
# id and the number from the Reply-Message and decides the approval in the
# store as the page does after a good passkey assertion. kate and kim have
# a security key only, alice a TOTP app and a key, bob an app only. On
# PostgreSQL, a second radiusd on the same store takes the answer.
# backends: sqlite pg
. "$(dirname "$0")/../cli/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHALLENGE_APPROVE=yes
. "$(dirname "$0")/raddb.sh"
APPROVE=$ROOT/build/approve_tool
ALICE=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
BOB=KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU

if ! command -v freeradius > /dev/null || ! command -v radclient > /dev/null; then
	echo "skip radius/approve: freeradius or radclient is not installed"
	exit 0
fi
code() { oathtool --totp -b "$1"; }
says() { grep -qF "Reply-Message = \"$1" <<< "$OUT" || fail "no Reply-Message '$1': $OUT"; }
# approve [--wrong] USER TEXT: the portal's decision on what TEXT shows.
approve() { run "$APPROVE" "$@"; }
audited() { grep '"event":"approval"' "$T/audit.json" | grep "\"user\":\"$1\"" | grep -q "\"outcome\":\"$2\""; }
# challenge PORT USER: the password, then the challenge; STATE and TEXT.
challenge() {
	radius "$1" "User-Name = $2, User-Password = hunter2"
	challenged
	STATE=$(reply_state)
	TEXT=$(message)
}
LINK="Approve this sign-in with your security key: open https://mfa.example.com/a/"

echo "web_url = https://mfa.example.com" >> "$MFA_CONFIG"
webauthn_config
"$MFACTL" init > /dev/null
"$MFACTL" enroll alice --secret "$ALICE" --no-confirm --no-qr > /dev/null
"$MFACTL" enroll bob --secret "$BOB" --no-confirm --no-qr > /dev/null
for u in kate kim alice lena; do
	webauthn_register "$u" || { echo "not ok $SUITE/${u}_has_a_key"; exit 1; }
done
base=$((30000 + RANDOM % 20000))
raddb_make "$base"
# A second NAS, on another source address (radclient's Packet-Src-IP-Address).
cat >> "$RADDB/radiusd.conf" <<CONF
client nas2 {
	ipaddr = 127.0.0.2
	secret = $RADIUS_SECRET
	shortname = vpn-two
	require_message_authenticator = yes
}
CONF
A_PID=""
trap 'raddb_stop; RADIUSD_PID=$A_PID raddb_stop; case_end; rm -rf "$T"; exit "$ANY_FAILED"' EXIT

# check_refused NEEDLE: radiusd -C refuses this config and says NEEDLE.
check_refused() {
	run freeradius -C -d "$RADDB" -n radiusd
	[ "$RC" -ne 0 ] || fail "radiusd -C accepted the config"
	grep -qF -- "$1" <<< "$OUT$ERR" || grep -qF -- "$1" "$RADLOG/radius.log" 2> /dev/null ||
		fail "radiusd -C did not say '$1': $OUT $ERR"
}

case_begin approve_in_otp_mode_refused_at_start
cp "$RADDB/mods-enabled/mfa" "$T/mods-mfa"
sed -i '/mode = otp/a\	approve = yes' "$RADDB/mods-enabled/mfa"
check_refused "approve = yes needs mode = challenge"
cp "$T/mods-mfa" "$RADDB/mods-enabled/mfa"
sed -i '/mode = append/a\	approve = yes' "$RADDB/mods-enabled/mfa"
check_refused "approve = yes needs mode = challenge"
cp "$T/mods-mfa" "$RADDB/mods-enabled/mfa"

case_begin approve_without_web_url_refused_at_start
grep -v '^web_url' "$MFA_CONFIG" > "$T/noweb.conf"
sed -i "s|config = $MFA_CONFIG|config = $T/noweb.conf|" "$RADDB/mods-enabled/mfa"
check_refused "approve = yes needs web_url"
cp "$T/mods-mfa" "$RADDB/mods-enabled/mfa"

case_begin approve_with_a_short_challenge_timeout_refused_at_start
sed -i 's/challenge_timeout = .*/challenge_timeout = 20/' "$RADDB/mods-enabled/mfa"
check_refused "use challenge_timeout = 30 or more"
cp "$T/mods-mfa" "$RADDB/mods-enabled/mfa"

case_begin radiusd_starts_with_approve
raddb_start || fail "radiusd did not start"
[ -n "$RADIUSD_PID" ] || exit 1

case_begin wrong_password_no_challenge_no_approval
radius "$P_CHALLENGE" "User-Name = kim, User-Password = wrong"
rejected
grep -q "State" <<< "$OUT" && fail "a challenge after a wrong password: $OUT"
grep -q "Approve this" <<< "$OUT" && fail "an approval offered after a wrong password: $OUT"
audited kim requested && fail "an approval made after a wrong password"
true

case_begin key_only_user_approved_accepted
challenge "$P_CHALLENGE" kate
says "$LINK"
grep -qE "— number [0-9]{2} — then answer with an empty reply\.\"" <<< "$OUT" ||
	fail "no number or no 'empty reply' in: $TEXT"
grep -q "or type a code" <<< "$OUT" && fail "a key-only user told to type a code: $TEXT"
# "mfa:" + 32 hex of the challenge + 8 of the approval.
[ "${#STATE}" = $((2 + 2 * 44)) ] || fail "State of ${#STATE} characters: $STATE"
approve kate "$TEXT"
expect_rc 0
expect_err "for radius:127.0.0.1:"
radius "$P_CHALLENGE" "User-Name = kate, User-Password = \"\", State = $STATE"
accepted
audited kate requested || fail "no 'requested' in the audit"
audited kate consumed || fail "no 'consumed' in the audit"
grep '"outcome":"requested"' "$T/audit.json" | grep '"user":"kate"' | grep -q '"source":"radius:vpn-test"' ||
	fail "the approval does not name the RADIUS client: $(grep requested "$T/audit.json")"

case_begin state_answers_once
radius "$P_CHALLENGE" "User-Name = kate, User-Password = \"\", State = $STATE"
rejected
says "This sign-in was not approved (a wrong number, refused or expired): start again."

case_begin the_approval_names_the_callers_address
# What the page shows as "from": the user's address (Calling-Station-Id)
# when the NAS sends it, not the NAS's own.
radius "$P_CHALLENGE" "User-Name = kim, User-Password = hunter2, Calling-Station-Id = \"203.0.113.5\""
challenged
grep '"outcome":"requested"' "$T/audit.json" | grep '"user":"kim"' | grep -q '"remote":"203.0.113.5"' ||
	fail "the approval's address: $(grep requested "$T/audit.json" | grep kim)"

case_begin answer_before_approval_asks_again
challenge "$P_CHALLENGE" kate
first=$STATE text=$TEXT
radius "$P_CHALLENGE" "User-Name = kate, User-Password = \"\", State = $first"
challenged
says "Not approved yet: approve it on the page, then answer again."
[ "$(reply_state)" = "$first" ] || fail "another State: $(reply_state), was $first"
# Any text that is no code asks the same.
radius "$P_CHALLENGE" "User-Name = kate, User-Password = \"ok\", State = $first"
challenged
says "Not approved yet"
approve kate "$text"
expect_rc 0
radius "$P_CHALLENGE" "User-Name = kate, User-Password = \"\", State = $first"
accepted

case_begin wrong_number_refused
challenge "$P_CHALLENGE" kate
approve --wrong kate "$TEXT"
expect_rc 1
radius "$P_CHALLENGE" "User-Name = kate, User-Password = \"\", State = $STATE"
rejected
says "This sign-in was not approved"
audited kate denied || fail "no 'denied' in the audit"

case_begin another_users_state_refused_the_owner_still_gets_in
challenge "$P_CHALLENGE" kate
kate_state=$STATE kate_text=$TEXT
approve kate "$kate_text"
expect_rc 0
# kim answers with kate's State (approved): refused, kate's approval kept.
radius "$P_CHALLENGE" "User-Name = kim, User-Password = \"\", State = $kate_state"
rejected
says "This sign-in was not approved"
grep '"event":"approval"' "$T/audit.json" | grep '"user":"kate"' | grep -q "another user's" ||
	fail "the refusal is not audited"
radius "$P_CHALLENGE" "User-Name = kate, User-Password = \"\", State = $kate_state"
accepted

case_begin forged_state_refused
challenge "$P_CHALLENGE" kim
kim_state=$STATE
# The approval id swapped for another well-formed one, or cut off.
forged=${kim_state:0:$((${#kim_state} - 16))}3232323232323232
radius "$P_CHALLENGE" "User-Name = kim, User-Password = \"\", State = $forged"
rejected
radius "$P_CHALLENGE" "User-Name = kim, User-Password = \"\", State = ${kim_state:0:$((${#kim_state} - 2))}"
rejected
# The real one is untouched by either.
approve kim "$TEXT"
expect_rc 0
radius "$P_CHALLENGE" "User-Name = kim, User-Password = \"\", State = $kim_state"
accepted

case_begin state_from_another_nas_refused
challenge "$P_CHALLENGE" kim
approve kim "$TEXT"
expect_rc 0
radius "$P_CHALLENGE" "Packet-Src-IP-Address = 127.0.0.2, User-Name = kim, User-Password = \"\", State = $STATE"
rejected
says "This sign-in was not approved"
grep '"event":"approval"' "$T/audit.json" | grep '"user":"kim"' | grep -q "another requester's" ||
	fail "the refusal is not audited"
radius "$P_CHALLENGE" "User-Name = kim, User-Password = \"\", State = $STATE"
accepted

case_begin locked_key_user_no_approval
until=$(($(date +%s) + 600))
store_sql "INSERT INTO users(name, locked_until) VALUES('lena', $until) ON CONFLICT(name) DO UPDATE SET locked_until = $until" \
	"INSERT INTO mfa_users(name, locked_until) VALUES('lena', $until) ON CONFLICT(name) DO UPDATE SET locked_until = $until"
radius "$P_CHALLENGE" "User-Name = lena, User-Password = hunter2"
rejected
says "Too many failed attempts: try again in "
grep -q "State" <<< "$OUT" && fail "a challenge for a locked user: $OUT"
audited lena requested && fail "an approval made for a locked user"
"$MFACTL" unlock lena > /dev/null
challenge "$P_CHALLENGE" lena
says "$LINK"

case_begin code_and_key_user_may_type_the_code
challenge "$P_CHALLENGE" alice
says "$LINK"
grep -q "— then answer with an empty reply (or type a code)." <<< "$OUT" ||
	fail "a user with a code not told to type it: $TEXT"
alice_text=$TEXT
radius "$P_CHALLENGE" "User-Name = alice, User-Password = $(code "$ALICE"), State = $STATE"
accepted
# The State is used up: an approval given now lets nothing in.
approve alice "$alice_text"
radius "$P_CHALLENGE" "User-Name = alice, User-Password = \"\", State = $STATE"
rejected

case_begin code_and_key_user_approved
challenge "$P_CHALLENGE" alice
approve alice "$TEXT"
expect_rc 0
radius "$P_CHALLENGE" "User-Name = alice, User-Password = \"\", State = $STATE"
accepted
# The challenge went with the approval: a code on that State is refused.
radius "$P_CHALLENGE" "User-Name = alice, User-Password = $(code "$ALICE"), State = $STATE"
rejected

case_begin code_only_user_challenged_as_before
radius "$P_CHALLENGE" "User-Name = bob, User-Password = hunter2"
challenged
says "Enter the code from your authenticator app"
grep -q "Approve this" <<< "$OUT" && fail "an approval offered without a key: $OUT"
STATE=$(reply_state)
[ "${#STATE}" = $((2 + 2 * 36)) ] || fail "State of ${#STATE} characters: $STATE"
radius "$P_CHALLENGE" "User-Name = bob, User-Password = $(code "$BOB"), State = $STATE"
accepted

case_begin two_servers_challenge_at_a_answer_at_b
if on_pg; then
	# A second radiusd on the same PostgreSQL: the approval binds the NAS
	# and the challenge, nothing of the server that made it.
	A_PID=$RADIUSD_PID A_CHALLENGE=$P_CHALLENGE
	RADDB=$T/raddbB RADLOG=$T/radlogB RADRUN=$T/radrunB
	raddb_make $((base + 10))
	RADIUSD_PID=""
	raddb_start || fail "radiusd B did not start"
	B_CHALLENGE=$P_CHALLENGE
	challenge "$A_CHALLENGE" kim
	approve kim "$TEXT"
	expect_rc 0
	radius "$B_CHALLENGE" "User-Name = kim, User-Password = \"\", State = $STATE"
	accepted
	radius "$A_CHALLENGE" "User-Name = kim, User-Password = \"\", State = $STATE"
	rejected
else
	echo "  (PostgreSQL only)" >&2
fi

case_begin radiusd_log_clean
grep -qiE "segmentation|assert|panic" "$RADLOG/radius.log" && fail "$(grep -iE 'segmentation|assert|panic' "$RADLOG/radius.log")"
true
