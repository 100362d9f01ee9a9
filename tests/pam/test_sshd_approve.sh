#!/bin/bash
# test_sshd_approve.sh - a passkey approval end to end (docs/approvals.md):
# a real OpenSSH server on 127.0.0.1 (sshd_lib.sh) with pam_unix then
# pam_mfa.so after_password approve (through mfad), the real ssh client on a
# terminal driven by expect, and the portal (mfa-web, ASan build) in
# headless Chromium whose virtual authenticator holds the user's passkey
# (tests/web/approve_browser.mjs: registered through an invite link, then
# used on the /a/ID page the prompt links to). Bounded: each browser run
# within 45 s, each ssh login within 120 s.
NAME=sshd_passkey_approval
HERE=$(cd "$(dirname "$0")" && pwd)
# Before sshd_lib.sh: both define write_config, and sshd_lib.sh's is the one
# used here.
. "$HERE/../webauthn/browser_env.sh"
WEB_PORT=$(free_port) || { echo "not ok pam/$NAME: no free port"; exit 1; }
WEB_URL=http://localhost:$WEB_PORT
# The portal reaches the store and the key through the group nogroup.
# shellcheck disable=SC2034 # read by sshd_lib.sh
SSHD_MFA_CONF="group = nogroup
web_user = nobody
web_listen = 127.0.0.1:$WEB_PORT
web_url = $WEB_URL
webauthn_rp_id = localhost
webauthn_origins = $WEB_URL"
. "$HERE/sshd_lib.sh"
command -v expect > /dev/null || skip "expect is not installed"
why=$(browser_ready) || skip "the browser harness: $why"
WEB_BIN=$ROOT/build/asan/mfa-web
APPROVE="node $HERE/../web/approve_browser.mjs --chromium $CHROMIUM"
[ -x "$WEB_BIN" ] || abort "$WEB_BIN is not built (make asan)"

# -- the portal ------------------------------------------------------------
WEB_LOG=$T/web.log WEB_PID=""
chgrp nogroup "$MFA_CONFIG" && chmod 0640 "$MFA_CONFIG"
"$WEB_BIN" --config "$MFA_CONFIG" --socket "$(mfad_sock mfa)" 2>> "$WEB_LOG" &
WEB_PID=$!
_web_cur=$(trap -p EXIT)
eval "_web_cur=($_web_cur)"
# shellcheck disable=SC2064 # the current trap's text, taken now
trap "kill -TERM $WEB_PID 2> /dev/null; wait $WEB_PID 2> /dev/null; ${_web_cur[2]:-}" EXIT
for _ in $(seq 100); do
	grep -q serving "$WEB_LOG" && break
	kill -0 "$WEB_PID" 2> /dev/null || break
	sleep 0.1
done
grep -q serving "$WEB_LOG" || abort "mfa-web did not start: $(tail -n 5 "$WEB_LOG")"

# -- users: a password each, a passkey each in its own browser file ---------
U1=mfaapp$$a U2=mfaapp$$b
PW1=pw1-$$-$RANDOM$RANDOM PW2=pw2-$$-$RANDOM$RANDOM
add_user "$U1" "$PW1"
add_user "$U2" "$PW2"
for u in "$U1" "$U2"; do
	link=$("$MFACTL" invite "$u" | tail -n 1)
	$APPROVE register --cred "$T/$u.key.json" "$link" > "$T/register.out" 2>&1 ||
		abort "the passkey of $u: $(cat "$T/register.out")"
done
# The password first (requisite: a wrong one ends the stack before any
# approval is made), then the approval; 4 s for Enter without one.
pam_stack "auth requisite pam_unix.so" \
	"auth required $PAM_MFA after_password approve approve_timeout=4" \
	"account required pam_permit.so"
start_sshd_on_free_port

# browser.sh CRED [--wrong] URL NUMBER: one run of approve_browser.mjs from
# the expect script; what the page said and its exit status in $T/browser.
cat > "$T/browser.sh" <<BROWSER
#!/bin/sh
out=\$($APPROVE approve --cred "\$@" 2> /dev/null)
echo "\$? \$out" > "$T/browser"
exit 0
BROWSER
chmod 755 "$T/browser.sh"
# The login's conversation up to the approval prompt; URL and NUM are its
# link and number, also kept in $T/link.
# shellcheck disable=SC2016 # Tcl's variables
TO_PROMPT='
see "Password: $"
answer $env(PW)
see "open (http://\[^ ]+/a/(\[A-Z0-9]+)) .*number (\[0-9]+) .*Or type a code: $"
set url $expect_out(1,string)
set id $expect_out(2,string)
set num $expect_out(3,string)
exec sh -c "echo \$0 \$1 \$2 > $env(LINK)" $url $id $num
'
# pam_mfa's last word comes as a prompt (ssh drops a message no prompt
# follows): read and answered.
PRESS_ENTER='see "\\(press Enter\\) $"; answer ""'
# approve_as CRED [--wrong]: the browser with that passkey on the link shown.
# shellcheck disable=SC2016 # Tcl's variables
approve_as() { printf 'exec %s %s %s $url $num\n' "$T/browser.sh" "$1" "${2:-}"; }
# ssh_login USER SCRIPT PASSWORD: nothing of the last login is left to read.
ssh_login() { rm -f "$T/browser" "$T/link"; ssh_expect "$1" "$2" PW="$3" LINK="$T/link"; }

