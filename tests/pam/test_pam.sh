#!/bin/bash
# test_pam.sh - pam_mfa.so in real PAM stacks: pam_wrapper loads service
# files from this test's directory; pamtester and pam_client drive them.
. "$(dirname "$0")/../cli/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PAM_MFA=$ROOT/build/pam_mfa.so
CLIENT=$ROOT/build/pam_client
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
mkdir -p "$T/svc"
echo "auth required pam_deny.so" > "$T/svc/other"
"$MFACTL" init > /dev/null
GETITEMS=/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_get_items.so
SETITEMS=/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so

# service NAME LINE...: writes a service file, one stack line per argument.
service() { local name=$1; shift; printf '%s\n' "$@" > "$T/svc/$name"; }
# pam CMD...: runs CMD under pam_wrapper, keeping OUT, ERR and RC.
pam() { run env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/svc" "$@"; }
# A TOTP step is accepted once per factor: each case logs in its own user.
enroll() { "$MFACTL" enroll "$1" --secret "$SECRET" --no-confirm --no-qr > /dev/null; }
code() { oathtool --totp -b "$SECRET"; }
service mfa "auth required $PAM_MFA config=$MFA_CONFIG"

case_begin pamtester_accepts_code
enroll alice
pam sh -c "oathtool --totp -b $SECRET | pamtester mfa alice authenticate"
expect_rc 0
expect_out "successfully authenticated"

case_begin wrong_codes_maxtries
pam "$CLIENT" mfa alice 111111 222222 333333
expect_rc 11   # PAM_MAXTRIES
expect_out "result: PAM_MAXTRIES"
[ "$(grep -c '^error: Wrong code.' <<< "$OUT")" = 3 ] || fail "three 'Wrong code.' messages expected: $OUT"
[ -z "$ERR" ] || fail "something printed to stderr: $ERR"

case_begin replayed_code_refused
enroll bob
c=$(code)
pam "$CLIENT" mfa bob "$c"
expect_out "result: PAM_SUCCESS"
pam "$CLIENT" mfa bob "$c"
expect_out "error: This code was already used: wait for the next one."
expect_out "result: PAM_CONV_ERR"

case_begin lockout_told_without_prompt
service lock "auth required $PAM_MFA config=$MFA_CONFIG max_tries=5"
enroll carol
pam "$CLIENT" lock carol 1 2 3 4 5
expect_out "error: Wrong code. Too many failed attempts: try again in 1 minute."
expect_out "result: PAM_AUTH_ERR"
pam "$CLIENT" lock carol "$(code)"
expect_out "error: Too many failed attempts: try again in 1 minute."
grep -q "^prompt:" <<< "$OUT" && fail "a locked user was asked for a code"
expect_out "result: PAM_AUTH_ERR"
grep -q '"user":"carol","source":"pam:lock","outcome":"locked","remote":"192.0.2.7"' "$T/audit.json" ||
	fail "locked attempt not audited"
"$MFACTL" unlock carol > /dev/null
pam "$CLIENT" lock carol "$(code)"
expect_out "result: PAM_SUCCESS"

case_begin recovery_code_accepted
rcode=$("$MFACTL" recovery alice --json | json_get "['codes'][0]")
pam "$CLIENT" mfa alice "$(tr A-Z a-z <<< "$rcode")"
expect_out "info: Recovery code accepted: 9 left."
expect_out "result: PAM_SUCCESS"

case_begin no_factor_denied_by_default
pam "$CLIENT" mfa nobody
expect_out "error: No authenticator is enrolled for this account: ask your administrator."
expect_out "result: PAM_AUTH_ERR"

case_begin nullok_ignores_user_without_factor
service nullok "auth [success=done ignore=ignore default=die] $PAM_MFA config=$MFA_CONFIG nullok" \
	"auth required pam_permit.so"
pam "$CLIENT" nullok nobody
expect_out "result: PAM_SUCCESS"
grep -q '"user":"nobody","source":"pam:nullok","outcome":"no_factor"' "$T/audit.json" || fail "not audited"
# nullok never lets a user with a factor skip it.
pam "$CLIENT" nullok alice 000000
grep -q "result: PAM_SUCCESS" <<< "$OUT" && fail "nullok let alice in with a wrong code"

case_begin security_key_only_is_not_nullok
# A user whose one factor is a security key must not pass as having none.
cp "$MFA_CONFIG" "$T/wa.conf"
MFA_CONFIG=$T/wa.conf webauthn_config
MFA_CONFIG=$T/wa.conf webauthn_register keyonly || fail "registration failed"
pam "$CLIENT" nullok keyonly
expect_out "signs in with a security key"
expect_out "result: PAM_AUTH_ERR"
service grace_key "auth required $PAM_MFA config=$T/wa.conf grace=7 enroll=inline"
pam "$CLIENT" grace_key keyonly
expect_out "result: PAM_AUTH_ERR"

case_begin grace_period_counts_days
service grace "auth required $PAM_MFA config=$MFA_CONFIG grace=7"
pam "$CLIENT" grace newhire
expect_out "7 days left before it is required"
expect_out "result: PAM_SUCCESS"
sqlite3 "$T/mfa.db" "update users set first_seen = first_seen - 5 * 86400 - 60 where name = 'newhire'"
pam "$CLIENT" grace newhire
expect_out "2 days left"
sqlite3 "$T/mfa.db" "update users set first_seen = first_seen - 3 * 86400 where name = 'newhire'"
pam "$CLIENT" grace newhire
expect_out "result: PAM_AUTH_ERR"

case_begin inline_enrollment_conversation
service enroll "auth required $PAM_MFA config=$MFA_CONFIG enroll=inline"
pam "$CLIENT" enroll newbie 000000 @totp
expect_out "Scan this QR code with an authenticator app"
expect_out "error: that is not the code the app shows"
expect_out "info: Two-factor authentication is set up."
expect_out "result: PAM_SUCCESS"
printf '%s\n' "$OUT" > "$T/enroll.txt"
python3 "$ROOT/tests/cli/qr_decode.py" "$T/enroll.txt" "$T/enroll.pgm" || fail "no QR code shown"
uri=$(zbarimg --quiet --raw "$T/enroll.pgm" 2>/dev/null)
secret=$(sed -n 's/.*enter this secret by hand: \([A-Z2-7]*\).*/\1/p' "$T/enroll.txt")
case "$uri" in "otpauth://totp/mfa:newbie@"*"?secret=$secret&"*) ;; *) fail "QR decodes to '$uri'" ;; esac
[ "$("$MFACTL" list newbie --json | json_get "['factors'][0]['state']")" = active ] || fail "not active"
# The next login asks for a code, not for enrollment.
pam "$CLIENT" enroll newbie 123456
grep -q "Scan this QR" <<< "$OUT" && fail "enrolled twice"

