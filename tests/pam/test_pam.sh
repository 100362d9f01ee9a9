#!/bin/bash
# test_pam.sh - pam_mfa in real PAM stacks: pam_wrapper loads service
# files from this test's directory; pamtester and pam_client drive them.
# MFA_TEST_PAM=service (default): pam_mfa.so asking build/asan/mfad;
# MFA_TEST_PAM=local: pam_mfa_local.so, the core in the process (suite
# pam-local). The same cases either way.
# backends: sqlite pg
# pam: service local
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../service/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODE=${MFA_TEST_PAM:-service}
case $MODE in
service) PAM_SO=$ROOT/build/pam_mfa.so ;;
local) PAM_SO=$ROOT/build/pam_mfa_local.so SUITE=$SUITE-local ;;
*) echo "not ok $SUITE: MFA_TEST_PAM=$MODE is not service or local"; exit 1 ;;
esac
on_service() { [ "$MODE" = service ]; }
# pam_mfa CONFIG: the module and its options for a stack line on CONFIG
# (in service mode, the mfad named after CONFIG's file answers).
pam_mfa() {
	if on_service; then
		echo "$PAM_SO socket=$(mfad_sock "$(basename "$1" .conf)")"
	else
		echo "$PAM_SO config=$1"
	fi
}
if on_service; then
	"$MFACTL" init > /dev/null
	mfad_start mfa "$MFA_CONFIG" || { echo "not ok $SUITE/mfad_starts"; exit 1; }
fi
PAM_MFA=$(pam_mfa "$MFA_CONFIG")
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
# "pam env NAME=VALUE ... CLIENT": the names go to the one env, so that no
# process loads pam_wrapper only to exec another (its /tmp/pam.X directory
# would stay behind, and pam_wrapper refuses a name already taken).
pam() {
	[ "$1" = env ] && shift
	run env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/svc" "$@"
}
# A TOTP step is accepted once per factor: each case logs in its own user.
enroll() { "$MFACTL" enroll "$1" --secret "$SECRET" --no-confirm --no-qr > /dev/null; }
code() { oathtool --totp -b "$SECRET"; }
service mfa "auth required $PAM_MFA"
# A password module for the stacks: pam_exec asks for a password (or takes
# PAM_AUTHTOK) and accepts hunter2 only.
printf '#!/bin/sh\n[ "$(tr -d "\\000")" = hunter2 ]\n' > "$T/checkpw"
chmod 755 "$T/checkpw"
PASSWORD="auth requisite pam_exec.so quiet expose_authtok $T/checkpw"
AFTER="$PAM_MFA after_password"
# users_rows NAME: rows the store holds for NAME (users, factors, recovery).
rows() {
	store_sql "select (select count(*) from users where name = '$1') + (select count(*) from factors where user = '$1') + (select count(*) from recovery where user = '$1')" \
		"select (select count(*) from mfa_users where name = '$1') + (select count(*) from mfa_factors where username = '$1') + (select count(*) from mfa_recovery where username = '$1')"
}
failures() {
	store_sql "select coalesce((select failures from users where name = '$1'), 0)" \
		"select coalesce((select failures from mfa_users where name = '$1'), 0)"
}
UNIFORM="Code not accepted. After several wrong codes, wait a few minutes before trying a new one."

case_begin pamtester_accepts_code
enroll alice
# Only pamtester loads pam_wrapper: with the pipeline's shell and oathtool
# preloaded too, two processes starting at once could pick the same
# /tmp/pam.X and one fail "File exists" (seen once in a run).
run sh -c 'oathtool --totp -b "$1" | env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \
	PAM_WRAPPER_SERVICE_DIR="$2" pamtester mfa alice authenticate' sh "$SECRET" "$T/svc"
expect_rc 0
expect_out "successfully authenticated"

case_begin wrong_codes_maxtries
pam "$CLIENT" mfa alice 111111 222222 333333
expect_rc 11   # PAM_MAXTRIES
expect_out "result: PAM_MAXTRIES"
[ "$(grep -c "^error: $UNIFORM" <<< "$OUT")" = 3 ] || fail "three refusals expected: $OUT"
[ -z "$ERR" ] || fail "something printed to stderr: $ERR"
"$MFACTL" unlock alice > /dev/null
service after "$PASSWORD" "auth required $AFTER"
pam "$CLIENT" after alice hunter2 111111 222222 333333
expect_out "result: PAM_MAXTRIES"
[ "$(grep -c '^error: Wrong code.' <<< "$OUT")" = 3 ] || fail "after a password: three 'Wrong code.' expected: $OUT"
"$MFACTL" unlock alice > /dev/null

