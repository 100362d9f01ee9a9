#!/bin/bash
# test_password.sh - WIRE_OP_PASSWORD, mfa-web's password check: build/mfad
# (not the ASan build: pam_wrapper loads libpam with RTLD_DEEPBIND, which
# ASan refuses) under pam_wrapper, whose service files here check passwords
# with pam_matrix against $S/passdb; asked by build/wire_client as root,
# as nobody and as daemon.
. "$(dirname "$0")/../cli/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MFAD_BIN=${MFAD_PLAIN:-$ROOT/build/mfad}
CLIENT=${WIRE_CLIENT:-$ROOT/build/wire_client}
MATRIX=/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_matrix.so
# $T is private (0700): the socket lives where nobody can reach it.
S=$(mktemp -d /tmp/mfad-pw-XXXXXX)
chmod 0755 "$S"
SOCK=$S/mfad.sock
LOG=$S/mfad.log
AUDIT=$T/audit.json
MFAD_PID=""
stop_mfad() {
	[ -n "$MFAD_PID" ] || return 0
	kill -TERM "$MFAD_PID" 2> /dev/null
	wait "$MFAD_PID" 2> /dev/null
	MFAD_PID=""
}
trap 'stop_mfad; rm -rf "$S"; case_end; rm -rf "$T"; exit "$ANY_FAILED"' EXIT

# The passwords: none may ever reach a log or the audit.
ALICE_PW='s3cret-Alice!pw'
CAROL_PW='carol-Pa55word'
NOBODY_PW='n0body-Pa55'
WRONG_PW='wrong-Guess-77'
mkdir "$S/svc"
printf 'alice:%s:mfa-web\ncarol:%s:mfa-web\nnobody:%s:mfa-web\nalice:%s:mfa-echo\nalice:%s:mfa-twice\n' \
	"$ALICE_PW" "$CAROL_PW" "$NOBODY_PW" "$ALICE_PW" "$ALICE_PW" > "$S/passdb"
# Each PAM transaction that runs leaves its user in $S/ran: the proof that
# a refused question ran no module.
printf '#!/bin/sh\necho "$PAM_USER" >> %s/ran\n' "$S" > "$S/mark"
chmod 755 "$S/mark"
MARK="auth optional pam_exec.so quiet $S/mark"
printf '%s\n' "$MARK" "auth required $MATRIX passdb=$S/passdb" \
	"account required $MATRIX passdb=$S/passdb" > "$S/svc/mfa-web"
# A stack that asks with echo on, and one that asks for a password twice.
printf '%s\n' "$MARK" "auth required $MATRIX passdb=$S/passdb echo" \
	"account required $MATRIX passdb=$S/passdb" > "$S/svc/mfa-echo"
printf '%s\n' "$MARK" "auth required $MATRIX passdb=$S/passdb" "auth required $MATRIX passdb=$S/passdb" \
	"account required $MATRIX passdb=$S/passdb" > "$S/svc/mfa-twice"
echo "auth required pam_deny.so" > "$S/svc/other"
echo "account required pam_deny.so" >> "$S/svc/other"
# mfad under pam_wrapper (exec: its pid is mfad's).
printf '#!/bin/sh\nexec env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=%s/svc %s "$@"\n' \
	"$S" "$MFAD_BIN" > "$S/mfad"
chmod 755 "$S/mfad"
BASE_CONFIG=$(cat "$MFA_CONFIG")

