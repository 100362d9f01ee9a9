#!/bin/bash
# test_web.sh - mfa-web over HTTP with curl (the browser tests drive the
# same API from Chromium): the ASan build, as nobody, on 127.0.0.1; passwords
# checked by mfad through PAM (pam_matrix); codes computed by oathtool.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib.sh"

SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
BOB_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
"$MFACTL" init > /dev/null || fail "mfactl init"
"$MFACTL" enroll alice --secret "$SECRET" --no-confirm --label "alice phone" > /dev/null
"$MFACTL" enroll bob --secret "$BOB_SECRET" --no-confirm > /dev/null
web_mfad_start || { echo "not ok web/mfad_starts"; exit 1; }

case_begin refuses_plain_http_off_loopback
run "$WEB_BIN" --config "$MFA_CONFIG" --listen "0.0.0.0:$WEB_PORT"
[ "$RC" -ne 0 ] || fail "served plain HTTP on every address"
expect_err "refusing plain HTTP"

case_begin refuses_to_serve_as_root
grep -v '^web_user' "$MFA_CONFIG" > "$W/root.conf"
run "$WEB_BIN" --config "$W/root.conf"
[ "$RC" -ne 0 ] || fail "served as root"
expect_err "set web_user"

case_begin starts_and_drops_root
web_start || fail "did not start"
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$WEB_PID/status" 2> /dev/null)
[ "$uid" = "$(id -u nobody)" ] || fail "runs as uid '$uid', not nobody"

case_begin page_has_security_headers
req GET / ""
expect_status 200
expect_header "Content-Security-Policy: default-src 'none'; script-src 'self'"
expect_header "X-Frame-Options: DENY"
expect_header "X-Content-Type-Options: nosniff"
expect_header "Referrer-Policy: no-referrer"
grep -q '<script src="/app.js"' <<< "$BODY" || fail "page without its script"
grep -qi '<script>' <<< "$BODY" && fail "inline script in the page"
req GET /app.js ""
expect_header "Content-Type: text/javascript"
req GET /no-such-file ""
expect_status 404

case_begin wrong_password_and_unknown_user_look_alike
signin alice wrong-password
expect_status 401
wrong=$BODY
signin nosuchuser wrong-password
expect_status 401
[ "$BODY" = "$wrong" ] || fail "unknown user answered differently: $BODY / $wrong"
[ -z "$COOKIE" ] || fail "a session for a wrong password"

case_begin signin_with_password_and_code
signin alice "$ALICE_PW"
expect_status 200
expect_header "HttpOnly"
expect_header "SameSite=Strict"
[ "$(jget session.stage)" = password ] || fail "stage $(jget session.stage)"
grep -q '"code"' <<< "$(jget methods)" || fail "no code method: $BODY"
first_cookie=$COOKIE
# The factor cannot be skipped by calling the API directly.
req GET /api/me ""
expect_status 401
req GET /api/export ""
expect_status 401
# Without the CSRF token: refused.
saved=$CSRF CSRF=""
req POST /api/signin/code "{\"code\":\"$(totp "$SECRET")\"}"
expect_status 403
CSRF=$saved
req POST /api/signin/code "{\"code\":\"$(totp "$SECRET")\"}"
expect_status 200
[ "$(jget session.stage)" = signed_in ] || fail "not signed in: $BODY"
[ "$COOKIE" != "$first_cookie" ] || fail "the session id did not change at sign-in"
alice_cookie=$COOKIE alice_csrf=$CSRF
req GET /api/me ""
expect_status 200
expect_body '"label":"alice phone"'
[ "$(jget signins.0.source)" = web ] && [ "$(jget signins.0.outcome)" = accepted ] ||
	fail "the sign-in is not the first of the last sign-ins: $BODY"
