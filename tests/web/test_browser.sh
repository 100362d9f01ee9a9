#!/bin/bash
# test_browser.sh - the portal end to end in headless Chromium (portal.mjs):
# the real page of build/asan/mfa-web on http://localhost (a secure context,
# so WebAuthn works), passkeys from a CDP virtual authenticator, codes from
# oathtool, each step checked on the page and in the store. Uses the WebAuthn
# tests' harness (tests/webauthn/browser: playwright-core, Debian's chromium).
# MFA_SCREENSHOTS=1 also writes the docs' screenshots to docs/images/.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../cli/lib.sh"
. "$HERE/lib.sh"
. "$HERE/../webauthn/browser_env.sh"

CAROL_SECRET=KRUGS4ZANFZSAYJAORSXG5BAONSWG4TF
BOB_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP

case_begin browser_harness_ready
why=$(browser_ready) || fail "$why"
command -v oathtool > /dev/null || fail "no oathtool (apt-get install oathtool)"
[ -x "$ROOT/build/mfa-web" ] || fail "no $ROOT/build/mfa-web (make)"
# Nothing below can run without these.
[ "$CASE_FAILED" -eq 0 ] || exit 1

case_begin browser_portal_starts
"$MFACTL" init > /dev/null || fail "mfactl init"
web_mfad_start || fail "mfad did not start"
web_start || fail "mfa-web did not start"
[ "$CASE_FAILED" -eq 0 ] || exit 1

shots=()
[ "${MFA_SCREENSHOTS:-0}" = 1 ] && mkdir -p "$ROOT/docs/images" && shots=(--shots "$ROOT/docs/images")
# portal FLOW PASSWORD ARGS...: one run of portal.mjs, which prints its own
# ok / not ok lines (SUITE/browser_*); then a case for how it ended.
portal() {
	local flow=$1 pw=$2 start rc
	shift 2
	case_end
	start=$(date +%s)
	PORTAL_PASSWORD=$pw timeout 120 node "$HERE/portal.mjs" --flow "$flow" --url "http://localhost:$WEB_PORT" \
		--mfactl "$MFACTL" --config "$MFA_CONFIG" --suite "$SUITE" --chromium "$CHROMIUM" "${shots[@]}" "$@"
	rc=$?
	echo "portal.mjs --flow $flow: exit $rc after $(($(date +%s) - start)) s" >&2
	case_begin "browser_${flow}_run_complete"
	case $rc in
	0) ;;
	124) fail "portal.mjs timed out" ;;
	*) fail "portal.mjs exited $rc" ;;
	esac
}

# A user from the invite to deleting her data, on the ASan build.
portal user "$ALICE_PW" --user alice --approval-tool "$ROOT/build/asan/approval_tool"

case_begin browser_portal_stops_cleanly
web_stop
[ "${WEB_RC:-1}" -eq 0 ] || fail "mfa-web exit status $WEB_RC"
web_clean || fail "sanitizer report: $(grep -A5 'Sanitizer\|runtime error' "$WEB_LOG" | head -20)"

# Support staff: carol (group mfa-support through nss_wrapper, so the plain
# build) unlocks bob and invites dave, who opens the link in his own browser.
case_begin browser_staff_setup
"$MFACTL" enroll carol --secret "$CAROL_SECRET" --no-confirm --no-qr --label "carol phone" > /dev/null || fail "enroll carol"
"$MFACTL" enroll bob --secret "$BOB_SECRET" --no-confirm --no-qr --label "bob phone" > /dev/null || fail "enroll bob"
for _ in 1 2 3 4 5; do "$MFACTL" verify bob 000000 > /dev/null 2>&1; done
"$MFACTL" list bob | grep -qi locked || fail "bob not locked"
WEB_NSS=1 web_start || fail "mfa-web did not start with the staff group"
[ "$CASE_FAILED" -eq 0 ] || exit 1

portal staff "$CAROL_PW" --user carol --secret "$CAROL_SECRET" --locked bob --invitee dave

case_begin browser_staff_actions_audited
grep -q '"event":"unlock".*"user":"bob".*"source":"web:staff:carol"\|"user":"bob".*"event":"unlock".*"source":"web:staff:carol"' \
	"$W/store/audit.json" || fail "bob's unlock not audited with carol as actor"

case_begin browser_no_secret_in_logs
for f in "$WEB_LOG" "$MFAD_LOG" "$W/store/audit.json"; do
	grep -q -- "$ALICE_PW\|$CAROL_PW" "$f" && fail "a password is in $f"
done
web_stop