# start_mfad [CONFIG LINES...]: mfad on the base config plus those lines.
start_mfad() {
	local started
	stop_mfad
	{ echo "$BASE_CONFIG"; printf '%s\n' "$@"; } > "$MFA_CONFIG"
	started=$(grep -c 'answering at' "$LOG" 2> /dev/null)
	"$S/mfad" --config "$MFA_CONFIG" --socket "$SOCK" --timeout 2 2>> "$LOG" &
	MFAD_PID=$!
	for _ in $(seq 100); do
		[ "$(grep -c 'answering at' "$LOG")" -gt "${started:-0}" ] && return 0
		kill -0 "$MFAD_PID" 2> /dev/null || break
		sleep 0.1
	done
	fail "mfad did not start: $(tail -n 5 "$LOG")"
	MFAD_PID=""
	return 1
}
# check USER PASSWORD: root asks, as mfa-web would.
check() { run "$CLIENT" "$SOCK" "$1" "$2" mfa-web --op password --remote 192.0.2.9; }
# check_as UID USER PASSWORD
check_as() {
	local who=$1
	shift
	run setpriv --reuid="$who" --regid="$(id -g "$who")" --clear-groups \
		"$CLIENT" "$SOCK" "$1" "$2" mfa-web --op password --remote 192.0.2.9
}
ran() { cat "$S/ran" 2> /dev/null | wc -l; }
events() { grep -c "\"event\":\"password\".*\"outcome\":\"$1\"" "$AUDIT" 2> /dev/null; }
# Status numbers are mfa_err values (common/mfa.h).
OK=0 LOCKED=4 SYSTEM=15 INVALID=16 BAD_PASSWORD=19

"$MFACTL" init > /dev/null

case_begin web_user_unknown_refuses_to_start
{ echo "$BASE_CONFIG"; echo "web_user = no-such-user-x"; } > "$T/nouser.conf"
run "$S/mfad" --config "$T/nouser.conf" --socket "$SOCK"
expect_rc 1
expect_err "web_user = no-such-user-x"
expect_err "is not a user here"
[ -e "$SOCK" ] && fail "a socket was left by a failed start"
{ echo "$BASE_CONFIG"; echo "web_user = root"; } > "$T/root.conf"
run "$S/mfad" --config "$T/root.conf" --socket "$SOCK"
expect_rc 1
expect_err "is root"

start_mfad || exit 1

case_begin right_password_accepted
before=$(ran)
check alice "$ALICE_PW"
expect_rc 0
expect_out "status $OK"
[ "$(ran)" -eq $((before + 1)) ] || fail "PAM ran $(( $(ran) - before )) times, not once"
grep -q '"event":"password","user":"alice","source":"web","outcome":"accepted","remote":"192.0.2.9"' \
	"$AUDIT" || fail "no accepted password event for alice: $(cat "$AUDIT")"

case_begin wrong_password_refused
check alice "$WRONG_PW"
expect_out "status $BAD_PASSWORD"
expect_out "text Wrong user name or password."
WRONG_OUT=$OUT
[ "$(events rejected)" -eq 1 ] || fail "$(events rejected) rejected events, not 1"
grep -q 'password of user alice (uid 0, mfa-web): rejected' "$LOG" || fail "no log line"

case_begin unknown_user_refused_the_same_way
check nosuchuser "$WRONG_PW"
expect_rc 0
[ "$OUT" = "$WRONG_OUT" ] || fail "unknown user: '$OUT', wrong password: '$WRONG_OUT'"
# An empty password is refused too (PAM_DISALLOW_NULL_AUTHTOK).
check alice ""
expect_out "status $BAD_PASSWORD"

case_begin other_uid_refused_without_pam
# web_user is not set: root only.
before=$(ran) events_before=$(grep -c . "$AUDIT")
check_as nobody alice "$ALICE_PW"
expect_rc 0
expect_out "status $INVALID"
expect_out "action REFUSE"
expect_out "text Verification refused."
[ "$(ran)" -eq "$before" ] || fail "PAM ran for nobody's question"
[ "$(grep -c . "$AUDIT")" -eq "$events_before" ] || fail "an audit event for nobody's question"
grep -q "uid 65534 asked to check user alice's password: refused, neither root nor web_user" "$LOG" ||
	fail "no log line for the refusal"
# The same answer for a user that does not exist: nothing learnt.
REFUSED_OUT=$OUT
check_as nobody nosuchuser "$WRONG_PW"
[ "$OUT" = "$REFUSED_OUT" ] || fail "a different refusal for an unknown user: $OUT"