# The id from before sign-in is worth nothing now.
COOKIE=$first_cookie
req GET /api/me ""
expect_status 401
COOKIE=$alice_cookie
grep -q '"outcome":"accepted".*"source":"web"\|"source":"web".*"outcome":"accepted"' "$W/store/audit.json" ||
	fail "sign-in not audited with source web"

case_begin used_code_refused_at_next_signin
code=$(totp "$SECRET")
signin alice "$ALICE_PW"
req POST /api/signin/code "{\"code\":\"$code\"}"
expect_status 401
expect_body "already used"
COOKIE=$alice_cookie CSRF=$alice_csrf

case_begin another_sessions_csrf_refused
signin bob "$BOB_PW"
req POST /api/signin/code "{\"code\":\"$(totp "$BOB_SECRET")\"}"
expect_status 200
bob_cookie=$COOKIE bob_csrf=$CSRF
COOKIE=$alice_cookie CSRF=$bob_csrf
req POST /api/recovery "{}"
expect_status 403
COOKIE=$alice_cookie CSRF=$alice_csrf

case_begin add_an_authenticator_app
req POST /api/factors/app/begin '{"label":"second phone"}'
expect_status 200
new_secret=$(jget secret)
[ -n "$new_secret" ] || fail "no secret: $BODY"
grep -q '^otpauth://totp/' <<< "$(jget uri)" || fail "no otpauth link: $BODY"
grep -q '^<svg ' <<< "$(jget qr_svg)" || fail "no SVG QR code"
req POST /api/factors/app/confirm '{"code":"000000"}'
expect_status 401
req POST /api/factors/app/confirm "{\"code\":\"$(totp "$new_secret")\"}"
expect_status 200
run "$MFACTL" list alice
expect_out "second phone"
grep -q "$new_secret" "$WEB_LOG" "$W/store/audit.json" && fail "the secret is in a log"

case_begin rename_and_remove
req GET /api/me ""
id=$(jget factors.1.id)
[ -n "$id" ] || fail "no second factor: $BODY"
req POST /api/factors/rename "{\"id\":\"$id\",\"label\":\"old phone\"}"
expect_status 200
run "$MFACTL" list alice
expect_out "old phone"
req POST /api/factors/remove "{\"id\":\"$id\"}"
expect_status 200
run "$MFACTL" list alice
grep -q "old phone" <<< "$OUT" && fail "removed factor still listed"
# Its codes open nothing any more.
saved_cookie=$COOKIE saved_csrf=$CSRF
signin alice "$ALICE_PW"
req POST /api/signin/code "{\"code\":\"$(totp "$new_secret" 1)\"}"
expect_status 401
COOKIE=$saved_cookie CSRF=$saved_csrf
# The last one: not without a way back in.
req GET /api/me ""
last=$(jget factors.0.id)
req POST /api/factors/remove "{\"id\":\"$last\",\"confirm_last\":true}"
expect_status 409
expect_body "no recovery codes"
run "$MFACTL" list alice
expect_out "alice phone"

case_begin new_recovery_codes_shown_once
req POST /api/recovery "{}"
expect_status 200
rc0=$(jget codes.0) rc1=$(jget codes.1)
[ -n "$rc0" ] && [ -n "$(jget codes.9)" ] || fail "not ten codes: $BODY"
grep -q "$rc0" "$WEB_LOG" "$W/store/audit.json" && fail "a recovery code is in a log"
req GET /api/me ""
[ "$(jget recovery_left)" = 10 ] || fail "recovery_left $(jget recovery_left)"
# A recovery code signs in.
signin alice "$ALICE_PW"
req POST /api/signin/code "{\"code\":\"$rc0\"}"
expect_status 200
alice_cookie=$COOKIE alice_csrf=$CSRF

case_begin export_is_mfactl_export
req GET /api/export ""
expect_status 200
expect_header 'Content-Disposition: attachment'
"$MFACTL" export alice > "$W/cli-export.json"
"$PY" -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.loads(sys.argv[2]); sys.exit(a != b)' \
	"$W/cli-export.json" "$BODY" || fail "export differs from mfactl export: $BODY"