case_begin forward_pass_hands_password_on
enroll dave
enroll erin
# The next module checks the password it is handed, and asks for none.
printf '#!/bin/sh\n[ "$(tr -d "\\000")" = hunter2 ]\n' > "$T/checkpw"
chmod 755 "$T/checkpw"
service fwd "auth requisite $PAM_MFA config=$MFA_CONFIG forward_pass" \
	"auth required pam_exec.so quiet expose_authtok $T/checkpw" "auth optional $GETITEMS"
pam "$CLIENT" --show-authtok fwd dave "hunter2$(code)"
expect_out "prompt: Password and verification code: "
expect_out "authtok: hunter2"
expect_out "result: PAM_SUCCESS"
[ "$(grep -c '^prompt:' <<< "$OUT")" = 1 ] || fail "more than one prompt: $OUT"
pam "$CLIENT" fwd erin "wrongpw$(code)"
grep -q "result: PAM_SUCCESS" <<< "$OUT" && fail "a wrong password got through"
# (pam_exec reports the failing check as a system error, not PAM_AUTH_ERR)
pam "$CLIENT" fwd erin "hunter2"
expect_out "error: Type your password followed by the code, as one."

case_begin try_and_use_first_pass
enroll frank
service try "auth required $SETITEMS" "auth required $PAM_MFA config=$MFA_CONFIG try_first_pass"
service use "auth required $SETITEMS" "auth required $PAM_MFA config=$MFA_CONFIG use_first_pass"
pam env PAM_AUTHTOK="$(code)" "$CLIENT" try frank
expect_out "result: PAM_SUCCESS"
grep -q "^prompt:" <<< "$OUT" && fail "try_first_pass prompted"
pam env PAM_AUTHTOK=000000 "$CLIENT" try frank 111111 222222
expect_out "error: Wrong code."
[ "$(grep -c '^prompt:' <<< "$OUT")" = 2 ] || fail "try_first_pass did not prompt after a wrong token: $OUT"
pam env PAM_AUTHTOK=000000 "$CLIENT" use frank 111111
expect_out "result: PAM_AUTH_ERR"
grep -q "^prompt:" <<< "$OUT" && fail "use_first_pass prompted"
"$MFACTL" unlock frank > /dev/null