case_begin no_password_first_same_replies_for_everyone
# pam_mfa first in the stack: whoever types may be a stranger. Enrolled,
# factorless, unknown and locked users see the same prompts and replies,
# and nothing is written for names without a factor.
enroll enr
"$MFACTL" enroll keyless --secret "$SECRET" --no-confirm --no-qr > /dev/null
"$MFACTL" remove keyless "$("$MFACTL" list keyless --json | json_get "['factors'][0]['id']")" > /dev/null
for u in enr keyless nosuchuser; do
	pam "$CLIENT" mfa "$u" 111111 222222 333333
	printf '%s\n' "$OUT" > "$T/replies.$u"
done
cmp -s "$T/replies.enr" "$T/replies.keyless" && cmp -s "$T/replies.enr" "$T/replies.nosuchuser" ||
	fail "replies differ: $(diff "$T/replies.enr" "$T/replies.nosuchuser")"
[ "$(rows nosuchuser)" = 0 ] || fail "rows written for an unknown name"
[ "$(failures enr)" = 3 ] || fail "enrolled user's failures: $(failures enr)"
pam "$CLIENT" mfa enr 111111 222222 333333      # now locked (5 failures)
pam "$CLIENT" mfa enr 111111 222222 333333
printf '%s\n' "$OUT" > "$T/replies.locked"
cmp -s "$T/replies.locked" "$T/replies.nosuchuser" || fail "a locked user's replies differ: $OUT"
"$MFACTL" unlock enr > /dev/null

case_begin replayed_code_refused
enroll bob
c=$(code)
pam "$CLIENT" mfa bob "$c"
expect_out "result: PAM_SUCCESS"
pam "$CLIENT" mfa bob "$c"
expect_out "error: This code was already used: wait for the next one."
expect_out "result: PAM_CONV_ERR"

case_begin lockout_told_without_prompt
service lock "$PASSWORD" "auth required $AFTER max_tries=5"
enroll carol
pam "$CLIENT" lock carol hunter2 1 2 3 4 5
expect_out "error: Wrong code. Too many failed attempts: try again in 1 minute."
expect_out "result: PAM_AUTH_ERR"
pam "$CLIENT" lock carol hunter2 "$(code)"
expect_out "error: Too many failed attempts: try again in 1 minute."
grep -q "^prompt: Verification" <<< "$OUT" && fail "a locked user was asked for a code"
expect_out "result: PAM_AUTH_ERR"
grep -q '"user":"carol","source":"pam:lock","outcome":"locked","remote":"192.0.2.7"' "$T/audit.json" ||
	fail "locked attempt not audited"
"$MFACTL" unlock carol > /dev/null
pam "$CLIENT" lock carol hunter2 "$(code)"
expect_out "result: PAM_SUCCESS"

case_begin recovery_code_accepted
rcode=$("$MFACTL" recovery alice --json | json_get "['codes'][0]")
pam "$CLIENT" mfa alice "$(tr A-Z a-z <<< "$rcode")"
expect_out "info: Recovery code accepted: 9 left."
expect_out "result: PAM_SUCCESS"

case_begin no_factor_denied_by_default
pam "$CLIENT" after nobody hunter2
expect_out "error: No authenticator is enrolled for this account: ask your administrator."
expect_out "result: PAM_AUTH_ERR"

case_begin policy_options_need_after_password
# Each of these trusts a password checked first: without after_password
# they are refused, whatever the stack.
for opt in nullok grace=7 enroll=inline; do
	service bad "auth required $PAM_MFA $opt"
	pam "$CLIENT" bad alice 123456
	expect_out "result: PAM_SERVICE_ERR"
	expect_err "after_password"
done
service bad "auth required $PAM_MFA forward_pass enroll=inline"
pam "$CLIENT" bad alice 123456
expect_out "result: PAM_SERVICE_ERR"
expect_err "forward_pass only collects"

case_begin nullok_ignores_user_without_factor
service nullok "$PASSWORD" "auth [success=done ignore=ignore default=die] $AFTER nullok" \
	"auth required pam_permit.so"
