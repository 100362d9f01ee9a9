#!/bin/bash
# test_pam_signin.sh - a sign-in code from the portal (docs/approvals.md,
# "Sign-in codes") at the PAM code prompt, through mfad. signin_tool stands
# in for the portal: it makes the code in the store as mfa-web does after a
# good passkey assertion. kate has a security key only, bob an app only.
# backends: sqlite pg
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../service/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLIENT=$ROOT/build/pam_client
SIGNIN=$ROOT/build/signin_tool
BOB=KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU
SOCK=$(mfad_sock mfa)
SVC=$T/svc
mkdir -p "$SVC"
echo "auth required pam_deny.so" > "$SVC/other"
echo "auth required $ROOT/build/pam_mfa.so socket=$SOCK after_password max_tries=1" > "$SVC/sshd"
echo "auth required $ROOT/build/pam_mfa.so socket=$SOCK after_password approve" > "$SVC/approve"
echo "auth required $ROOT/build/pam_mfa.so socket=$SOCK max_tries=1" > "$SVC/plain"
echo "auth required $ROOT/build/pam_mfa_local.so config=$MFA_CONFIG after_password max_tries=1" > "$SVC/local"
pam() { run env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$SVC" "$CLIENT" "$@"; }
signin_code() { "$SIGNIN" "$1" 2> "$T/signin.err"; }

echo "web_url = https://mfa.example.com" >> "$MFA_CONFIG"
webauthn_config
"$MFACTL" init > /dev/null
"$MFACTL" enroll bob --secret "$BOB" --no-confirm --no-qr > /dev/null
webauthn_register kate || { echo "not ok $SUITE/kate_has_a_key"; exit 1; }
mfad_start mfa "$MFA_CONFIG" || { echo "not ok $SUITE/mfad_starts"; exit 1; }

case_begin without_a_code_a_key_only_user_is_refused_as_before
pam sshd kate 123456
expect_out "result: PAM_AUTH_ERR"
expect_out "error: This account signs in with a security key, which this login cannot ask for"
grep -q "prompt: Verification code:" <<< "$OUT" && fail "a code prompt without a sign-in code: $OUT"

case_begin a_sign_in_code_logs_a_key_only_user_in_once
CODE=$(signin_code kate) || fail "signin_tool: $(cat "$T/signin.err")"
[[ $CODE =~ ^[0-9]{6}$ ]] || fail "not a 6-digit code: $CODE"
pam sshd kate "$CODE"
expect_out "prompt: Verification code:"
expect_out "result: PAM_SUCCESS"
grep '"event":"verify"' "$T/audit.json" | grep '"user":"kate"' | grep '"outcome":"accepted"' |
	grep -q '"factor":"signin-code"' || fail "the login does not name the sign-in code"
# Used: kate is key-only again.
pam sshd kate "$CODE"
expect_out "result: PAM_AUTH_ERR"
expect_out "error: This account signs in with a security key"

case_begin a_wrong_code_is_a_wrong_code
CODE=$(signin_code kate)
wrong=$([ "$CODE" = 000000 ] && echo 111111 || echo 000000)
pam sshd kate "$wrong"
expect_out "prompt: Verification code:"
expect_out "error: Wrong code."
expect_out "result: PAM_AUTH_ERR"
# Still there for the right one.
pam sshd kate "$CODE"
expect_out "result: PAM_SUCCESS"

case_begin typed_at_the_approval_prompt
CODE=$(signin_code kate)
pam approve kate "$CODE"
expect_out "Or type a code:"
expect_out "result: PAM_SUCCESS"

case_begin before_the_password_everyone_is_asked_alike
# No password checked before us: kate (with or without a code) and a name
# nobody has get the same prompt and refusal; kate's code logs in.
pam plain kate 000000
kate_out=$OUT
pam plain nobody-here 000000
[ "$(grep -v '^result' <<< "$OUT")" = "$(grep -v '^result' <<< "$kate_out")" ] ||
	fail "kate and a stranger told apart: $kate_out / $OUT"
CODE=$(signin_code kate)
pam plain kate 000000
[ "$(grep -v '^result' <<< "$OUT")" = "$(grep -v '^result' <<< "$kate_out")" ] ||
	fail "a live code shows: $kate_out / $OUT"
pam plain kate "$CODE"
expect_out "result: PAM_SUCCESS"

case_begin the_local_module_takes_it_too
CODE=$(signin_code kate)
pam local kate "$CODE"
expect_out "result: PAM_SUCCESS"

case_begin no_code_for_a_user_without_a_key
signin_code bob > /dev/null && fail "bob got a sign-in code"
grep -q "no security key or passkey" "$T/signin.err" || fail "why: $(cat "$T/signin.err")"
pam sshd bob "$(oathtool --totp -b "$BOB")"
expect_out "result: PAM_SUCCESS"

mfad_clean mfa || fail "sanitizer: $(grep -A5 Sanitizer "$MFAD_DIR/mfa.log" | head)"
