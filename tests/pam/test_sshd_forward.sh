#!/bin/bash
# test_sshd_forward.sh - the forward_pass stack and inline enrollment behind a
# real OpenSSH server on 127.0.0.1, the real ssh client on a terminal driven
# by expect: "Password and verification code:" in one prompt, the code
# checked only after pam_unix; the QR code, link and secret shown over ssh;
# last words (press Enter) that sshd would otherwise drop.
# The server, users and cleanup: sshd_lib.sh.
NAME=sshd_forward_pass
. "$(dirname "$0")/sshd_lib.sh"
command -v expect > /dev/null || skip "expect is not installed"
command -v zbarimg > /dev/null || skip "zbarimg is not installed (zbar-tools)"

# Users: S* have no factor, E* have one. forward_pass splits a code off the
# end of what an enrolled user types, so these passwords do not end in digits.
S1=mfassh$$s1 S2=mfassh$$s2 S3=mfassh$$s3
E1=mfassh$$e1 E2=mfassh$$e2 E3=mfassh$$e3
for u in S1 S2 S3 E1 E2 E3; do
	eval "PW_$u=pw-$u-$$-\$RANDOM\$RANDOM-x"
	eval "add_user \"\$$u\" \"\$PW_$u\""
done
SECRET_E1=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
SECRET_E2=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
SECRET_E3=KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU
for u in E1 E2 E3; do
	eval "\"\$MFACTL\" enroll \"\$$u\" --secret \"\$SECRET_$u\" --no-confirm --no-qr" > /dev/null ||
		abort "enroll $u failed"
done

# forward_pass_stack [OPTION...]: the safe forward_pass stack, with inline
# enrollment; the options go to both checking lines.
forward_pass_stack() {
	local check="$PAM_MFA after_password enroll=inline $*"
	pam_stack "auth requisite $PAM_MFA forward_pass" \
		"auth requisite pam_unix.so use_first_pass" \
		"auth required $check" \
		"account required $check" \
		"account required pam_permit.so"
}
forward_pass_stack
start_sshd_on_free_port

# rows USER: the store's rows for USER (users, factors, recovery).
rows() {
	sqlite3 "$T/mfa.db" "select (select count(*) from users where name = '$1')
		+ (select count(*) from factors where user = '$1')
		+ (select count(*) from recovery where user = '$1')"
}
failures() { sqlite3 "$T/mfa.db" "select coalesce((select failures from users where name = '$1'), 0)"; }
factor_states() { "$MFACTL" list "$1" --json | python3 -c 'import json,sys; print(" ".join(f["state"] for f in json.load(sys.stdin)["factors"]))'; }
# Refused, and told so.
refused_on_screen() {
	[ "$RC" -eq 255 ] || fail "ssh exit status $RC, expected 255 (a refusal): $OUT"
	grep -q logged-in-as <<< "$SCREEN" && fail "logged in: $SCREEN"
	grep -q "Permission denied" <<< "$SCREEN" || fail "no 'Permission denied' on the screen: $SCREEN"
}
logged_in_as() {
	[ "$RC" -eq 0 ] || fail "ssh exit status $RC, expected 0: $OUT"
	grep -qx "logged-in-as-$1" <<< "$SCREEN" || fail "not logged in as $1: $SCREEN"
}
# What a stranger types at the one prompt: a wrong password and a code.
STRANGER='see "Password and verification code: $"; answer $env(TYPED)'

case_begin sshd_forward_pass_stranger_cannot_enroll
# A user without a factor, a wrong password: pam_unix ends the stack, so the
# account phase that enrolls never runs. Nothing is shown or written.
for typed in "wrong-password$(code "$SECRET_E1")" "123456" "$(code "$SECRET_E1")"; do
	ssh_expect "$S1" "$STRANGER" TYPED="$typed"
	refused_on_screen
	grep -qE "QR|otpauth|secret|Code from the app" <<< "$SCREEN" && fail "enrollment shown to a stranger: $SCREEN"
done
[ "$(factor_states "$S1")" = "" ] || fail "mfactl list shows factors: $(factor_states "$S1")"
[ "$(rows "$S1")" = 0 ] || fail "the store has $(rows "$S1") rows for $S1"
grep -F "\"user\":\"$S1\"" "$T/audit.json" | grep -q '"event":"enroll"' &&
	fail "an enroll event for $S1: $(grep -F "\"user\":\"$S1\"" "$T/audit.json")"
