#!/bin/bash
# test_hold_portal.sh - "Waiting sign-ins" of the portal (docs/mfa-web.md):
# approvals without a number made by RADIUS hold mode (approval_tool
# create-hold stands in for rlm_mfa), listed for their user only and
# approved with a passkey assertion (the software authenticator) over
# /api/me/approvals. Numbered approvals (PAM, challenge) are neither listed
# nor decided there.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib.sh"

TOOL=$ROOT/build/asan/approval_tool
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
REQ=radius-hold:192.0.2.1
"$MFACTL" init > /dev/null || fail "mfactl init"
"$MFACTL" enroll alice --secret "$SECRET" --no-confirm > /dev/null
web_mfad_start || { echo "not ok web/mfad_starts"; exit 1; }
web_start || { echo "not ok web/starts"; exit 1; }

# hold USER / numbered USER: an approval as hold mode / PAM would make: ID.
hold() { ID=$("$TOOL" create-hold "$1" radius:vpn-gw 198.51.100.7 "$REQ" | cut -d' ' -f1) || fail "create-hold"; }
numbered() { ID=$("$TOOL" create "$1" pam:sshd 192.0.2.7 host1 | cut -d' ' -f1) || fail "create"; }
sign() { passkey_sign "$W/alice.key" "/api/me/approvals/$1/begin"; }
finish() { req POST "/api/me/approvals/$1/finish" "{\"response\":$(cat "$W/assert")}"; }
listed() { req GET /api/me/approvals ""; expect_status 200; }

case_begin alice_signs_in_and_registers_a_passkey
signin alice "$ALICE_PW"
req POST /api/signin/code "{\"code\":\"$(totp "$SECRET")\"}"
expect_status 200
passkey_add "$W/alice.key" "alice key"

case_begin waiting_sign_ins_listed_for_their_user_only
listed
[ "$(jget approvals)" = "[]" ] || fail "something waits already: $BODY"
hold alice
HOLD=$ID
numbered alice
NUMBERED=$ID
hold bob
BOBS=$ID
listed
[ "$("$PY" -c 'import json,sys; print(len(json.loads(sys.argv[1])["approvals"]))' "$BODY")" = 1 ] ||
	fail "not alice's one waiting sign-in: $BODY"
expect_body "\"id\":\"$HOLD\""
expect_body '"service":"radius:vpn-gw"'
expect_body '"remote":"198.51.100.7"'
expect_body '"expires"'
grep -q "$NUMBERED\|$BOBS\|number\|choices" <<< "$BODY" && fail "more than alice's waiting sign-in: $BODY"

case_begin session_and_token_required
c=$COOKIE t=$CSRF
COOKIE="" CSRF=""
req GET /api/me/approvals ""
expect_status 401
COOKIE=$c
req POST "/api/me/approvals/$HOLD/begin" '{}'
expect_status 403
CSRF=$t

case_begin numbered_and_other_users_approvals_not_decided_here
for id in "$NUMBERED" "$BOBS" ZZZZZZZZ; do
	req POST "/api/me/approvals/$id/begin" '{}'
	expect_status 404
	expect_body "This sign-in is no longer waiting: connect again."
done
sign "$HOLD"
cp "$W/assert" "$W/assert.hold"
for id in "$NUMBERED" "$BOBS"; do
	finish "$id"
	expect_status 404
done
"$TOOL" consume alice "$NUMBERED" host1 2> /dev/null | grep -qi "not approved yet" ||
	fail "alice's numbered approval changed"
"$TOOL" consume bob "$BOBS" "$REQ" 2> /dev/null | grep -qi "not approved yet" || fail "bob's changed"

case_begin the_session_less_approval_page_does_not_know_a_hold_approval
# /a/ID takes no session: a hold approval (no number) must not be decided
# there with "number 0" and its user's key.
req GET "/api/approval/$HOLD"
expect_status 404
req POST "/api/approval/$HOLD/begin" '{}'
expect_status 404
"$TOOL" consume alice "$HOLD" "$REQ" 2> /dev/null | grep -qi "not approved yet" || fail "changed"

case_begin passkey_approves_the_waiting_sign_in_once
"$TOOL" consume alice "$HOLD" "$REQ" 2> /dev/null | grep -qi "not approved yet" || fail "approved before"
cp "$W/assert.hold" "$W/assert"
finish "$HOLD"
expect_status 200
[ "$(jget approved)" = True ] || fail "not approved: $BODY"
expect_body "Approved: your connection goes ahead."
finish "$HOLD"
expect_status 404
listed
[ "$(jget approvals)" = "[]" ] || fail "still listed: $BODY"
"$TOOL" consume alice "$HOLD" "$REQ" > "$W/c1" || fail "hold mode could not consume it: $(cat "$W/c1")"
grep -q '"event":"approval","user":"alice".*"outcome":"approved".*for radius-hold:192.0.2.1' \
	"$W/store/audit.json" || fail "approval not audited"

case_begin refused_key_denies
hold alice
cp "$W/assert.hold" "$W/assert"      # an old assertion: another challenge
finish "$ID"
expect_status 401
"$TOOL" consume alice "$ID" "$REQ" > /dev/null 2>&1 && fail "consumed after a refused key"
listed
[ "$(jget approvals)" = "[]" ] || fail "a denied one still listed: $BODY"
web_clean || fail "sanitizer reports in $WEB_LOG"
