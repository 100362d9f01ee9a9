#!/bin/bash
# test_approval.sh - the approval page (docs/approvals.md) over HTTP with
# curl: approvals made by the core as a login would (approval_tool, in
# place of pam_mfa and rlm_mfa), decided through the portal's API with a
# passkey registered there and signed by the software authenticator.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib.sh"

TOOL=$ROOT/build/asan/approval_tool
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
"$MFACTL" init > /dev/null || fail "mfactl init"
"$MFACTL" enroll alice --secret "$SECRET" --no-confirm > /dev/null
web_mfad_start || { echo "not ok web/mfad_starts"; exit 1; }
web_start || { echo "not ok web/starts"; exit 1; }

# approval USER: a login's approval (service pam:sshd from 192.0.2.7, asked
# for by host1): ID and NUMBER.
approval() {
	local out
	out=$("$TOOL" create "$1" pam:sshd 192.0.2.7 host1) || fail "approval_tool create: $out"
	read -r ID NUMBER <<< "$out"
}
consume() { CONSUMED=$("$TOOL" consume "$1" "$2" host1 2> /dev/null); }
# sign ID: the approval's options from begin, signed by alice's key, in
# $W/assert.
sign() { passkey_sign "$W/alice.key" "/api/approval/$1/begin"; }
finish() { req POST "/api/approval/$1/finish" "{\"number\":$2,\"response\":$(cat "$W/assert")}"; }

case_begin alice_registers_a_passkey_in_the_portal
signin alice "$ALICE_PW"
req POST /api/signin/code "{\"code\":\"$(totp "$SECRET")\"}"
expect_status 200
passkey_add "$W/alice.key" "alice key"
COOKIE="" CSRF=""   # the approval page needs no session

case_begin link_serves_the_page
approval alice
req GET "/a/$ID" ""
expect_status 200
grep -q 'id="view-approval"' <<< "$BODY" || fail "the page has no approval view"
grep -qi '<script>' <<< "$BODY" && fail "inline script in the page"
expect_header "Content-Security-Policy: default-src 'none'; script-src 'self'"

case_begin page_shows_what_is_approved_not_who
req GET "/api/approval/$ID" ""
expect_status 200
[ "$(jget service)" = pam:sshd ] || fail "service: $BODY"
[ "$(jget remote)" = 192.0.2.7 ] || fail "remote: $BODY"
[ "$(jget state)" = pending ] || fail "state: $BODY"
choices=$(jget choices)
[ "$("$PY" -c 'import json,sys; c=json.loads(sys.argv[1]); print(len(c), len(set(c)))' "$choices")" = "4 4" ] ||
	fail "not four distinct choices: $choices"
grep -qw "$NUMBER" <<< "$choices" || fail "the number $NUMBER is not among $choices"
grep -q alice <<< "$BODY" && fail "the user's name before the assertion: $BODY"
grep -q '"number"' <<< "$BODY" && fail "the number is named: $BODY"
# Typed from a terminal: case does not matter.
req GET "/api/approval/${ID,,}" ""
expect_status 200
grep -q 'approval.*shown' "$W/store/audit.json" || fail "viewing it is not audited"

case_begin not_consumable_before_it_is_decided
consume alice "$ID"
grep -qi "not approved yet" <<< "$CONSUMED" || fail "consume before the decision: $CONSUMED"

case_begin right_number_and_key_approve_once
sign "$ID"
cp "$W/assert" "$W/assert.used"
finish "$ID" "$NUMBER"
expect_status 200
[ "$(jget approved)" = True ] || fail "not approved: $BODY"
expect_body "Approved: go back to your sign-in."
"$TOOL" consume bob "$ID" host1 > /dev/null 2>&1 && fail "another user consumed it"
"$TOOL" consume alice "$ID" other-host > /dev/null 2>&1 && fail "another requester consumed it"
"$TOOL" consume alice "$ID" host1 > "$W/c1" || fail "the login could not consume it: $(cat "$W/c1")"
"$TOOL" consume alice "$ID" host1 > /dev/null 2>&1 && fail "consumed twice"
# Decided: the page says so, and it cannot be decided again.
req GET "/api/approval/$ID" ""
[ "$(jget state)" = consumed ] || fail "state after use: $BODY"
req POST "/api/approval/$ID/begin" '{}'
expect_status 409

