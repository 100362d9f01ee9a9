# shellcheck shell=bash
# sshd_lib.sh - a real OpenSSH server on 127.0.0.1 with pam_mfa.so in its
# PAM stack (asking an mfad of its own), for the test_sshd*.sh files
# (sourced; set NAME first).
#
# Needs root and openssh-server. Everything lives in $T except what sshd
# and pam_unix cannot do without: a PAM service file /etc/pam.d/<program
# name> (sshd uses its program name as the PAM service), local users and
# /run/sshd; the EXIT trap removes them (/run/sshd only if this test made
# it) and takes its failed logins off /var/log/btmp. /etc/ssh and the
# system's sshd are never touched.
#
#   add_user NAME PASSWORD     a local user (before start_sshd: AllowUsers)
#   pam_stack LINE...          (re)writes the PAM service: the auth and
#                              account lines; sshd reads it at each login
#   start_sshd_on_free_port    the server, on $PORT
#   login USER PASSWORD CODE   one login answered by an SSH_ASKPASS program
#   ssh_expect SCRIPT          one login driven by expect (see below)
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PAM_MFA=$ROOT/build/pam_mfa.so
SVC=mfa-sshd-test-$$
SSHD=$T/$SVC
PAMFILE=/etc/pam.d/$SVC

# A package missing (tests/run counts a skip as a failure too).
skip() { echo "skip $SUITE/$NAME: $*"; exit 0; }
# A failure of the setup or of our own tools before the first case.
abort() { echo "not ok $SUITE/$NAME: $*"; ANY_FAILED=1; exit 1; }

# -- what the test needs from the machine ----------------------------------
[ "$(id -u)" -eq 0 ] || skip "needs root (local users, /etc/pam.d, sshd)"
[ -x /usr/sbin/sshd ] || skip "openssh-server is not installed (no /usr/sbin/sshd)"
id sshd > /dev/null 2>&1 || skip "no 'sshd' privilege separation user (install openssh-server)"
for tool in ssh ssh-keygen oathtool ss setsid timeout useradd userdel chpasswd sqlite3; do
	command -v "$tool" > /dev/null || skip "$tool is not installed"
done
[ -f "$PAM_MFA" ] || abort "$PAM_MFA is not built (make all)"
[ -e "$PAMFILE" ] && abort "$PAMFILE already exists (left by a killed run? remove it)"

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
	# Not while another run of these tests (its PAM file tells) still needs it.
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

# SSHD_MFA_CONF (set before sourcing): lines for mfa.conf, before the store
# is made.
if [ -n "${SSHD_MFA_CONF:-}" ]; then printf '%s\n' "$SSHD_MFA_CONF" >> "$MFA_CONFIG"; fi
"$MFACTL" init > /dev/null || abort "mfactl init failed"
# pam_mfa.so asks mfad, as on a real host.
. "$(dirname "${BASH_SOURCE[0]}")/../service/lib.sh"
mfad_start mfa "$MFA_CONFIG" || abort "mfad did not start"
PAM_MFA="$PAM_MFA socket=$(mfad_sock mfa)"

# -- users and the PAM service ---------------------------------------------
# add_user NAME PASSWORD
add_user() {
	getent passwd "$1" > /dev/null && abort "user $1 already exists (left by a killed run? userdel $1)"
	useradd -M -N -s /bin/sh "$1" || abort "useradd $1 failed"
	MADE_USERS="$MADE_USERS $1"
	echo "$1:$2" | chpasswd || abort "chpasswd for $1 failed"
}
# pam_stack LINE...: the service's auth and account lines; session and
# password lines are added.
pam_stack() {
	MADE_PAMFILE=1
	{
		echo "# written by $0 (pid $$); removed when it exits"
		printf '%s\n' "$@"
		echo "session required pam_permit.so"
		echo "password required pam_deny.so"
	} > "$PAMFILE.tmp" && mv "$PAMFILE.tmp" "$PAMFILE"
}

# -- the server ------------------------------------------------------------
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
AllowUsers$MADE_USERS
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

