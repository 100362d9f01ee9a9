#!/bin/bash
# test_sshd.sh - pam_mfa.so behind a real OpenSSH server on 127.0.0.1: a
# local user logs in by keyboard-interactive with a password (pam_unix) and
# a verification code (pam_mfa), answered by an SSH_ASKPASS program.
#
# Needs root and openssh-server. Everything lives in $T except what sshd
# and pam_unix cannot do without: a PAM service file /etc/pam.d/<program
# name> (sshd uses its program name as the PAM service), two local users
# and /run/sshd; the EXIT trap removes them (/run/sshd only if this test
# made it) and takes its failed logins off /var/log/btmp. /etc/ssh and the
# system's sshd are never touched.
. "$(dirname "$0")/../cli/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PAM_MFA=$ROOT/build/pam_mfa.so
NAME=sshd_keyboard_interactive
SVC=mfa-sshd-test-$$
SSHD=$T/$SVC
PAMFILE=/etc/pam.d/$SVC
U1=mfassh$$a U2=mfassh$$b
PW1=pw1-$$-$RANDOM$RANDOM PW2=pw2-$$-$RANDOM$RANDOM
SECRET1=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
SECRET2=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP

skip() { echo "skip $SUITE/$NAME: $*"; exit 0; }
# A failure of our own tools before the first case.
abort() { echo "not ok $SUITE/$NAME: $*"; exit 1; }

# -- what the test needs from the machine ----------------------------------
[ "$(id -u)" -eq 0 ] || skip "needs root (local users, /etc/pam.d, sshd)"
[ -x /usr/sbin/sshd ] || skip "openssh-server is not installed (no /usr/sbin/sshd)"
id sshd > /dev/null 2>&1 || skip "no 'sshd' privilege separation user (install openssh-server)"
for tool in ssh ssh-keygen oathtool ss setsid timeout useradd userdel chpasswd; do
	command -v "$tool" > /dev/null || skip "$tool is not installed"
done
[ -f "$PAM_MFA" ] || skip "$PAM_MFA is not built (make all)"
[ -e "$PAMFILE" ] && skip "$PAMFILE already exists"
for u in "$U1" "$U2"; do
	getent passwd "$u" > /dev/null && skip "user $u already exists"
done

# -- cleanup, even on failure ----------------------------------------------
SSHD_PID="" MADE_PAMFILE=0 MADE_USERS="" MADE_RUNDIR=0 BTMP=/var/log/btmp BTMP_SIZE=""
# alive PID: running, not a zombie.
alive() { local s; s=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2> /dev/null); [ -n "$s" ] && [ "$s" != Z ]; }
# kill_pids PID...: TERM, up to 2 s, then KILL.
kill_pids() {
	local pid
	[ $# -gt 0 ] || return 0
	kill "$@" 2> /dev/null
	for _ in $(seq 20); do
		for pid in "$@"; do alive "$pid" && break; pid=""; done
		[ -n "$pid" ] || return 0
		sleep 0.1
	done
	kill -9 "$@" 2> /dev/null
}
# Processes running our copy of sshd (the listener's per-connection children).
our_sshd_pids() {
	local p
	for p in /proc/[0-9]*; do
		case "$(readlink "$p/exe" 2> /dev/null)" in "$SSHD" | "$SSHD (deleted)") echo "${p#/proc/}" ;; esac
	done
}
# Takes the records appended to btmp since the start off again, if they
# are all our test users' (utmp records: 384 bytes, ut_user at 44, 32 bytes).
restore_btmp() {
	python3 - "$BTMP" "$BTMP_SIZE" $MADE_USERS <<'PY' || echo "  cleanup: $BTMP left as it is" >&2
import sys
path, size, users = sys.argv[1], int(sys.argv[2]), {u.encode() for u in sys.argv[3:]}
with open(path, "r+b") as f:
    tail = f.read()[size:]
    if not tail:
        sys.exit(0)
    recs = [tail[i:i + 384] for i in range(0, len(tail), 384)]
    if len(tail) % 384 or any(r[44:76].rstrip(b"\0") not in users for r in recs):
        sys.exit(1)
    f.truncate(size)
PY
}
cleanup() {
	local u
	if [ -n "$SSHD_PID" ]; then
		# Let the last connection's processes end while the listener can
		# still reap them; orphans would linger as zombies.
		for _ in $(seq 20); do [ -n "$(pgrep -P "$SSHD_PID")" ] || break; sleep 0.1; done
		kill_pids "$SSHD_PID"
		wait "$SSHD_PID" 2> /dev/null
	fi
	kill_pids $(our_sshd_pids)
	[ "$MADE_PAMFILE" -eq 1 ] && rm -f "$PAMFILE"
	for u in $MADE_USERS; do
		kill_pids $(pgrep -u "$u")
		userdel "$u" 2> /dev/null || echo "  cleanup: userdel $u failed" >&2
	done
	# Not while another run of this test (its PAM file tells) still needs it.
	if [ "$MADE_RUNDIR" -eq 1 ] && ! compgen -G "/etc/pam.d/mfa-sshd-test-*" > /dev/null; then
		rmdir /run/sshd 2> /dev/null
	fi
	[ -n "$BTMP_SIZE" ] && restore_btmp
	case_end
	rm -rf "$T"
	exit "$ANY_FAILED"
}
trap cleanup EXIT
trap '[ -z "$CASE" ] || fail "interrupted by a signal"; exit 130' INT TERM HUP

