#!/bin/bash
# test_signin.sh - "Get a sign-in code" (docs/approvals.md, "Sign-in
# codes") over HTTP with curl: a signed-in user with a passkey signs with it
# once more (the software authenticator) and gets a code that logs in once
# (mfactl verify, as a VPN's server would check it); no code without a fresh
# assertion, none for a user without a passkey.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib.sh"

SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
BOB_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
"$MFACTL" init > /dev/null || fail "mfactl init"
"$MFACTL" enroll alice --secret "$SECRET" --no-confirm > /dev/null
"$MFACTL" enroll bob --secret "$BOB_SECRET" --no-confirm > /dev/null
web_mfad_start || { echo "not ok web/mfad_starts"; exit 1; }
web_start || { echo "not ok web/starts"; exit 1; }

# sign PATH: the options begin gives, signed by alice's key, in $W/assert.
sign() { passkey_sign "$W/alice.key" "$1"; }
finish() { req POST /api/me/signin-code/finish "{\"response\":$(cat "$W/assert")}"; }

case_begin alice_keeps_only_a_passkey
signin alice "$ALICE_PW"
req POST /api/signin/code "{\"code\":\"$(totp "$SECRET")\"}"
expect_status 200
passkey_add "$W/alice.key" "alice key"
req GET /api/me ""
app=$("$PY" -c 'import json,sys; print([f["id"] for f in json.loads(sys.argv[1])["factors"] if f["type"] == "app"][0])' "$BODY")
req POST /api/factors/remove "{\"id\":\"$app\"}"
expect_status 200
# A key-only user: no code is taken before there is a sign-in code.
run "$MFACTL" verify alice 123456
expect_rc 1

case_begin page_has_the_button
req GET / ""
expect_status 200
grep -q 'id="signin-code-get"' <<< "$BODY" || fail "no 'Get a sign-in code' button"
grep -q 'Get a sign-in code' <<< "$BODY" || fail "the button has no text"

case_begin passkey_gives_a_code_that_logs_in_once
sign /api/me/signin-code/begin
cp "$W/assert" "$W/assert.used"
finish
expect_status 200
CODE=$(jget code)
[[ $CODE =~ ^[0-9]{6}$ ]] || fail "not a 6-digit code: $BODY"
expires=$(jget expires)
now=$(date +%s)
[ "$((expires - now))" -gt 280 ] && [ "$((expires - now))" -le 300 ] ||
	fail "expires in $((expires - now)) s, not 5 minutes: $BODY"
expect_body "Type this code where your VPN asks for a code, within 5 minutes. It works once."
expect_header "Cache-Control: no-store"
run "$MFACTL" verify alice "$CODE"
expect_rc 0
run "$MFACTL" verify alice "$CODE"
expect_rc 1
grep -q '"event":"signin-code","user":"alice","source":"web","outcome":"created"' \
	"$W/store/audit.json" || fail "creation not audited"
grep -q '"event":"verify","user":"alice".*"outcome":"accepted","factor":"signin-code"' \
	"$W/store/audit.json" || fail "the login does not name the sign-in code"

case_begin no_code_without_a_fresh_assertion
# The assertion used already (its challenge is gone): refused, no code.
cp "$W/assert.used" "$W/assert"
finish
expect_status 401
[ -z "$(jget code)" ] || fail "a code for an old assertion: $BODY"
req POST /api/me/signin-code/finish '{}'
expect_status 400
req POST /api/me/signin-code/finish '{"response":{"id":"x"}}'
expect_status 400
[ -z "$(jget code)" ] || fail "a code without an assertion: $BODY"
# Another user's key does not make alice's code either: bob has none.

case_begin a_new_code_replaces_the_old
sign /api/me/signin-code/begin
finish
expect_status 200
OLD=$(jget code)
sign /api/me/signin-code/begin
finish
expect_status 200
NEW=$(jget code)
if [ "$OLD" != "$NEW" ]; then
	run "$MFACTL" verify alice "$OLD"
	expect_rc 1
fi
run "$MFACTL" verify alice "$NEW"
expect_rc 0

case_begin no_session_no_csrf_no_code
saved_cookie=$COOKIE saved_csrf=$CSRF
COOKIE="" CSRF=""
req POST /api/me/signin-code/begin '{}'
expect_status 401
COOKIE=$saved_cookie CSRF=""
req POST /api/me/signin-code/begin '{}'
expect_status 403
CSRF=$saved_csrf
# Not JSON (a form another site could post): refused.
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" \
	-H 'Content-Type: text/plain' --data-binary '{}' "$WEB_URL/api/me/signin-code/begin")
expect_status 403

case_begin user_without_a_passkey_is_told_why
signin bob "$BOB_PW"
req POST /api/signin/code "{\"code\":\"$(totp "$BOB_SECRET")\"}"
expect_status 200
req POST /api/me/signin-code/begin '{}'
expect_status 404
expect_body "No passkey or security key is registered for this account: sign-in codes are for accounts that sign in with one."
# alice's assertion, sent in bob's session: not bob's, no code.
finish
[ "$STATUS" != 200 ] || fail "bob got a code with alice's assertion: $BODY"
[ -z "$(jget code)" ] || fail "a code for bob: $BODY"
grep -q '"event":"signin-code","user":"bob"' "$W/store/audit.json" && fail "a code was made for bob"

case_begin an_invite_holder_gets_none
# The invite's session may set up a first factor only.
run "$MFACTL" invite dave
url=$(grep -o 'http[^ ]*invite#[A-Za-z0-9_-]*' <<< "$OUT")
COOKIE="" CSRF=""
req POST /api/invite "{\"token\":\"${url#*#}\"}"
expect_status 200
req POST /api/me/signin-code/begin '{}'
expect_status 403

case_begin rate_limited_per_user
signin alice "$ALICE_PW"
sign /api/signin/passkey/begin
req POST /api/signin/passkey/finish "{\"response\":$(cat "$W/assert")}"
expect_status 200
for _ in $(seq 11); do
	req POST /api/me/signin-code/begin '{}'
done
expect_status 429

case_begin no_code_in_logs
for f in "$WEB_LOG" "$MFAD_LOG"; do
	grep -qw -- "$CODE\|$NEW" "$f" && fail "a sign-in code is in $f"
done
grep -q "sign-in code for alice made from" "$WEB_LOG" || fail "the code's making is not logged"
grep -qw -- "$CODE\|$NEW" "$W/store/audit.json" && fail "a sign-in code is in the audit"

case_begin stops_cleanly_without_sanitizer_reports
web_stops_clean