pam "$CLIENT" nullok nobody hunter2
expect_out "result: PAM_SUCCESS"
grep -q '"user":"nobody","source":"pam:nullok","outcome":"no_factor"' "$T/audit.json" || fail "not audited"
# nullok never lets a user with a factor skip it.
pam "$CLIENT" nullok alice hunter2 000000
grep -q "result: PAM_SUCCESS" <<< "$OUT" && fail "nullok let alice in with a wrong code"
"$MFACTL" unlock alice > /dev/null

case_begin security_key_only_is_not_nullok
# A user whose one factor is a security key must not pass as having none.
cp "$MFA_CONFIG" "$T/wa.conf"
MFA_CONFIG=$T/wa.conf webauthn_config
MFA_CONFIG=$T/wa.conf webauthn_register keyonly || fail "registration failed"
on_service && { mfad_start wa "$T/wa.conf" || fail "mfad for wa.conf"; }
service nullok_key "$PASSWORD" "auth [success=done ignore=ignore default=die] $(pam_mfa "$T/wa.conf") after_password nullok" \
	"auth required pam_permit.so"
pam "$CLIENT" nullok_key keyonly hunter2
expect_out "signs in with a security key"
expect_out "result: PAM_AUTH_ERR"
service grace_key "$PASSWORD" "auth required $(pam_mfa "$T/wa.conf") after_password grace=7 enroll=inline" \
	"account required $(pam_mfa "$T/wa.conf") after_password grace=7 enroll=inline"
pam "$CLIENT" --acct grace_key keyonly hunter2
expect_out "result: PAM_AUTH_ERR"

case_begin grace_period_counts_days
service grace "$PASSWORD" "auth required $AFTER grace=7"
pam "$CLIENT" grace newhire hunter2
expect_out "7 days left before it is required"
expect_out "result: PAM_SUCCESS"
store_sql "update users set first_seen = first_seen - 5 * 86400 - 60 where name = 'newhire'" \
	"update mfa_users set first_seen = first_seen - 5 * 86400 - 60 where name = 'newhire'"
pam "$CLIENT" grace newhire hunter2
expect_out "2 days left"
store_sql "update users set first_seen = first_seen - 3 * 86400 where name = 'newhire'" \
	"update mfa_users set first_seen = first_seen - 3 * 86400 where name = 'newhire'"
pam "$CLIENT" grace newhire hunter2
expect_out "result: PAM_AUTH_ERR"

case_begin inline_enrollment_conversation
ENROLL_OPTS="after_password enroll=inline"
service enroll "$PASSWORD" "auth required $AFTER enroll=inline" \
	"account required $PAM_MFA $ENROLL_OPTS" "account required pam_permit.so"
pam "$CLIENT" --acct enroll newbie hunter2 000000 @totp
expect_out "Scan this QR code with an authenticator app"
expect_out "error: that is not the code the app shows"
expect_out "info: Two-factor authentication is set up."
expect_out "acct: PAM_SUCCESS"
expect_out "setcred: PAM_SUCCESS"
expect_out "result: PAM_SUCCESS"
printf '%s\n' "$OUT" > "$T/enroll.txt"
grep -q $'\033' "$T/enroll.txt" && fail "terminal escape sequences in a PAM conversation"
python3 "$ROOT/tests/cli/qr_decode.py" "$T/enroll.txt" "$T/enroll.pgm" || fail "no QR code shown"
uri=$(zbarimg --quiet --raw "$T/enroll.pgm" 2>/dev/null)
secret=$(sed -n 's/.*enter this secret by hand: \([A-Z2-7]*\).*/\1/p' "$T/enroll.txt")
case "$uri" in "otpauth://totp/mfa:newbie@"*"?secret=$secret&"*) ;; *) fail "QR decodes to '$uri'" ;; esac
grep -qF "or open this link on the phone: $uri" "$T/enroll.txt" || fail "the otpauth link is not shown"
[ "$("$MFACTL" list newbie --json | json_get "['factors'][0]['state']")" = active ] || fail "not active"
for what in offered rejected ok; do
	grep -q "\"event\":\"enroll\",\"user\":\"newbie\",\"source\":\"pam:enroll\",\"outcome\":\"$what\".*\"remote\":\"192.0.2.7\"" "$T/audit.json" ||
		fail "no enroll $what event with the remote address"