# -- users, factors, PAM service -------------------------------------------
"$MFACTL" init > /dev/null || abort "mfactl init failed"
for pair in "$U1:$PW1" "$U2:$PW2"; do
	u=${pair%%:*}
	useradd -M -N -s /bin/sh "$u" || skip "useradd $u failed"
	MADE_USERS="$MADE_USERS $u"
	echo "$pair" | chpasswd || skip "chpasswd for $u failed"
done
"$MFACTL" enroll "$U1" --secret "$SECRET1" --no-confirm --no-qr > /dev/null || abort "enroll $U1 failed"
"$MFACTL" enroll "$U2" --secret "$SECRET2" --no-confirm --no-qr > /dev/null || abort "enroll $U2 failed"

MADE_PAMFILE=1
cat > "$PAMFILE" <<PAM
# written by $ROOT/tests/pam/test_sshd.sh (pid $$); removed when it exits
auth requisite pam_unix.so
auth required $PAM_MFA config=$MFA_CONFIG
account required pam_permit.so
session required pam_permit.so
password required pam_deny.so
PAM

# -- the server ------------------------------------------------------------
# sshd's privilege separation directory (made by the system's sshd when
# it runs; created here if it does not exist).
if [ ! -d /run/sshd ]; then
	mkdir -m 755 /run/sshd && MADE_RUNDIR=1
fi
cp /usr/sbin/sshd "$SSHD"
mkdir -p "$T/sshd"
ssh-keygen -q -t ed25519 -N '' -f "$T/sshd/host_ed25519" || skip "ssh-keygen failed"
LOG=$T/sshd/sshd.log

port_free() { [ -z "$(ss -ltnH "sport = :$1" 2> /dev/null)" ]; }
port_listening() { [ -n "$(ss -ltnH "src 127.0.0.1 and sport = :$1" 2> /dev/null)" ]; }
write_config() {
	cat > "$T/sshd/sshd_config" <<CONF
ListenAddress 127.0.0.1:$1
HostKey $T/sshd/host_ed25519
PidFile $T/sshd/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication no
HostbasedAuthentication no
GSSAPIAuthentication no
AuthenticationMethods keyboard-interactive
AuthorizedKeysFile none
PermitRootLogin no
AllowUsers $U1 $U2
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
LoginGraceTime 30
LogLevel DEBUG
CONF
}

# sshd records each failed login in /var/log/btmp. Where a private mount
# namespace can be had, /dev/null stands in for it there (sshd then refuses
# to write it: "Excess permission"); otherwise cleanup takes our records off.
[ -f "$BTMP" ] && BTMP_SIZE=$(stat -c %s "$BTMP")
if [ -f "$BTMP" ] && unshare -m --propagation private mount --bind /dev/null "$BTMP" 2> /dev/null; then
	start_sshd() {
		exec unshare -m --propagation private sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' \
			sh "$BTMP" "$SSHD" -f "$T/sshd/sshd_config" -D -E "$LOG" < /dev/null > /dev/null 2>&1
	}