# Picks a free high port and starts sshd on it (PORT); a port taken between
# the check and the bind is retried with another.
start_sshd_on_free_port() {
	local p
	[ -e "$PAMFILE" ] || abort "pam_stack before start_sshd_on_free_port"
	# sshd's privilege separation directory (made by the system's sshd
	# when it runs; created here if it does not exist).
	if [ ! -d /run/sshd ]; then
		mkdir -m 755 /run/sshd && MADE_RUNDIR=1
	fi
	cp /usr/sbin/sshd "$SSHD"
	mkdir -p "$T/sshd"
	ssh-keygen -q -t ed25519 -N '' -f "$T/sshd/host_ed25519" || abort "ssh-keygen failed"

	# sshd records each failed login in /var/log/btmp. Where a private
	# mount namespace can be had, /dev/null stands in for it there (sshd
	# then refuses to write it: "Excess permission"); otherwise cleanup
	# takes our records off.
	[ -f "$BTMP" ] && BTMP_SIZE=$(stat -c %s "$BTMP")
	if [ -f "$BTMP" ] && unshare -m --propagation private mount --bind /dev/null "$BTMP" 2> /dev/null; then
		run_sshd() {
			exec unshare -m --propagation private sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' \
				sh "$BTMP" "$SSHD" -f "$T/sshd/sshd_config" -D -E "$LOG" < /dev/null > /dev/null 2>&1
		}
	else
		run_sshd() { exec "$SSHD" -f "$T/sshd/sshd_config" -D -E "$LOG" < /dev/null > /dev/null 2>&1; }
	fi

	PORT=""
	for _ in 1 2 3 4 5; do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 10000))
		port_free "$p" || continue
		write_config "$p"
		if ! "$SSHD" -t -f "$T/sshd/sshd_config" > "$T/sshd/check" 2>&1; then
			abort "sshd rejects the test configuration: $(tr '\n' ' ' < "$T/sshd/check")"
		fi
		: > "$LOG"
		run_sshd &
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
		local why
		why=$(grep -iE 'error|fatal|cannot|failed|denied' "$LOG" | tail -n 3)
		[ -n "$why" ] || why=$(tail -n 3 "$LOG")
		abort "sshd did not start listening on 127.0.0.1: $(tr '\n' ' ' <<< "${why:-its log is empty}")"
	fi
}

# -- the client ------------------------------------------------------------
SSH_OPTS=(-F /dev/null -o BatchMode=no
	-o PreferredAuthentications=keyboard-interactive -o PubkeyAuthentication=no
	-o PasswordAuthentication=no -o KbdInteractiveAuthentication=yes
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o GlobalKnownHostsFile=/dev/null -o NumberOfPasswordPrompts=1
	-o ConnectTimeout=10)
# What the server runs once logged in: proof of who got in.
SSH_COMMAND='echo logged-in-as-$(id -un)'

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
		setsid -w timeout 20 ssh "${SSH_OPTS[@]}" -p "$PORT" "$1@127.0.0.1" "$SSH_COMMAND"
	PROMPTS=$(cat "$T/prompts")
}

# ssh_expect USER SCRIPT [VAR=VALUE...]: one ssh login on a terminal, driven
# by the expect SCRIPT (Tcl; the variables are in env()). In the script:
#   see PATTERN      waits for a regular expression (in expect_out), fails
#                    if it does not come within 20 s
#   answer TEXT      types TEXT and Enter
# then ssh is waited for. The client runs in the locale CLIENT_LANG
# (C.UTF-8 unless set). RC is ssh's exit status, or 101-103 when the
# script failed (OUT says why); SCREEN is what the client wrote to its
# terminal, bytes as they came, carriage returns removed.
ssh_expect() {
	local user=$1 script=$2
	shift 2
	{
		cat <<'EXP'
set timeout 20
log_user 0
proc quit {code why} { puts "expect: $why"; exit $code }
proc see {pattern} {
	global expect_out
	expect {
		-re $pattern {}
		timeout { quit 101 "no '$pattern' within 20 s" }
		eof { quit 102 "ssh ended before '$pattern'" }
	}
}
proc answer {text} { send -- "$text\r" }
log_file -a -noappend $env(MFA_TEST_SCREEN)
EXP
		printf 'spawn -noecho env -u LC_ALL -u LC_CTYPE LANG=%s ssh %s -p %s %s@127.0.0.1 {%s}\n' \
			"${CLIENT_LANG:-C.UTF-8}" "${SSH_OPTS[*]}" "$PORT" "$user" "$SSH_COMMAND"
		printf '%s\n' "$script"
		cat <<'EXP'
expect {
	eof {}
	timeout { quit 103 "ssh did not end within 20 s" }
}
exit [lindex [wait] 3]
EXP
	} > "$T/login.exp"
	rm -f "$T/screen"
	# expect itself in the C locale: Tcl then passes every byte through
	# as it came (ISO 8859-1), escape sequences and UTF-8 alike.
	run env "$@" LC_ALL=C MFA_TEST_SCREEN="$T/screen" timeout 120 expect -f "$T/login.exp"
	SCREEN=$(tr -d '\r' < "$T/screen" 2> /dev/null)
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