case_begin bad_options_fail_closed
for opt in bogus max_tries=0 max_tries=x grace=-1 config=relative "prompt=" enroll=email; do
	service bad "auth required $PAM_MFA config=$MFA_CONFIG $opt"
	pam "$CLIENT" bad alice 123456
	expect_out "result: PAM_SERVICE_ERR"
	expect_err "option '$opt'"
done

case_begin store_unreadable_authinfo_unavail
mv "$T/mfa.db" "$T/mfa.db.away"
pam "$CLIENT" mfa alice 123456
expect_out "result: PAM_AUTHINFO_UNAVAIL"
expect_err "mfactl init"
head -c 4096 /dev/urandom > "$T/mfa.db"
pam "$CLIENT" mfa alice 123456
expect_out "result: PAM_AUTHINFO_UNAVAIL"
rm -f "$T/mfa.db"
mv "$T/mfa.db.away" "$T/mfa.db"
cp "$MFA_CONFIG" "$T/bad.conf"; echo "digits = 12" >> "$T/bad.conf"
service badconf "auth required $PAM_MFA config=$T/bad.conf"
pam "$CLIENT" badconf alice 123456
expect_out "result: PAM_SERVICE_ERR"
expect_err "bad.conf:5: digits"

case_begin setcred_succeeds
service cred "auth required $PAM_MFA config=$MFA_CONFIG"
pam pamtester cred alice setcred
expect_rc 0

case_begin exports_only_pam_entry_points
syms=$(nm -D --defined-only "$PAM_MFA" | awk '{print $3}' | sort | tr '\n' ' ')
[ "$syms" = "pam_sm_authenticate pam_sm_setcred " ] || fail "exported: $syms"

case_begin threads_each_log_in
HSECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
for k in 0 1 2 3 4 5 6 7; do
	"$MFACTL" enroll "thr$k" --type hotp --secret "$HSECRET" --no-confirm --no-qr > /dev/null
done
pam "$CLIENT" --threads 8 --repeat 25 --hotp "$HSECRET" mfa thr @hotp
expect_out "runs: 200, failed: 0"
expect_out "result: PAM_SUCCESS"

case_begin valgrind_clean_over_1000_logins
if command -v valgrind > /dev/null; then
	"$MFACTL" enroll vg --type hotp --secret "$HSECRET" --no-confirm --no-qr > /dev/null
	# The libraries the module needs are loaded once, as in sshd (which links
	# libcrypto): otherwise valgrind spends its time re-initialising OpenSSL
	# at every pam_start, and 1,000 logins take nine minutes, not one.
	run env LD_PRELOAD="libpam_wrapper.so libcrypto.so.3 libsqlite3.so.0 liboath.so.0 libjansson.so.4 libqrencode.so.4" \
		PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/svc" \
		valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect "$CLIENT" --repeat 1000 --hotp "$HSECRET" mfa vg @hotp
	expect_rc 0
	expect_out "runs: 1000, failed: 0"
	grep -q "==[0-9]*==" <<< "$ERR" && fail "valgrind: $(grep '==[0-9]*==' <<< "$ERR" | head -20)"
else
	echo "skip pam/valgrind_clean_over_1000_logins: valgrind not installed"
	CASE=""
fi
