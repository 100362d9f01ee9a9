#!/bin/bash
# test_device.sh - known devices (docs/mfa-web.md): a browser that signed
# in fully gets a known-device cookie; mfad counts the wrong passwords
# typed on it apart from everyone else's, so a stranger who types wrong
# passwords for alice locks out only browsers she never signed in with.
# The cookie opens nothing by itself, is bound to its user and cannot be
# changed; the known budget is bounded too.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib.sh"

SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
BOB_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
"$MFACTL" init > /dev/null || fail "mfactl init"
"$MFACTL" enroll alice --secret "$SECRET" --no-confirm > /dev/null
"$MFACTL" enroll bob --secret "$BOB_SECRET" --no-confirm > /dev/null
# Behind a proxy, so that each party has its own address (and the
# portal's per-address limits stay out of the way of mfad's per-user one).
echo "web_behind_proxy = yes" >> "$MFA_CONFIG"
web_mfad_start || { echo "not ok web/mfad_starts"; exit 1; }
web_start || { echo "not ok web/starts"; exit 1; }
from() { echo "X-Forwarded-For: 198.51.100.$1"; }
LOCKED="Too many wrong passwords for this name"

case_begin device_cookie_set_after_the_factor_only
signin alice "$ALICE_PW" -H "$(from 7)"
expect_status 200
[ -z "$DEVICE" ] || fail "a known-device cookie after the password alone: $DEVICE"
req POST /api/signin/code "{\"code\":\"$(totp "$SECRET")\"}" -H "$(from 7)"
expect_status 200
[ "$(jget session.stage)" = signed_in ] || fail "not signed in: $BODY"
# Behind a proxy (TLS there), so __Host- and Secure, as the session's.
grep -q '^__Host-mfa-device=[0-9a-f]\{48\}$' <<< "$DEVICE" || fail "no known-device cookie: $HEADERS"
expect_header "Set-Cookie: $DEVICE; Path=/; HttpOnly; SameSite=Strict; Max-Age=7776000; Secure"
ALICE_DEVICE=$DEVICE
# The cookie is not a session: alone it opens nothing.
COOKIE="" CSRF=""
req GET /api/me ""
expect_status 401
DEVICE=""
signin bob "$BOB_PW" -H "$(from 8)"
req POST /api/signin/code "{\"code\":\"$(totp "$BOB_SECRET")\"}" -H "$(from 8)"
expect_status 200
BOB_DEVICE=$DEVICE
[ -n "$BOB_DEVICE" ] && [ "$BOB_DEVICE" != "$ALICE_DEVICE" ] || fail "bob's cookie: $BOB_DEVICE"

case_begin stranger_locks_out_only_unknown_browsers
DEVICE=""
for i in 1 2 3 4 5; do
	signin alice "wrong-$i" -H "$(from 66)"
	expect_status 401
done
# alice in a browser she never signed in with: refused for a minute.
signin alice "$ALICE_PW" -H "$(from 9)"
expect_status 429
expect_body "$LOCKED"
grep -q 'password of user alice .*refused without PAM, 5 failed checks in 60 s$' "$MFAD_LOG" ||
	fail "not logged: $(tail -n 3 "$MFAD_LOG")"
# In the browser she signed in with: in, and the factor still asked.
DEVICE=$ALICE_DEVICE
signin alice "$ALICE_PW" -H "$(from 7)"
expect_status 200
[ "$(jget session.stage)" = password ] || fail "stage $(jget session.stage): $BODY"
grep '"event":"password"' "$W/store/audit.json" | grep '"user":"alice"' | tail -n 1 |
	grep -q '"outcome":"accepted".*from a known device' || fail "not audited as a known device"

case_begin device_cookie_bound_to_its_user_and_unforgeable
# bob's cookie, or alice's changed by one digit, is an unknown browser.
DEVICE=$BOB_DEVICE
signin alice "$ALICE_PW" -H "$(from 10)"
expect_status 429
t=${ALICE_DEVICE: -1}
[ "$t" = 0 ] && t=1 || t=0
DEVICE=${ALICE_DEVICE%?}$t
signin alice "$ALICE_PW" -H "$(from 11)"
expect_status 429
DEVICE="__Host-mfa-device=not-a-token"
signin alice "$ALICE_PW" -H "$(from 12)"
expect_status 429

case_begin known_devices_have_a_bounded_budget_too
DEVICE=$ALICE_DEVICE
for i in 1 2 3 4 5; do
	signin alice "wrong-known-$i" -H "$(from 13)"
	expect_status 401
done
signin alice "$ALICE_PW" -H "$(from 13)"
expect_status 429
expect_body "$LOCKED"
grep -q 'refused without PAM, 5 failed checks in 60 s on known devices' "$MFAD_LOG" ||
	fail "not logged: $(tail -n 3 "$MFAD_LOG")"
# bob, meanwhile, is not touched by any of it.
DEVICE=""
signin bob "$BOB_PW" -H "$(from 14)"
expect_status 200

case_begin device_no_token_in_logs
for f in "$WEB_LOG" "$MFAD_LOG" "$W/store/audit.json"; do
	grep -q -- "${ALICE_DEVICE#*=}\|${BOB_DEVICE#*=}" "$f" && fail "a token is in $f"
done

case_begin device_stops_cleanly_without_sanitizer_reports
web_stops_clean