else
	start_sshd() { exec "$SSHD" -f "$T/sshd/sshd_config" -D -E "$LOG" < /dev/null > /dev/null 2>&1; }
fi

# Picks a free high port and starts sshd on it; a port taken between the
# check and the bind is retried with another.
PORT=""
for _ in 1 2 3 4 5; do
	p=$((20000 + (RANDOM * 32768 + RANDOM) % 10000))
	port_free "$p" || continue
	write_config "$p"
	if ! "$SSHD" -t -f "$T/sshd/sshd_config" > "$T/sshd/check" 2>&1; then
		skip "sshd rejects the test configuration: $(tr '\n' ' ' < "$T/sshd/check")"
	fi
	: > "$LOG"
	start_sshd &
	SSHD_PID=$!
	for _ in $(seq 50); do
		port_listening "$p" && break
		alive "$SSHD_PID" || break
		sleep 0.1
	done
	if port_listening "$p" && alive "$SSHD_PID"; then
		PORT=$p
		break
	fi
	kill_pids "$SSHD_PID"
	wait "$SSHD_PID" 2> /dev/null
	SSHD_PID=""
	grep -q "Address already in use" "$LOG" || break
done
if [ -z "$PORT" ]; then
	why=$(grep -iE 'error|fatal|cannot|failed|denied' "$LOG" | tail -n 3)
	[ -n "$why" ] || why=$(tail -n 3 "$LOG")
	skip "sshd did not start listening on 127.0.0.1: $(tr '\n' ' ' <<< "${why:-its log is empty}")"
fi

# -- the client ------------------------------------------------------------
# The askpass program answers each keyboard-interactive prompt (its first
# argument) and records it, so that the tests can see what the user saw.
cat > "$T/askpass" <<'ASKPASS'
#!/bin/sh
printf '%s\n--\n' "$1" >> "$MFA_TEST_PROMPTS"
case "$1" in
*"Verification code"*) printf '%s\n' "$MFA_TEST_CODE" ;;
*Password*) printf '%s\n' "$MFA_TEST_PASSWORD" ;;
*) exit 1 ;;
esac
ASKPASS
chmod 755 "$T/askpass"

# login USER PASSWORD CODE: one ssh login; OUT, ERR, RC as run() keeps them,
# PROMPTS what the askpass program was asked.
login() {
	: > "$T/prompts"
	run env SSH_ASKPASS="$T/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
		MFA_TEST_PROMPTS="$T/prompts" MFA_TEST_PASSWORD="$2" MFA_TEST_CODE="$3" \
		setsid -w timeout 20 ssh -F /dev/null -o BatchMode=no \
		-o PreferredAuthentications=keyboard-interactive -o PubkeyAuthentication=no \
		-o PasswordAuthentication=no -o KbdInteractiveAuthentication=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o GlobalKnownHostsFile=/dev/null -o NumberOfPasswordPrompts=1 \
		-o ConnectTimeout=10 -p "$PORT" "$1@127.0.0.1" 'echo logged-in-as-$(id -un)'
	PROMPTS=$(cat "$T/prompts")
}
code() { oathtool --totp -b "$1"; }
# wrong_code SECRET: a code that matches no step within drift_report (15 min).
wrong_code() {
	local near c
	near=$(oathtool --totp -b "$1" -N "@$(($(date +%s) - 1000))" -w 70)
	for c in 000000 111111 222222 333333 444444 555555 666666 777777; do
		grep -qx "$c" <<< "$near" || { echo "$c"; return; }
	done
}
refused() {
	[ "$RC" -ne 0 ] || fail "ssh exit status 0, expected a refusal"
	grep -q logged-in-as <<< "$OUT" && fail "logged in: $OUT"
	expect_err "Permission denied"
}
audited() { grep -F "\"user\":\"$1\",\"source\":\"pam:$SVC\",\"outcome\":\"$2\"" "$T/audit.json" 2>/dev/null; }
show_log() { echo "  sshd log (last lines):" >&2; tail -n 25 "$LOG" | sed 's/^/    /' >&2; }

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