[ "$CASE_FAILED" -eq 0 ] || show_log

case_begin sshd_forward_pass_stranger_cannot_lock_out
# Wrong passwords with codes: no code is checked, no failure counted.
for i in 1 2 3 4 5 6; do
	ssh_expect "$E1" "$STRANGER" TYPED="wrong-password00000$i"
	refused_on_screen
done
[ "$(failures "$E1")" = 0 ] || fail "failures counted before the password: $(failures "$E1")"
[ -z "$(audited "$E1" rejected)$(audited "$E1" locked)" ] || fail "a code was checked after a wrong password"
ssh_expect "$E1" "$STRANGER" TYPED="$PW_E1$(code "$SECRET_E1")"
logged_in_as "$E1"
grep -q "Too many failed" <<< "$SCREEN" && fail "locked out: $SCREEN"
[ "$(failures "$E1")" = 0 ] || fail "failures: $(failures "$E1")"
[ "$CASE_FAILED" -eq 0 ] || show_log

case_begin sshd_forward_pass_password_only
# Only the password at the one prompt: the code is asked for after it.
ssh_expect "$E2" '
see "Password and verification code: $"
answer $env(PW)
see "\\) Verification code: $"
answer [exec oathtool --totp -b $env(SECRET)]
' PW="$PW_E2" SECRET="$SECRET_E2"
logged_in_as "$E2"
[ "$(grep -c "code: *$" <<< "$SCREEN")" = 2 ] || fail "two prompts expected: $SCREEN"
[ -n "$(audited "$E2" accepted)" ] || fail "no accepted event for $E2"
[ "$CASE_FAILED" -eq 0 ] || show_log

# The enrollment conversation: the QR code, the link, the secret typed out;
# expect plays the phone with oathtool.
ENROLL='
see "Password and verification code: $"
answer $env(PW)
see "Scan this QR code with an authenticator app"
see "or open this link on the phone: (otpauth://\[^\n\r]*)\r?\n"
see "or enter this secret by hand: (\[A-Z2-7]+)\r?\n"
set secret $expect_out(1,string)
see "Code from the app: $"
answer [exec oathtool --totp -b $secret]
see "Two-factor authentication is set up.\r?\n\[^\n]*\\(press Enter\\) $"
answer ""
'
# on_screen_clean: no escape sequence reached the client's terminal, raw
# or as ssh escapes them.
on_screen_clean() {
	grep -q $'\033' <<< "$SCREEN" && fail "an escape sequence on the screen"
	grep -qF '\033' <<< "$SCREEN" && fail "an escape sequence on the screen (escaped by ssh)"
	grep -qF '[30;107m' <<< "$SCREEN" && fail "colour codes on the screen"
	grep -qF '\342' <<< "$SCREEN" && fail "UTF-8 escaped by ssh (\\342...) on the screen"
}
enrolled() {
	[ "$(factor_states "$1")" = active ] || fail "mfactl list $1: '$(factor_states "$1")', expected active"
	grep -F "\"event\":\"enroll\",\"user\":\"$1\",\"source\":\"pam:$SVC\",\"outcome\":\"ok\"" "$T/audit.json" |
		grep -qF '"remote":"127.0.0.1"' || fail "no enroll ok event for $1 from 127.0.0.1"
}

case_begin sshd_inline_enrollment
ssh_expect "$S2" "$ENROLL" PW="$PW_S2"
logged_in_as "$S2"
on_screen_clean
printf '%s\n' "$SCREEN" > "$T/enroll.txt"
uri=$(sed -n 's/.*or open this link on the phone: \(otpauth:[^ ]*\)$/\1/p' "$T/enroll.txt")
secret=$(sed -n 's/.*or enter this secret by hand: \([A-Z2-7]*\)$/\1/p' "$T/enroll.txt")
case "$uri" in "otpauth://totp/"*"?secret=$secret&"*) ;; *) fail "link '$uri' without the secret '$secret'" ;; esac
# The QR code as the client drew it, read back by an independent decoder.
if python3 "$ROOT/tests/cli/qr_decode.py" "$T/enroll.txt" "$T/enroll.pgm"; then
	[ "$(zbarimg --quiet --raw "$T/enroll.pgm" 2> /dev/null)" = "$uri" ] || fail "the QR code does not read as the link"
else
	fail "no QR code on the screen: $SCREEN"
