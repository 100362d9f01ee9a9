#!/bin/bash
# test_radius_browser.sh - a RADIUS passkey approval end to end: a real
# FreeRADIUS in challenge mode with approve = yes (radclient as the VPN
# gateway), the portal (mfa-web, ASan build) on the same store, and headless
# Chromium whose virtual authenticator holds the user's passkey
# (tests/web/approve_browser.mjs: registered through an invite link, then
# used on the /a/ID page the Access-Challenge's Reply-Message links to).
# The answer with the State is accepted once approved, and only then.
. "$(dirname "$0")/../cli/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../webauthn/browser_env.sh"
CHALLENGE_APPROVE=yes
. "$HERE/raddb.sh"
SUITE=radius
why=$(browser_ready) || { echo "skip radius/browser_approval: $why"; exit 0; }
WEB_BIN=$ROOT/build/asan/mfa-web
APPROVE="node $HERE/../web/approve_browser.mjs --chromium $CHROMIUM"
WEB_PORT=$(free_port) || { echo "not ok radius/browser_approval: no free port"; exit 1; }
WEB_URL=http://localhost:$WEB_PORT
[ -x "$WEB_BIN" ] || { echo "not ok radius/browser_approval: $WEB_BIN is not built"; exit 1; }

audited() { grep '"event":"approval"' "$T/audit.json" | grep "\"user\":\"$1\"" | grep -q "\"outcome\":\"$2\""; }

# The portal drops root for nobody, who reaches key and store through nogroup.
chmod 755 "$T"
cat >> "$MFA_CONFIG" <<CONF
group = nogroup
web_user = nobody
web_listen = 127.0.0.1:$WEB_PORT
web_url = $WEB_URL
webauthn_rp_id = localhost
webauthn_origins = $WEB_URL
CONF
"$MFACTL" init > /dev/null || fail "init"
chgrp nogroup "$MFA_CONFIG" && chmod 0640 "$MFA_CONFIG"
WEB_LOG=$T/web.log
# mfad is not needed: the invite link and the approval page take no password.
"$WEB_BIN" --config "$MFA_CONFIG" --socket "$T/no-mfad.sock" 2>> "$WEB_LOG" &
WEB_PID=$!
trap 'kill -TERM $WEB_PID 2> /dev/null; wait $WEB_PID 2> /dev/null; raddb_stop; case_end; rm -rf "$T"; exit "$ANY_FAILED"' EXIT
for _ in $(seq 100); do
	grep -q serving "$WEB_LOG" && break
	kill -0 "$WEB_PID" 2> /dev/null || break
	sleep 0.1
done
grep -q serving "$WEB_LOG" || { echo "not ok radius/browser_approval: mfa-web: $(tail -n 5 "$WEB_LOG")"; exit 1; }
base=$((30000 + RANDOM % 20000))
raddb_make "$base"
raddb_start || { echo "not ok radius/browser_approval: radiusd did not start"; exit 1; }

case_begin passkey_registered_in_the_browser
link=$("$MFACTL" invite vpnkate | tail -n 1)
run $APPROVE register --cred "$T/kate.json" "$link"
expect_rc 0
[ -s "$T/kate.json" ] || fail "no passkey file"

# challenge_for_vpnkate: password sent, Access-Challenge back; its State in
# STATE, the page's link and the number from its Reply-Message in url, num.
challenge_for_vpnkate() {
	radius "$P_CHALLENGE" "User-Name = vpnkate, User-Password = hunter2"
	challenged
	STATE=$(reply_state)
	TEXT=$(message)
	url=$(sed -n 's|.*open \(http://[^ ]*/a/[A-Z0-9]*\) .*|\1|p' <<< "$TEXT")
	num=$(sed -n 's|.*— number \([0-9]*\) —.*|\1|p' <<< "$TEXT")
}

case_begin challenge_approved_in_chromium_then_accepted
challenge_for_vpnkate
[ -n "$url" ] && [ -n "$num" ] || fail "no link or number in '$TEXT'"
# Before the approval: asked again, never let in.
radius "$P_CHALLENGE" "User-Name = vpnkate, User-Password = \"\", State = $STATE"
challenged
grep -q "Not approved yet" <<< "$OUT" || fail "before the approval: $OUT"
run $APPROVE approve --cred "$T/kate.json" "$url" "$num"
expect_rc 0
expect_out "Approved: go back to your sign-in."
radius "$P_CHALLENGE" "User-Name = vpnkate, User-Password = \"\", State = $STATE"
accepted
audited vpnkate approved || fail "approved: not audited"
audited vpnkate consumed || fail "consumed: not audited"
# The same State again: used.
radius "$P_CHALLENGE" "User-Name = vpnkate, User-Password = \"\", State = $STATE"
rejected

case_begin wrong_number_in_chromium_is_refused
challenge_for_vpnkate
run $APPROVE approve --cred "$T/kate.json" --wrong "$url" "$num"
expect_rc 1
radius "$P_CHALLENGE" "User-Name = vpnkate, User-Password = \"\", State = $STATE"
rejected
grep -q "This sign-in was not approved" <<< "$OUT" || fail "the refusal: $OUT"
audited vpnkate denied || fail "denied: not audited"

case_begin the_portal_stays_clean
kill -TERM "$WEB_PID" 2> /dev/null
wait "$WEB_PID" 2> /dev/null
grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error' "$WEB_LOG" && fail "sanitizer: $(grep -A5 Sanitizer "$WEB_LOG" | head)"
true