case_begin wrong_number_denies_for_good
approval alice
sign "$ID"
wrong=$("$PY" -c 'import json,sys; print([c for c in json.loads(sys.argv[1]) if c != int(sys.argv[2])][0])' \
	"$(req GET "/api/approval/$ID" ""; jget choices)" "$NUMBER")
finish "$ID" "$wrong"
expect_status 403
expect_body "Denied: that was not the number shown at your sign-in. Start again."
"$TOOL" consume alice "$ID" host1 > /dev/null 2>&1 && fail "a denied approval was consumed"
# The right number afterwards does not help.
req POST "/api/approval/$ID/begin" '{}'
expect_status 409
finish "$ID" "$NUMBER"
expect_status 409
"$TOOL" consume alice "$ID" host1 > /dev/null 2>&1 && fail "consumed after a wrong number"

case_begin refused_key_denies
approval alice
cp "$W/assert.used" "$W/assert"   # an old assertion: another challenge
finish "$ID" "$NUMBER"
expect_status 401
"$TOOL" consume alice "$ID" host1 > /dev/null 2>&1 && fail "consumed after a refused key"

case_begin not_webauthn_changes_nothing
approval alice
req POST "/api/approval/$ID/finish" "{\"number\":$NUMBER,\"response\":{\"id\":\"x\"}}"
expect_status 400
req POST "/api/approval/$ID/finish" "{\"number\":\"$NUMBER\",\"response\":{}}"
expect_status 400
# Not JSON (a form another site could post): refused before anything.
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' \
	--data-binary "{\"number\":$NUMBER,\"response\":$(cat "$W/assert.used")}" \
	"$WEB_URL/api/approval/$ID/finish")
expect_status 403
req GET "/api/approval/$ID" ""
[ "$(jget state)" = pending ] || fail "a bad request changed it: $BODY"
sign "$ID"
finish "$ID" "$NUMBER"
expect_status 200

case_begin unknown_and_malformed_ids
for id in 23456789 ZZZZZZZZ TOOLONGID1 "x%20y" ; do
	req GET "/api/approval/$id" ""
	expect_status 404
	expect_body "This approval link is unknown or has expired: start the sign-in again."
done
req POST /api/approval/23456789/begin '{}'
expect_status 404
sign_none=$(printf '{"number":10,"response":%s}' "$(cat "$W/assert.used")")
req POST /api/approval/23456789/finish "$sign_none"
expect_status 404

case_begin expired_is_gone
approval alice
sqlite3 "$W/store/mfa.db" \
	"update approvals set created = created - 300, expires = created - 299 where id = '$ID'" ||
	fail "cannot age the approval"
req GET "/api/approval/$ID" ""
expect_status 404
req POST "/api/approval/$ID/begin" '{}'
expect_status 404

case_begin lookups_are_rate_limited
for _ in $(seq 11); do
	req GET /api/approval/23456789 ""
done
expect_status 429

case_begin no_secret_number_or_response_in_logs
sig=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["response"]["signature"])' "$W/assert.used")
for f in "$WEB_LOG" "$MFAD_LOG"; do
	grep -qF -- "$sig" "$f" && fail "an assertion is in $f"
	grep -q -- "$SECRET\|$ALICE_PW" "$f" && fail "a secret is in $f"
	grep -qiE '"number"|number [0-9]' "$f" && fail "a number is in $f: $(grep -i number "$f")"
done
grep -q "approved from" "$WEB_LOG" || fail "the approval is not logged"

case_begin stops_cleanly_without_sanitizer_reports
web_stops_clean