logged_in_as() {
	[ "$RC" -eq 0 ] || fail "ssh exit status $RC, expected 0: $OUT"
	grep -q "logged-in-as-$1" <<< "$SCREEN" || fail "not logged in as $1: $SCREEN"
}
refused() {
	[ "$RC" -ne 0 ] || fail "ssh exit status 0, expected a refusal"
	grep -q "^expect: " <<< "$OUT" && fail "the expect script failed: $OUT"
	grep -q logged-in-as <<< "$SCREEN" && fail "logged in: $SCREEN"
	grep -q "Permission denied" <<< "$SCREEN" || fail "no 'Permission denied': $SCREEN"
}
browser_said() { grep -q "^$1 $2" "$T/browser" || fail "the browser: '$(cat "$T/browser" 2> /dev/null)', expected $1 $2"; }
# approval ID OUTCOME: the audit's approval events of the id with that outcome.
approval() { grep -F '"event":"approval"' "$T/audit.json" | grep -F "\"outcome\":\"$2\"" | grep -cF "\"detail\":\"$1"; }
state() { sqlite3 "$T/mfa.db" "SELECT state FROM approvals WHERE id = '$1'"; }
link_id() { cut -d' ' -f2 "$T/link"; }

case_begin sshd_approved_in_the_browser_logs_in
ssh_login "$U1" "$TO_PROMPT$(approve_as "$T/$U1.key.json")
answer \"\"
$PRESS_ENTER" "$PW1"
logged_in_as "$U1"
browser_said 0 "Approved: go back to your sign-in. (as $U1)"
FIRST=$(cat "$T/link" 2> /dev/null)
id=$(link_id)
grep -q "Approve this sign-in with your security key: open $WEB_URL/a/$id — number [0-9]* — then press Enter. Or type a code:" \
	<<< "$SCREEN" || fail "the prompt: $SCREEN"
[ "$(approval "$id" approved)" = 1 ] || fail "approved: not audited"
grep -F '"outcome":"consumed"' "$T/audit.json" | grep -qF "\"detail\":\"$id, by pam:$(hostname):$SVC\"" ||
	fail "consumed: not audited: $(grep -F "$id" "$T/audit.json")"
grep -F "\"detail\":\"$id" "$T/audit.json" | grep -F '"outcome":"requested"' | grep -qF '"remote":"127.0.0.1"' ||
	fail "requested from 127.0.0.1: not audited"
[ "$CASE_FAILED" -eq 0 ] || show_log

case_begin sshd_wrong_number_refused_and_audited
ssh_login "$U1" "$TO_PROMPT$(approve_as "$T/$U1.key.json" --wrong)
answer \"\"
$PRESS_ENTER" "$PW1"
refused
browser_said 1 "Denied: that was not the number shown at your sign-in."
id=$(link_id)
[ "$(approval "$id" denied)" = 1 ] || fail "denied: not audited: $(grep -F "$id" "$T/audit.json")"
[ "$(approval "$id" consumed)" = 0 ] || fail "a denied approval was consumed"
grep -q "This sign-in was not approved" <<< "$SCREEN" || fail "no refusal text: $SCREEN"
[ "$CASE_FAILED" -eq 0 ] || show_log

case_begin sshd_approval_reused_refused
# The first login's approval, used: its link opened again at a second login
# and its id typed at the prompt; the second login has an approval of its
# own, which nobody approves.
read -r first_url first_id first_num <<< "$FIRST"
ssh_login "$U1" "$TO_PROMPT
exec $T/browser.sh $T/$U1.key.json $first_url $first_num
answer $first_id
after 4500
answer \"\"
$PRESS_ENTER" "$PW1"
refused
browser_said 1 "This approval was used or refused"
[ "$(approval "$first_id" consumed)" = 1 ] ||
	fail "the first approval: consumed $(approval "$first_id" consumed) times"
id=$(link_id)
[ "$id" != "$first_id" ] || fail "the same approval offered twice"
[ "$(state "$id")" = 0 ] || fail "the second login's approval: state $(state "$id"), expected pending (0)"
grep -q "Not approved within 4 seconds" <<< "$SCREEN" || fail "no timeout text: $SCREEN"
[ "$CASE_FAILED" -eq 0 ] || show_log