fi
enrolled "$S2"
# The next login asks for a code: no second enrollment.
ssh_expect "$S2" "$STRANGER" TYPED="$PW_S2$(oathtool --totp -b "$secret" -N "@$(($(date +%s) + 30))")"
logged_in_as "$S2"
grep -q "Scan this QR" <<< "$SCREEN" && fail "enrolled twice"
[ "$CASE_FAILED" -eq 0 ] || show_log

case_begin sshd_inline_enrollment_ascii_qr
# A client in the C locale, qr=ascii: a QR code in plain ASCII.
forward_pass_stack qr=ascii
CLIENT_LANG=C ssh_expect "$S3" "$ENROLL" PW="$PW_S3"
logged_in_as "$S3"
on_screen_clean
LC_ALL=C grep -q '[^[:print:][:space:]]' <<< "$SCREEN" && fail "non-ASCII bytes on the screen"
grep -q '^ *##' <<< "$SCREEN" ||
	fail "no ASCII QR code; what came instead: $(sed -n '/Scan this QR/,/open this link/p' <<< "$SCREEN" | sed -n 3,4p | cut -c1-100)"
enrolled "$S3"
forward_pass_stack
[ "$CASE_FAILED" -eq 0 ] || show_log

case_begin sshd_last_words_shown
# The code's last refusal ends the conversation: sshd shows it only with a
# prompt, "(press Enter)". Three wrong codes (max_tries), then two more reach
# lockout_threshold (5).
WRONG=$(wrong_code "$SECRET_E3")
ssh_expect "$E3" '
see "Password and verification code: $"
answer $env(PW)$env(WRONG)
see "Wrong code.\r?\n\[^\n]*Verification code: $"
answer $env(WRONG)
see "Wrong code.\r?\n\[^\n]*Verification code: $"
answer $env(WRONG)
see "Wrong code.\r?\n\[^\n]*\\(press Enter\\) $"
answer ""
' PW="$PW_E3" WRONG="$WRONG"
refused_on_screen
ssh_expect "$E3" '
see "Password and verification code: $"
answer $env(PW)$env(WRONG)
see "Wrong code.\r?\n\[^\n]*Verification code: $"
answer $env(WRONG)
see "Wrong code. Too many failed attempts: try again in \[^\n]*\r?\n\[^\n]*\\(press Enter\\) $"
answer ""
' PW="$PW_E3" WRONG="$WRONG"
refused_on_screen
[ "$(failures "$E3")" = 5 ] || fail "failures: $(failures "$E3"), expected 5"
"$MFACTL" unlock "$E3" > /dev/null
[ "$CASE_FAILED" -eq 0 ] || show_log

case_begin sshd_forward_pass_without_checking_line_refused
# Stacks that forget a line: sshd calls pam_setcred in another process
# than the authentication, so these hold only if what is owed travels in
# the PAM environment (PAM_MFA_PENDING), which sshd carries across.
# forward_pass with no pam_mfa line after the password module:
pam_stack "auth requisite $PAM_MFA forward_pass" \
	"auth requisite pam_unix.so use_first_pass" "account required pam_permit.so"
ssh_expect "$E1" "$STRANGER" TYPED="${PW_E1}000000"
grep -q logged-in-as <<< "$SCREEN" && fail "logged in on the password alone: $SCREEN"
grep -q "pam_setcred(): Failure setting user credentials" "$LOG" || fail "sshd's log lacks the refused credentials"
forward_pass_stack
[ "$CASE_FAILED" -eq 0 ] || show_log

case_begin sshd_enroll_without_account_line_refused
# enroll=inline with no pam_mfa account line: no login on the password alone.
# (S1 has no factor: the stranger case above left it so.)
: > "$LOG"
pam_stack "auth requisite pam_unix.so" \
	"auth required $PAM_MFA after_password enroll=inline" \
	"account required pam_permit.so"
ssh_expect "$S1" 'see "Password: $"; answer $env(PW)' PW="$PW_S1"
grep -q logged-in-as <<< "$SCREEN" && fail "logged in on the password alone: $SCREEN"
[ "$(factor_states "$S1")" = "" ] || fail "factors for $S1: $(factor_states "$S1")"
grep -q "pam_setcred(): Failure setting user credentials" "$LOG" || fail "sshd's log lacks the refused credentials"
forward_pass_stack
[ "$CASE_FAILED" -eq 0 ] || show_log