done
# The next login asks for a code, not for enrollment.
pam "$CLIENT" --acct enroll newbie hunter2 123456
grep -q "Scan this QR" <<< "$OUT" && fail "enrolled twice"

case_begin inline_enrollment_ascii_qr
service enroll_ascii "$PASSWORD" "auth required $AFTER enroll=inline" \
	"account required $PAM_MFA $ENROLL_OPTS qr=ascii"
pam "$CLIENT" --acct enroll_ascii asciiuser hunter2 @totp
expect_out "acct: PAM_SUCCESS"
LC_ALL=C grep -q '[^[:print:][:space:]]' <<< "$OUT" && fail "non-ASCII bytes with qr=ascii"
grep -q '^ *##' <<< "$OUT" || fail "no ASCII QR code"

case_begin inline_enrollment_only_after_whole_stack
# pam_exec 'required' (not requisite): a wrong password does not stop the
# stack, but the account phase never runs, so no factor appears.
service enroll_req "auth required pam_exec.so quiet expose_authtok $T/checkpw" \
	"auth required $AFTER enroll=inline" "account required $PAM_MFA $ENROLL_OPTS"
pam "$CLIENT" --acct enroll_req victim wrongpw @totp
grep -q "result: PAM_SUCCESS" <<< "$OUT" && fail "logged in with a wrong password"
grep -q "Scan this QR" <<< "$OUT" && fail "secret shown after a wrong password"
[ "$(store_sql "select count(*) from factors where user = 'victim'" "select count(*) from mfa_factors where username = 'victim'")" = 0 ] ||
	fail "a factor was created after a wrong password"
# Without the account line, setcred refuses: the enrollment never ran.
service enroll_noacct "$PASSWORD" "auth required $AFTER enroll=inline" "account required pam_permit.so"
pam "$CLIENT" --acct enroll_noacct victim hunter2
expect_out "pending: enroll"
expect_out "setcred: PAM_CRED_ERR"
expect_err "inline enrollment never ran"

case_begin inline_enrollment_limits
service enroll_grace "$PASSWORD" "auth required $AFTER enroll=inline grace=1" \
	"account required $PAM_MFA $ENROLL_OPTS grace=1"
# Grace bounds the window: 400 days after first seen, no offer.
pam "$CLIENT" --acct enroll_grace late hunter2 @totp
expect_out "acct: PAM_SUCCESS"
"$MFACTL" delete late > /dev/null
pam "$CLIENT" --acct enroll_grace late2 hunter2
store_sql "insert into users(name, first_seen) values('late', strftime('%s','now') - 400 * 86400)" \
	"insert into mfa_users(name, first_seen) values('late', extract(epoch from now())::bigint - 400 * 86400)"
pam "$CLIENT" --acct enroll_grace late hunter2 @totp
grep -q "Scan this QR" <<< "$OUT" && fail "offered 400 days after first seen with grace=1"
expect_out "result: PAM_AUTH_ERR"
# An admin's remove: not offered again until allow-enroll.
fid=$("$MFACTL" list newbie --json | json_get "['factors'][0]['id']")
"$MFACTL" remove newbie "$fid" > /dev/null
pam "$CLIENT" --acct enroll newbie hunter2 @totp
grep -q "Scan this QR" <<< "$OUT" && fail "offered again after an admin removed the factor"
expect_out "result: PAM_AUTH_ERR"
"$MFACTL" allow-enroll newbie > /dev/null
pam "$CLIENT" --acct enroll newbie hunter2 @totp
expect_out "acct: PAM_SUCCESS"
grep -q '"event":"allow-enroll","user":"newbie"' "$T/audit.json" || fail "allow-enroll not audited"
# An admin's pending enrollment is never replaced by a login's.
"$MFACTL" enroll pendinguser --no-confirm --no-qr > /dev/null
store_sql "update factors set active = 0 where user = 'pendinguser'" \
	"update mfa_factors set active = 0 where username = 'pendinguser'"
pending_id() { store_sql "select id from factors where user = 'pendinguser'" "select id from mfa_factors where username = 'pendinguser'"; }
before=$(pending_id)
pam "$CLIENT" --acct enroll pendinguser hunter2 @totp
grep -q "Scan this QR" <<< "$OUT" && fail "offered over an admin's pending enrollment"
[ "$(pending_id)" = "$before" ] ||
	fail "the admin's pending factor was replaced"