case_begin sshd_expired_approval_refused
# Approved in time on the page, but past its expiry (approve_timeout of
# mfa.conf, 30 s at least: aged here by 10 minutes) when the login comes to
# use it.
ssh_login "$U1" "$TO_PROMPT$(approve_as "$T/$U1.key.json")
exec sqlite3 $T/mfa.db \"UPDATE approvals SET created = created - 600, expires = expires - 600 WHERE id = '\$id'\"
answer \"\"
$PRESS_ENTER" "$PW1"
refused
browser_said 0 "Approved"
id=$(link_id)
[ "$(approval "$id" expired)" = 1 ] || fail "expired: not audited: $(grep -F "$id" "$T/audit.json")"
[ "$(approval "$id" consumed)" = 0 ] || fail "an expired approval was consumed"
grep -q "This sign-in was not approved" <<< "$SCREEN" || fail "no refusal text: $SCREEN"
[ "$CASE_FAILED" -eq 0 ] || show_log

case_begin sshd_another_users_approval_refused
# U2's approval at this host and service, approved with U2's key but not
# used: its id typed at U1's prompt gets U1 nowhere (U1's login asks about
# its own). Then U2's passkey on U1's link: the page asks for U1's key,
# U2's browser has none. U1 is refused; U1's approval stays pending (a
# stranger cannot burn it), U2's stays approved and unused.
run "$ROOT/build/wire_client" "$(mfad_sock mfa)" "$U2" - "$SVC" --op approval-begin --password-verified
other_id=$(sed -n 's/^approval //p' <<< "$OUT")
other_num=$(sed -n 's/^text .* number \([0-9]*\) .*/\1/p' <<< "$OUT")
{ [ -n "$other_id" ] && [ -n "$other_num" ]; } || fail "no approval for $U2: $OUT"
$APPROVE approve --cred "$T/$U2.key.json" "$WEB_URL/a/$other_id" "$other_num" > /dev/null 2>&1 ||
	fail "$U2 could not approve its own approval"
ssh_login "$U1" "$TO_PROMPT
answer $other_id
$(approve_as "$T/$U2.key.json")
after 4500
answer \"\"
$PRESS_ENTER" "$PW1"
refused
browser_said 1 "The security key gave no answer"
id=$(link_id)
[ "$(state "$id")" = 0 ] || fail "U1's approval: state $(state "$id"), expected pending (0)"
[ "$(approval "$id" approved)" = 0 ] || fail "approved by another user's key"
[ "$(state "$other_id")" = 1 ] || fail "U2's approval: state $(state "$other_id"), expected approved (1)"
[ "$(approval "$other_id" consumed)" = 0 ] || fail "U2's approval consumed"
# U2's key itself works, on U2's own login.
ssh_login "$U2" "$TO_PROMPT$(approve_as "$T/$U2.key.json")
answer \"\"
$PRESS_ENTER" "$PW2"
logged_in_as "$U2"
[ "$CASE_FAILED" -eq 0 ] || show_log

case_begin sshd_local_module_approved_in_the_browser
# pam_mfa_local.so (the core in sshd's process) offers the same approval.
pam_stack "auth requisite pam_unix.so" \
	"auth required $ROOT/build/pam_mfa_local.so config=$MFA_CONFIG after_password approve approve_timeout=4" \
	"account required pam_permit.so"
ssh_login "$U1" "$TO_PROMPT$(approve_as "$T/$U1.key.json")
answer \"\"
$PRESS_ENTER" "$PW1"
logged_in_as "$U1"
browser_said 0 "Approved"
id=$(link_id)
grep -F '"outcome":"consumed"' "$T/audit.json" | grep -qF "\"detail\":\"$id, by pam:$(hostname):$SVC\"" ||
	fail "consumed: not audited: $(grep -F "$id" "$T/audit.json")"
[ "$CASE_FAILED" -eq 0 ] || show_log

case_begin sshd_portal_clean
kill -TERM "$WEB_PID" 2> /dev/null
wait "$WEB_PID"
rc=$?
[ "$rc" -eq 0 ] || fail "mfa-web exit status $rc"
grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error' "$WEB_LOG" && fail "sanitizer: $(grep -A5 Sanitizer "$WEB_LOG" | head)"
for pw in "$PW1" "$PW2"; do
	grep -qF -- "$pw" "$T/audit.json" "$WEB_LOG" && fail "a password in a log"
done
mfad_clean mfa || fail "mfad sanitizer: $(grep -A5 Sanitizer "$MFAD_DIR/mfa.log" | head)"