case_begin bad_requests_change_nothing
before=$(sqlite3 "$W/store/mfa.db" .dump | sha256sum)
req POST /api/factors/rename '{"id": "x", "label": '
expect_status 400
req POST /api/factors/rename '["not an object"]'
expect_status 400
req POST /api/factors/rename '{"id":"x","id":"y","label":"z"}'
expect_status 400
head -c 70000 /dev/zero | tr '\0' 'a' > "$W/big"
req POST /api/factors/rename "{\"label\":\"$(cat "$W/big")\"}"
expect_status 413
# Not JSON, or from another site: refused before anything is read.
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" \
	-d 'id=x&label=y' "$WEB_URL/api/factors/rename")
[ "$STATUS" = 403 ] || fail "form post answered $STATUS"
req POST /api/factors/rename '{"id":"x","label":"y"}' -H "Origin: https://evil.example"
expect_status 403
after=$(sqlite3 "$W/store/mfa.db" .dump | sha256sum)
[ "$before" = "$after" ] || fail "the store changed"

case_begin signout_ends_the_session
req POST /api/signout "{}"
expect_status 200
COOKIE=$alice_cookie
req GET /api/me ""
expect_status 401

case_begin mfad_down_says_unavailable
web_mfad_stop
signin alice "$ALICE_PW"
expect_status 503
expect_body "Verification is unavailable"
web_mfad_start || fail "mfad did not start again"
signin alice "$ALICE_PW"
expect_status 200

case_begin mfad_refusing_the_portal_is_unavailable_not_a_wrong_password
# mfad's web_user names another user: it refuses the portal's questions.
web_mfad_stop
sed 's/^web_user = .*/web_user = daemon/' "$MFA_CONFIG" > "$W/daemon.conf"
MFA_CONFIG=$W/daemon.conf web_mfad_start || fail "mfad did not start"
signin alice "$ALICE_PW"
expect_status 503
grep -q 'mfad did not check a password' "$WEB_LOG" || fail "not logged: $(tail -n 3 "$WEB_LOG")"
web_mfad_stop
web_mfad_start || fail "mfad did not start again"

case_begin reload_keeps_a_working_config
cp "$MFA_CONFIG" "$W/good.conf"
echo "no_such_setting = 1" >> "$MFA_CONFIG"
kill -HUP "$WEB_PID"
wait_for_log 'keeping the config in use' 1 || fail "bad config not reported: $(tail -n 3 "$WEB_LOG")"
req GET /api/session ""
expect_status 200
cp "$W/good.conf" "$MFA_CONFIG"
reloads=$(grep -c 'read again' "$WEB_LOG")
kill -HUP "$WEB_PID"
wait_for_log 'read again' $((reloads + 1)) || fail "good config not read"
# The file broken with no reload asked: the contexts opened from now on
# (20 requests at once) take the settings the last reload read.
signin alice "$ALICE_PW"
req POST /api/signin/code "{\"code\":\"$rc1\"}"
expect_status 200
echo "no_such_setting = 1" >> "$MFA_CONFIG"
timeout 60 ab -q -c 20 -n 200 -C "$COOKIE" "$WEB_URL/api/me" > "$W/ab.out" 2>&1 || fail "ab failed"
grep -q '^Failed requests: *0$' "$W/ab.out" && ! grep -q '^Non-2xx' "$W/ab.out" ||
	fail "requests failed with the file broken: $(grep '^\(Failed\|Non-2xx\)' "$W/ab.out")"
cp "$W/good.conf" "$MFA_CONFIG"

