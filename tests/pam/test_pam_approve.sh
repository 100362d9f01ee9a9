#!/bin/bash
# test_pam_approve.sh - passkey approvals at the PAM prompt (pam_mfa.so's
# option approve, through mfad; docs/approvals.md). approve_tool stands in
# for the portal: it decides the approval in the store as the page does
# after a good passkey assertion; pam_client runs it at the prompt (@cmd:)
# and then presses Enter. kate has a security key only, alice a TOTP app
# and a key, bob an app only.
# backends: sqlite pg
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../service/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLIENT=$ROOT/build/pam_client
APPROVE=$ROOT/build/approve_tool
WIRE=$ROOT/build/wire_client
ALICE=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
BOB=KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU
SOCK=$(mfad_sock mfa)
SVC=$T/svc
mkdir -p "$SVC"
echo "auth required pam_deny.so" > "$SVC/other"
echo "auth required $ROOT/build/pam_mfa.so socket=$SOCK after_password approve" > "$SVC/sshd"
echo "auth required $ROOT/build/pam_mfa.so socket=$SOCK after_password approve approve_timeout=3" > "$SVC/short"
echo "auth required $ROOT/build/pam_mfa.so socket=$SOCK max_tries=1" > "$SVC/plain"
pam() { run env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$SVC" "$CLIENT" "$@"; }
# approve [--wrong] USER: pam_client's answer that approves what the prompt shows.
approve() { echo "@cmd:$APPROVE $* \"\$PAM_PROMPT\""; }
audited() { grep "\"event\":\"approval\"" "$T/audit.json" | grep "\"user\":\"$1\"" | grep -q "\"outcome\":\"$2\""; }
HOST=$(hostname)

echo "web_url = https://mfa.example.com" >> "$MFA_CONFIG"
webauthn_config
"$MFACTL" init > /dev/null
"$MFACTL" enroll alice --secret "$ALICE" --no-confirm --no-qr > /dev/null
"$MFACTL" enroll bob --secret "$BOB" --no-confirm --no-qr > /dev/null
webauthn_register kate || { echo "not ok $SUITE/kate_has_a_key"; exit 1; }
webauthn_register alice || { echo "not ok $SUITE/alice_has_a_key"; exit 1; }
mfad_start mfa "$MFA_CONFIG" || { echo "not ok $SUITE/mfad_starts"; exit 1; }

case_begin approve_without_after_password_is_refused_at_start
echo "auth required $ROOT/build/pam_mfa.so socket=$SOCK approve" > "$SVC/early"
pam early kate "" ""
expect_out "result: PAM_SERVICE_ERR"
grep -q "Approve this" <<< "$OUT" && fail "an approval offered before the password: $OUT"
grep -q "approval" "$T/audit.json" 2>/dev/null && fail "an approval row: $(grep approval "$T/audit.json")"

case_begin without_approve_a_key_only_user_is_refused_as_before
pam plain kate 123456
expect_out "prompt: Verification code:"
expect_out "result: PAM_AUTH_ERR"
expect_out "error: Code not accepted."
grep -q "Approve this" <<< "$OUT" && fail "an approval offered without the option: $OUT"

case_begin approved_on_the_portal_logs_in
pam sshd kate "$(approve kate)"
expect_out "prompt: Approve this sign-in with your security key: open https://mfa.example.com/a/"
expect_out "— number "
expect_out "info: Sign-in approved."
expect_out "result: PAM_SUCCESS"
expect_err "approved"
expect_err "for pam:$HOST:sshd"
audited kate approved || fail "approved: not audited"
audited kate consumed || fail "consumed: not audited: $(tail -n 3 "$T/audit.json")"
grep '"outcome":"consumed"' "$T/audit.json" | grep -q "by pam:$HOST:sshd" ||
	fail "consumed by whom? $(grep consumed "$T/audit.json")"

case_begin wrong_number_is_refused
pam sshd kate "$(approve --wrong kate)"
expect_out "result: PAM_AUTH_ERR"
expect_out "error: This sign-in was not approved"
audited kate denied || fail "denied: not audited"

case_begin nobody_approves_refused_after_approve_timeout
start=$(date +%s)
pam short kate "" "@cmd:sleep 3.5" ""
expect_out "info: Not approved yet: approve it on the page, then press Enter."
expect_out "error: Not approved within 3 seconds: start the sign-in again."
expect_out "result: PAM_AUTH_ERR"
# The prompt came twice (Enter, then the wait): no third.
[ "$(grep -c "^prompt: Approve this" <<< "$OUT")" = 2 ] || fail "prompts: $OUT"
[ $(($(date +%s) - start)) -lt 15 ] || fail "took $(($(date +%s) - start)) s"

case_begin another_login_cannot_use_the_approval
# Approved for this login at sshd: consumed by another service on this host,
# or as another user, it is refused, and stays usable for the login that asked.
cat > "$T/steal.sh" <<-STEAL
	id=\$(sed 's|.*/a/\([A-Z0-9]*\).*|\1|' <<< "\$PAM_PROMPT")
	echo "\$id" > $T/id
	$APPROVE kate "\$PAM_PROMPT"
	$WIRE $SOCK kate - lock --op approval-poll --approval "\$id" > $T/steal1
	$WIRE $SOCK alice - sshd --op approval-poll --approval "\$id" > $T/steal2
	STEAL
pam sshd kate "@cmd:bash $T/steal.sh"
expect_out "result: PAM_SUCCESS"
grep -q "^status 0$" "$T/steal1" "$T/steal2" && fail "another login took it: $(cat "$T/steal1" "$T/steal2")"
grep -q "^text This sign-in was not approved" "$T/steal1" || fail "another service: $(cat "$T/steal1")"
grep -q "^text This sign-in was not approved" "$T/steal2" || fail "another user: $(cat "$T/steal2")"
# Used once: a second consume by the same login's service is refused too.
run "$WIRE" "$SOCK" kate - sshd --op approval-poll --approval "$(cat "$T/id")"
expect_out "action REFUSE"
grep '"outcome":"refused"' "$T/audit.json" | grep -q "$(cat "$T/id")" || fail "refusals not audited"

case_begin a_code_may_be_typed_instead
code=$(oathtool --totp -b "$ALICE")
pam sshd alice "$code"
expect_out "prompt: Approve this sign-in with your security key"
expect_out "then press Enter. Or type a code:"
expect_out "result: PAM_SUCCESS"
grep -q '"user":"alice".*"event":"verify".*"outcome":"accepted"\|"event":"verify".*"user":"alice".*"outcome":"accepted"' \
	"$T/audit.json" || fail "the code's login: not audited"
# A wrong code is refused as at the code prompt, and the prompt comes again.
pam sshd alice 000000 ""
expect_out "error: Wrong code."
expect_out "info: Not approved yet"
[ "$(grep -c "^prompt: Approve this" <<< "$OUT")" = 3 ] || fail "prompts: $OUT"

case_begin a_user_with_codes_only_is_asked_for_a_code
pam sshd bob "$(oathtool --totp -b "$BOB")"
expect_out "prompt: Verification code:"
expect_out "result: PAM_SUCCESS"
grep -q "Approve this" <<< "$OUT" && fail "an approval offered to a user without a key: $OUT"

case_begin begin_checks_the_caller
# A caller that is not root may ask only about its own name.
run setpriv --reuid=nobody --regid=nogroup --clear-groups "$WIRE" "$SOCK" kate - sshd --op approval-begin
expect_out "text Verification refused."
grep -q "^approval " <<< "$OUT" && fail "an approval for another user: $OUT"
# From root, only after the password: else a stranger would learn who has a
# passkey from the prompt and could create approvals.
run "$WIRE" "$SOCK" kate - sshd --op approval-begin
expect_out "text Verification refused."
grep -q "^approval " <<< "$OUT" && fail "an approval before the password: $OUT"
grep -q "approval asked before the password was checked" "$MFAD_DIR/mfa.log" || fail "not logged: $(tail -n 3 "$MFAD_DIR/mfa.log")"
run "$WIRE" "$SOCK" kate - sshd --op approval-begin --password-verified
expect_out "action ASK"
expect_out "approval "

case_begin without_web_url_no_approval_is_offered
grep -v '^web_url' "$MFA_CONFIG" > "$T/noweb.conf"
mfad_start noweb "$T/noweb.conf" || fail "mfad noweb starts"
echo "auth required $ROOT/build/pam_mfa.so socket=$(mfad_sock noweb) after_password approve max_tries=1" > "$SVC/noweb"
pam noweb kate 123456
expect_out "result: PAM_AUTH_ERR"
expect_out "error: This account signs in with a security key, which this login cannot ask for"
grep -q "Approve this" <<< "$OUT" && fail "an approval without web_url: $OUT"
mfad_stop noweb

case_begin the_local_module_offers_the_same_approval
# pam_mfa_local.so (the core in the process) offers what mfad offers: the
# same text, bound to the same requester, pam:HOST:SERVICE.
echo "auth required $ROOT/build/pam_mfa_local.so config=$MFA_CONFIG after_password approve max_tries=1" > "$SVC/local"
pam local kate "$(approve kate)"
expect_out "prompt: Approve this sign-in with your security key: open https://mfa.example.com/a/"
expect_out "— number "
expect_out "then press Enter. Or type a code:"
expect_out "info: Sign-in approved."
expect_out "result: PAM_SUCCESS"
expect_err "for pam:$HOST:local"
grep '"outcome":"consumed"' "$T/audit.json" | grep -q "by pam:$HOST:local" ||
	fail "consumed by whom? $(grep consumed "$T/audit.json")"
# A wrong number: denied, the login refused.
pam local kate "$(approve --wrong kate)"
expect_out "error: This sign-in was not approved"
expect_out "result: PAM_AUTH_ERR"
[ "$(grep -c '"outcome":"denied"' "$T/audit.json")" = 2 ] ||
	fail "denied: not audited: $(grep denied "$T/audit.json")"
grep '"source":"pam:local"' "$T/audit.json" | grep -q '"outcome":"refused"' ||
	fail "the refused consume: not audited"
# Without web_url: nothing offered, the key-only user refused as before.
echo "auth required $ROOT/build/pam_mfa_local.so config=$T/noweb.conf after_password approve max_tries=1" > "$SVC/localnoweb"
pam localnoweb kate 123456
expect_out "result: PAM_AUTH_ERR"
expect_out "error: This account signs in with a security key, which this login cannot ask for"
grep -q "Approve this" <<< "$OUT" && fail "an approval without web_url: $OUT"

mfad_clean mfa || fail "sanitizer: $(grep -A5 Sanitizer "$MFAD_DIR/mfa.log" | head)"