# Recovery codes used up: a factorless user with codes spent is not offered.
"$MFACTL" enroll spent --secret "$SECRET" --no-confirm --no-qr > /dev/null
rc=$("$MFACTL" recovery spent --json | json_get "['codes'][0]")
store_sql "delete from factors where user = 'spent'; update recovery set used = 1 where user = 'spent'" \
	"delete from mfa_factors where username = 'spent'; update mfa_recovery set used = 1 where username = 'spent'"
pam "$CLIENT" --acct enroll spent hunter2 @totp
grep -q "Scan this QR" <<< "$OUT" && fail "offered after the recovery codes were used up"

case_begin ssh_gets_last_words_with_a_prompt
# sshd (PAM_TTY "ssh") shows a message only together with a prompt.
pam "$CLIENT" --tty ssh lock carol hunter2 1 2 3 4 5 ""
expect_out "error: Wrong code. Too many failed attempts: try again in 1 minute."
expect_out "prompt: (press Enter)"
"$MFACTL" unlock carol > /dev/null

case_begin forward_pass_hands_password_on
enroll dave
enroll erin
FWD_CHECK="auth requisite pam_exec.so quiet expose_authtok $T/checkpw"
service fwd "auth requisite $PAM_MFA forward_pass" "$FWD_CHECK" \
	"auth required $AFTER enroll=inline" "auth optional $GETITEMS" \
	"account required $PAM_MFA after_password enroll=inline"
pam "$CLIENT" --show-authtok fwd dave "hunter2$(code)"
expect_out "prompt: Password and verification code: "
expect_out "authtok: hunter2"
expect_out "result: PAM_SUCCESS"
[ "$(grep -c '^prompt:' <<< "$OUT")" = 1 ] || fail "more than one prompt: $OUT"
grep -q "^pending:" <<< "$OUT" && fail "a checked login left PAM_MFA_PENDING set"
# The password alone: checked first, then the code is asked for.
pam "$CLIENT" fwd erin "hunter2" "$(code)"
expect_out "prompt: Verification code: "
expect_out "result: PAM_SUCCESS"

case_begin forward_pass_stranger_changes_nothing
# A wrong password with any code: the code is never checked, no failure is
# counted, nobody is locked out, and no one is enrolled.
for i in 1 2 3 4 5 6; do pam "$CLIENT" --acct fwd dave "wrongpw00000$i"; done
grep -q "result: PAM_SUCCESS" <<< "$OUT" && fail "a wrong password got through"
[ "$(failures dave)" = 0 ] || fail "failures counted before the password: $(failures dave)"
pam "$CLIENT" fwd dave "hunter2$(oathtool --totp -b "$SECRET" -N "@$(($(date +%s) + 30))")"
expect_out "result: PAM_SUCCESS"
pam "$CLIENT" --acct fwd stranger "wrongpw123456"
pam "$CLIENT" --acct fwd stranger "wrongpw$(code)"
[ "$(rows stranger)" = 0 ] || fail "rows written for a stranger: $(rows stranger)"
# The same prompt for an enrolled name and one without a factor.
pam "$CLIENT" fwd dave "wrongpw123456"
p1=$(grep '^prompt:' <<< "$OUT")
pam "$CLIENT" fwd stranger "wrongpw123456"
[ "$p1" = "$(grep '^prompt:' <<< "$OUT")" ] || fail "prompts differ"
# Without the checking line, the stack's own safeguards refuse.
service fwd_only "auth requisite $PAM_MFA forward_pass" "$FWD_CHECK" \
	"account required $PAM_MFA"
pam "$CLIENT" --acct fwd_only dave "hunter2$(code)"
expect_out "pending: check"
expect_out "acct: PAM_PERM_DENIED"
# (sshd runs pam_setcred in another process: the marker is in the PAM
# environment, which sshd carries across, so setcred refuses there too.)
service fwd_only_noacct "auth requisite $PAM_MFA forward_pass" "$FWD_CHECK" \
	"account required pam_permit.so"
pam "$CLIENT" --acct fwd_only_noacct dave "hunter2$(code)"
grep -q "^setcred: PAM_SUCCESS" <<< "$OUT" && fail "credentials after an unchecked code"
expect_out "result: PAM_PERM_DENIED"
expect_err "a forward_pass code was never checked: refusing credentials"
service fwd_noafter "auth requisite $PAM_MFA forward_pass" "$FWD_CHECK" \
	"auth required $PAM_MFA"