case_begin web_user_nobody_accepted
start_mfad "web_user = nobody" || exit 1
grep -q "password checks for web_user nobody (uid 65534) through PAM service mfa-web" "$LOG" ||
	fail "no start line naming web_user"
check_as nobody alice "$ALICE_PW"
expect_out "status $OK"
grep -q '"user":"alice","source":"web","outcome":"accepted".*by uid 65534' "$AUDIT" ||
	fail "no accepted event by uid 65534"
check_as nobody carol "$WRONG_PW"
expect_out "status $BAD_PASSWORD"
# Still nobody else.
before=$(ran)
check_as daemon alice "$ALICE_PW"
expect_out "status $INVALID"
[ "$(ran)" -eq "$before" ] || fail "PAM ran for daemon's question"
# web_user asks about other users' logins no more than before.
run setpriv --reuid=nobody --regid=nogroup --clear-groups "$CLIENT" "$SOCK" alice - login
expect_out "status $INVALID"

case_begin web_user_is_not_held_to_the_per_uid_rate
# Twelve questions in a row (more than the 10 in 10 s any other uid gets),
# each about another user: all answered by PAM.
before=$(ran)
for i in $(seq 12); do
	check_as nobody "spray$i" "$WRONG_PW"
	grep -q "status $BAD_PASSWORD" <<< "$OUT" || fail "question $i: $OUT"
done
[ "$(ran)" -eq $((before + 12)) ] || fail "PAM ran $(( $(ran) - before )) times, not 12"

case_begin sixth_failure_refused_without_pam
# carol failed once above (as nobody): four more, from root, which counts too.
for i in 1 2 3 4; do
	check carol "$WRONG_PW"
	expect_out "status $BAD_PASSWORD"
done
before=$(ran)
check carol "$WRONG_PW"
expect_out "status $LOCKED"
expect_out "text Too many failed password checks"
# Now even the right password, in any case, from web_user or root.
check carol "$CAROL_PW"
expect_out "status $LOCKED"
check_as nobody CAROL "$CAROL_PW"
expect_out "status $LOCKED"
[ "$(ran)" -eq "$before" ] || fail "PAM ran $(( $(ran) - before )) times for a locked user"
grep -q "password of user carol (uid 0, mfa-web): refused without PAM, 5 failed checks in 60 s" "$LOG" ||
	fail "no log line for the refusal"
[ "$(events locked)" -ge 3 ] || fail "$(events locked) locked events, not 3"
# Another user is not held back.
check alice "$ALICE_PW"
expect_out "status $OK"

case_begin right_passwords_do_not_count
for i in $(seq 6); do
	check alice "$ALICE_PW"
	grep -q "status $OK" <<< "$OUT" || fail "check $i: $OUT"
done

case_begin echo_on_prompt_fails_the_check
start_mfad "web_user = nobody" "web_pam_service = mfa-echo" || exit 1
check alice "$ALICE_PW"
expect_out "status $SYSTEM"
grep -q "password of user alice (uid 0, mfa-web): could not check: .*asked for more than the password" "$LOG" ||
	fail "no log line naming the stack"

case_begin second_password_prompt_fails_the_check
start_mfad "web_pam_service = mfa-twice" || exit 1
before=$(ran)
check alice "$ALICE_PW"
expect_out "status $SYSTEM"
[ "$(ran)" -eq $((before + 1)) ] || fail "the stack mfa-twice did not run"

case_begin password_never_logged
for pw in "$ALICE_PW" "$CAROL_PW" "$NOBODY_PW" "$WRONG_PW"; do
	grep -qF -- "$pw" "$LOG" && fail "a password in mfad's log"
	grep -qF -- "$pw" "$AUDIT" && fail "a password in the audit file"
done
[ -s "$AUDIT" ] && [ -s "$LOG" ] || fail "nothing logged or audited: nothing to search"