case_begin invite_sets_up_a_first_factor
run "$MFACTL" invite dave
expect_rc 0
url=$(tail -n 1 <<< "$OUT")
token=${url#*#}
[ "${url%%#*}" = "http://localhost:$WEB_PORT/invite" ] && [ ${#token} -ge 43 ] || fail "link: $url"
COOKIE="" CSRF=""
req POST /api/invite "{\"token\":\"$token\"}"
expect_status 200
[ "$(jget session.stage)" = invite ] || fail "stage: $BODY"
invite_cookie=$COOKIE
# An invite sets up a first factor, nothing else.
req GET /api/me ""
expect_status 403
req POST /api/recovery "{}"
expect_status 403
req POST /api/factors/app/begin '{"label":"dave phone"}'
expect_status 200
dave_secret=$(jget secret)
req POST /api/factors/app/confirm "{\"code\":\"$(totp "$dave_secret")\"}"
expect_status 200
[ -z "$COOKIE" ] || fail "the invite's session goes on after the first factor"
COOKIE=$invite_cookie
req GET /api/session ""
[ "$(jget session.stage)" != invite ] || fail "the invite's session still works"
# Then dave signs in as anyone does.
signin dave "$DAVE_PW"
req POST /api/signin/code "{\"code\":\"$(totp "$dave_secret" 1)\"}"
expect_status 200
# The link works once.
COOKIE="" CSRF=""
req POST /api/invite "{\"token\":\"$token\"}"
expect_status 401
expect_body "unknown, used or expired"
grep -q "$token" "$WEB_LOG" "$W/store/audit.json" && fail "the token is in a log"

case_begin invite_refused_when_expired_or_for_a_second_factor
run "$MFACTL" invite erin
url=$(tail -n 1 <<< "$OUT")
sqlite3 "$W/store/mfa.db" "UPDATE invites SET created = created - 100000, expires = created - 100000 + 3600" || fail "cannot age the invite"
req POST /api/invite "{\"token\":\"${url#*#}\"}"
expect_status 401
run "$MFACTL" invite alice
url=$(tail -n 1 <<< "$OUT")
COOKIE="" CSRF=""
req POST /api/invite "{\"token\":\"${url#*#}\"}"
expect_status 409
[ -z "$COOKIE" ] || fail "a session for an invite beside a factor"

case_begin support_staff
web_stop
WEB_NSS=1 web_start || fail "did not start with the staff group"
CAROL_SECRET=KRUGS4ZANFZSAYJAORSXG5BAONSWG4TF
"$MFACTL" enroll carol --secret "$CAROL_SECRET" --no-confirm > /dev/null
# Not staff: refused.
signin dave "$DAVE_PW"
req POST /api/signin/code "{\"code\":\"$(totp "$dave_secret" 1)\"}"
req POST /api/staff/user '{"user":"alice"}'
[ "$STATUS" = 200 ] && fail "dave is not staff"
[ "$STATUS" = 403 ] || [ "$STATUS" = 401 ] || fail "HTTP $STATUS for a non-member"
signin carol "$CAROL_PW"
req POST /api/staff/user '{"user":"alice"}'
expect_status 401
req POST /api/signin/code "{\"code\":\"$(totp "$CAROL_SECRET")\"}"
expect_status 200
[ "$(jget session.staff)" = True ] || fail "carol not staff: $BODY"
req POST /api/staff/user '{"user":"alice"}'
expect_status 200
[ -n "$(jget factors.0.id)" ] || fail "no factors: $BODY"
[ -n "$(jget trail.0.event)" ] || fail "no trail: $BODY"
grep -q '"event":"staff-view","user":"alice","source":"web:staff:carol"' "$W/store/audit.json" ||
	fail "looking at alice not audited"
# Lock alice out, then unlock her.
for i in 1 2 3 4 5; do "$MFACTL" verify alice 000000 > /dev/null; done
"$MFACTL" list alice | grep -qi locked || fail "alice not locked"
req POST /api/staff/unlock '{"user":"alice"}'
expect_status 200
"$MFACTL" list alice | grep -qi locked && fail "alice still locked"
grep -q '"event":"unlock".*"source":"web:staff:carol"' "$W/store/audit.json" ||
	fail "unlock not audited with carol as actor"
req POST /api/staff/invite '{"user":"frank","expires":"90m"}'
expect_status 200
grep -q "^http://localhost:$WEB_PORT/invite#" <<< "$(jget url)" || fail "no link: $BODY"
[ "$(jget expires_in)" = 5400 ] || fail "expires_in $(jget expires_in)"
req POST /api/staff/invite '{"user":"frank","expires":"soon"}'
expect_status 400
req POST /api/staff/recovery '{"user":"dave"}'
expect_status 200
[ -n "$(jget codes.9)" ] || fail "no codes: $BODY"
# Without the CSRF token: refused like any change.
CSRF=""
req POST /api/staff/unlock '{"user":"alice"}'
expect_status 403
web_stop
web_start || fail "did not start again"

case_begin delete_my_data
signin bob "$BOB_PW"
req POST /api/signin/code "{\"code\":\"$(totp "$BOB_SECRET" 1)\"}"
expect_status 200
req POST /api/delete '{"confirm":"alice"}'
expect_status 400
req POST /api/delete '{"confirm":"bob"}'
expect_status 200
run "$MFACTL" list bob
expect_out "bob has no factor"
[ "$(sqlite3 "$W/store/mfa.db" "SELECT count(*) FROM factors WHERE user = 'bob'")" = 0 ] ||
	fail "bob's factors still stored"
req GET /api/me ""
expect_status 401
COOKIE=$bob_cookie
req GET /api/me ""
expect_status 401

case_begin https_with_secure_cookies
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
	-keyout "$W/key.pem" -out "$W/cert.pem" 2> /dev/null || fail "openssl req"
chmod 0600 "$W/key.pem"   # root's only: read before root is dropped
web_restart_with "web_tls_cert = $W/cert.pem" "web_tls_key = $W/key.pem" || fail "no https"
plain_url=$WEB_URL
WEB_URL=https://127.0.0.1:$WEB_PORT
req GET / "" -k
expect_status 200
expect_header "Strict-Transport-Security: max-age="
signin alice "$ALICE_PW" -k
expect_status 200
grep -q '^__Host-mfa=' <<< "$COOKIE" || fail "cookie $COOKIE"
expect_header "; Secure"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' "$plain_url/") 
[ "$STATUS" = 200 ] && fail "plain HTTP answered on the HTTPS port"
WEB_URL=$plain_url

case_begin forwarded_address_believed_only_behind_a_proxy
web_restart_with "web_behind_proxy = yes" || fail "no proxy mode"
# Each address its own limit: 35 sign-ins from 35 addresses pass.
for i in $(seq 35); do
	signin "nouser$i" wrong -H "X-Forwarded-For: 198.51.100.$i"
	[ "$STATUS" = 401 ] || fail "sign-in $i from its own address: HTTP $STATUS"
done
# A client cannot choose its address: the proxy's (the last) counts.
for i in $(seq 31); do
	signin "other$i" wrong -H "X-Forwarded-For: 198.51.100.$i, 203.0.113.7"
done
expect_status 429
web_restart_with || fail "did not start again"

case_begin signin_rate_limited
# One name from one address: stopped, while other names still get answers.
for i in $(seq 11); do
	signin victim wrong
done
expect_status 429
signin someone-else wrong
expect_status 401
# One address, many names: stopped too.
for i in $(seq 31); do
	signin "user$i" wrong
done
expect_status 429
expect_body "Too many attempts"

case_begin no_password_in_logs
for f in "$WEB_LOG" "$MFAD_LOG" "$W/store/audit.json"; do
	grep -q -- "$ALICE_PW\|$BOB_PW" "$f" && fail "a password is in $f"
done

case_begin stops_cleanly_without_sanitizer_reports
web_stops_clean