pam "$CLIENT" fwd_noafter dave "hunter2$(code)"
expect_out "result: PAM_SERVICE_ERR"

case_begin forward_pass_nullok_and_grace_collect_the_password
# A user without a factor types only the password: it reaches the password
# module, and nullok or grace apply after it.
service fwd_null "auth requisite $PAM_MFA forward_pass" "$FWD_CHECK" \
	"auth [success=done ignore=ignore default=die] $AFTER nullok" "auth required pam_permit.so"
pam "$CLIENT" fwd_null nofactor "hunter2"
expect_out "result: PAM_SUCCESS"
pam "$CLIENT" fwd_null nofactor "wrongpw"
grep -q "result: PAM_SUCCESS" <<< "$OUT" && fail "nullok let a wrong password in"
service fwd_grace "auth requisite $PAM_MFA forward_pass" "$FWD_CHECK" \
	"auth required $AFTER grace=3"
pam "$CLIENT" fwd_grace nofactor2 "hunter2"
expect_out "3 days left"
expect_out "result: PAM_SUCCESS"

case_begin try_and_use_first_pass
enroll frank
service try "auth required $SETITEMS" "auth required $PAM_MFA try_first_pass"
service use "auth required $SETITEMS" "auth required $PAM_MFA use_first_pass"
pam env PAM_AUTHTOK="$(code)" "$CLIENT" try frank
expect_out "result: PAM_SUCCESS"
grep -q "^prompt:" <<< "$OUT" && fail "try_first_pass prompted"
pam env PAM_AUTHTOK=000000 "$CLIENT" try frank 111111 222222
expect_out "error: $UNIFORM"
[ "$(grep -c '^prompt:' <<< "$OUT")" = 2 ] || fail "try_first_pass did not prompt after a wrong token: $OUT"
pam env PAM_AUTHTOK=000000 "$CLIENT" use frank 111111
expect_out "result: PAM_AUTH_ERR"
grep -q "^prompt:" <<< "$OUT" && fail "use_first_pass prompted"
"$MFACTL" unlock frank > /dev/null
# A password in PAM_AUTHTOK (common-auth before us) is not a code: not
# checked, not counted, no try used.
pam env PAM_AUTHTOK=hunter2-password "$CLIENT" try frank "$(oathtool --totp -b "$SECRET" -N "@$(($(date +%s) + 30))")"
expect_out "result: PAM_SUCCESS"
[ "$(grep -c '^prompt:' <<< "$OUT")" = 1 ] || fail "expected one prompt: $OUT"
grep -q "^error:" <<< "$OUT" && fail "the password was refused as a code: $OUT"
[ "$(failures frank)" = 0 ] || fail "the password counted as a failure"
pam env PAM_AUTHTOK=hunter2-password "$CLIENT" use frank
expect_out "result: PAM_AUTH_ERR"
[ "$(failures frank)" = 0 ] || fail "use_first_pass: the password counted as a failure"

case_begin bad_options_fail_closed
for opt in bogus max_tries=0 max_tries=x grace=-1 config=relative "prompt=" enroll=email; do
	service bad "auth required $PAM_MFA $opt"
	pam "$CLIENT" bad alice 123456
	expect_out "result: PAM_SERVICE_ERR"
	expect_err "option '$opt'"
done

case_begin store_unreadable_authinfo_unavail
if on_service; then
	# mfad holds the store open: stopped, it cannot be asked.
	mfad_stop mfa
	pam "$CLIENT" mfa alice 123456
	expect_out "result: PAM_AUTHINFO_UNAVAIL"
	expect_out "error: Verification is unavailable: ask your administrator."
	expect_err "cannot reach mfad at $(mfad_sock mfa)"
	mfad_start mfa "$MFA_CONFIG" || fail "mfad restarts"
fi
if on_sqlite; then
	# The file gone or garbage, for the module that opens it at each login
	# (mfad keeps the one it opened).
	if ! on_service; then
		mv "$T/mfa.db" "$T/mfa.db.away"
		pam "$CLIENT" mfa alice 123456
		expect_out "result: PAM_AUTHINFO_UNAVAIL"
		expect_out "error: Verification is unavailable: ask your administrator."
		expect_err "mfactl init"
		head -c 4096 /dev/urandom > "$T/mfa.db"
		pam "$CLIENT" mfa alice 123456
		expect_out "result: PAM_AUTHINFO_UNAVAIL"
		rm -f "$T/mfa.db"
		mv "$T/mfa.db.away" "$T/mfa.db"
	fi
