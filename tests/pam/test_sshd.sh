#!/bin/bash
# test_sshd.sh - pam_mfa.so behind a real OpenSSH server on 127.0.0.1: a
# local user logs in by keyboard-interactive with a password (pam_unix) and
# a verification code (pam_mfa after_password), answered by an SSH_ASKPASS
# program. The server, users and cleanup: sshd_lib.sh.
NAME=sshd_keyboard_interactive
. "$(dirname "$0")/sshd_lib.sh"
U1=mfassh$$a U2=mfassh$$b
PW1=pw1-$$-$RANDOM$RANDOM PW2=pw2-$$-$RANDOM$RANDOM
SECRET1=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
SECRET2=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP

add_user "$U1" "$PW1"
add_user "$U2" "$PW2"
"$MFACTL" enroll "$U1" --secret "$SECRET1" --no-confirm --no-qr > /dev/null || abort "enroll $U1 failed"
"$MFACTL" enroll "$U2" --secret "$SECRET2" --no-confirm --no-qr > /dev/null || abort "enroll $U2 failed"
# The password first, ending the stack when it is wrong; then the code.
pam_stack "auth requisite pam_unix.so" \
	"auth required $PAM_MFA after_password" \
	"account required pam_permit.so"
start_sshd_on_free_port

case_begin sshd_password_and_code_login
C1=$(code "$SECRET1")
login "$U1" "$PW1" "$C1"
expect_rc 0
expect_out "logged-in-as-$U1"
grep -q "Password" <<< "$PROMPTS" || fail "no password prompt: $PROMPTS"
grep -q "Verification code: " <<< "$PROMPTS" || fail "no verification code prompt: $PROMPTS"
[ "$(grep -c '^--$' <<< "$PROMPTS")" = 2 ] || fail "two prompts expected: $PROMPTS"
a=$(audited "$U1" accepted)
[ -n "$a" ] || fail "no accepted event with source pam:$SVC in the audit file: $(cat "$T/audit.json")"
grep -qF '"remote":"127.0.0.1"' <<< "$a" || fail "accepted event without remote 127.0.0.1: $a"
[ "$CASE_FAILED" -eq 0 ] || show_log

case_begin sshd_wrong_code_refused
login "$U1" "$PW1" "$(wrong_code "$SECRET1")"
refused
grep -q "Wrong code" <<< "$PROMPTS$ERR" || fail "'Wrong code' not shown: $PROMPTS $ERR"
[ -n "$(audited "$U1" rejected)" ] || fail "no rejected event in the audit file"
[ "$CASE_FAILED" -eq 0 ] || show_log
# Three wrong codes count toward lockout_threshold (5); the replay below must
# be refused as a replay, not because the account is locked.
"$MFACTL" unlock "$U1" > /dev/null

case_begin sshd_replayed_code_refused
login "$U1" "$PW1" "$C1"
refused
grep -q "already used" <<< "$PROMPTS$ERR" || fail "'already used' not shown: $PROMPTS $ERR"
[ -n "$(audited "$U1" replayed)" ] || fail "no replayed event in the audit file"
[ "$CASE_FAILED" -eq 0 ] || show_log

case_begin sshd_wrong_password_refused
login "$U2" "wrong-$PW2" "$(code "$SECRET2")"
refused
# With pam_unix requisite, a wrong password ends the stack: no code is asked
# for, so none is used up and nothing is learnt about the code.
grep -q "Verification code" <<< "$PROMPTS" && fail "asked for a code after a wrong password"
[ -z "$(audited "$U2" accepted)" ] || fail "the code was used up by a login with a wrong password"
[ "$CASE_FAILED" -eq 0 ] || show_log