else
	# The database down: refused, the log line says where to look.
	pg_stop_server
	pam "$CLIENT" mfa alice 123456
	expect_out "result: PAM_AUTHINFO_UNAVAIL"
	expect_out "error: Verification is unavailable: ask your administrator."
	if on_service; then
		expect_err "mfad could not decide"
		grep -q "running and reachable" "$MFAD_DIR/mfa.log" || fail "mfad's log: no reason"
	else
		expect_err "running and reachable"
	fi
	pg_start_server
fi
cp "$MFA_CONFIG" "$T/bad.conf"; echo "digits = 12" >> "$T/bad.conf"
if on_service; then
	# mfad refuses a bad config at start: nothing answers.
	mfad_start bad "$T/bad.conf" 2> /dev/null && fail "mfad started on a bad config"
	grep -q "bad.conf:5: digits" "$MFAD_DIR/bad.log" || fail "mfad's log: $(cat "$MFAD_DIR/bad.log")"
	service badconf "auth required $(pam_mfa "$T/bad.conf")"
	pam "$CLIENT" badconf alice 123456
	expect_out "result: PAM_AUTHINFO_UNAVAIL"
else
	service badconf "auth required $(pam_mfa "$T/bad.conf")"
	pam "$CLIENT" badconf alice 123456
	expect_out "result: PAM_SERVICE_ERR"
	expect_err "bad.conf:5: digits"
fi

case_begin setcred_succeeds
service cred "auth required $PAM_MFA"
pam pamtester cred alice setcred
expect_rc 0

case_begin exports_only_pam_entry_points
syms=$(nm -D --defined-only "$PAM_SO" | awk '{print $3}' | sort | tr '\n' ' ')
[ "$syms" = "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_setcred " ] || fail "exported: $syms"

case_begin threads_each_log_in
HSECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
for k in 0 1 2 3 4 5 6 7; do
	"$MFACTL" enroll "thr$k" --type hotp --secret "$HSECRET" --no-confirm --no-qr > /dev/null
done
pam "$CLIENT" --threads 8 --repeat 25 --hotp "$HSECRET" mfa thr @hotp
expect_out "runs: 200, failed: 0"
expect_out "result: PAM_SUCCESS"

case_begin valgrind_clean_over_many_logins
# 1,000 on SQLite; 100 on PostgreSQL, where each login connects and
# authenticates (SCRAM: 4,096 HMAC rounds, slow under valgrind).
LOGINS=1000
on_pg && LOGINS=100
if command -v valgrind > /dev/null; then
	"$MFACTL" enroll vg --type hotp --secret "$HSECRET" --no-confirm --no-qr > /dev/null
	pam_dirs_before=$(ls -d /tmp/pam.? 2> /dev/null)
	# The libraries the module needs are loaded once, as in sshd (which links
	# libcrypto): otherwise valgrind spends its time re-initialising OpenSSL
	# at every pam_start, and 1,000 logins take nine minutes, not one.
	run env LD_PRELOAD="libpam_wrapper.so libcrypto.so.3 libsqlite3.so.0 libpq.so.5 liboath.so.0 libjansson.so.4 libqrencode.so.4" \
		PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/svc" \
		valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect "$CLIENT" --repeat "$LOGINS" --hotp "$HSECRET" mfa vg @hotp
	expect_rc 0
	expect_out "runs: $LOGINS, failed: 0"
	grep -q "==[0-9]*==" <<< "$ERR" && fail "valgrind: $(grep '==[0-9]*==' <<< "$ERR" | head -20)"
	# valgrind's launcher loaded pam_wrapper too and exec'ed the tool: the
	# /tmp/pam.X directories of those two are left; pam_wrapper refuses a
	# name already taken, so they go (the processes that made them are done).
	for d in /tmp/pam.?; do
		[ -d "$d" ] && ! grep -qxF "$d" <<< "$pam_dirs_before" && rm -rf "$d"
	done
else
	echo "skip pam/valgrind_clean_over_many_logins: valgrind not installed"
	CASE=""
fi
