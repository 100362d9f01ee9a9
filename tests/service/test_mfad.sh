#!/bin/bash
# test_mfad.sh - the resident service end to end: build/asan/mfad on a
# private socket, asked by build/wire_client (the wire messages only) as
# root and as nobody, with oathtool as the independent oracle.
# backends: sqlite pg
. "$(dirname "$0")/../cli/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MFAD=${MFAD:-$ROOT/build/asan/mfad}
CLIENT=${WIRE_CLIENT:-$ROOT/build/wire_client}
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
NOBODY_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
CAROL_SECRET=KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU
# $T is private (0700): the socket lives where nobody can reach it.
S=$(mktemp -d /tmp/mfad-test-XXXXXX)
chmod 0755 "$S"
SOCK=$S/mfad.sock
MFAD_PID=""
stop_mfad() {
	[ -n "$MFAD_PID" ] || return 0
	kill -TERM "$MFAD_PID" 2> /dev/null
	wait "$MFAD_PID"
	MFAD_RC=$?
	MFAD_PID=""
}
trap 'stop_mfad; rm -rf "$S"; case_end; rm -rf "$T"; exit "$ANY_FAILED"' EXIT

# start_mfad: mfad in the background, its log in $S/mfad.log; waits for it
# to answer (a stale socket may be there before).
start_mfad() {
	local started
	started=$(grep -c 'answering at' "$S/mfad.log" 2> /dev/null)
	"$MFAD" --config "$MFA_CONFIG" --socket "$SOCK" --timeout 1 2>> "$S/mfad.log" &
	MFAD_PID=$!
	for _ in $(seq 100); do
		[ "$(grep -c 'answering at' "$S/mfad.log")" -gt "${started:-0}" ] && return 0
		kill -0 "$MFAD_PID" 2> /dev/null || break
		sleep 0.1
	done
	fail "mfad did not start: $(cat "$S/mfad.log")"
	return 1
}
# ask USER CODE|- [--password-verified]: as root, service "login".
ask() { run "$CLIENT" "$SOCK" "$1" "$2" login "${@:3}"; }
# ask_as_nobody USER CODE|- [--password-verified]
ask_as_nobody() {
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$CLIENT" "$SOCK" "$1" "$2" login "${@:3}"
}
wrong_code() { printf '%06d' $(( (10#$(oathtool --totp -b "$1") + 500000) % 1000000 )); }
# Status numbers are mfa_err values (common/mfa.h).
OK=0 BAD_CODE=1 REPLAY=2 NO_FACTOR=5 INVALID=16

"$MFACTL" init > /dev/null
"$MFACTL" enroll alice --secret "$SECRET" --no-confirm --no-qr > /dev/null
"$MFACTL" enroll carol --secret "$CAROL_SECRET" --no-confirm --no-qr > /dev/null

case_begin help_is_a_usage_text
run "$MFAD" --help
expect_rc 0
expect_out "mfad [--config FILE] [--socket PATH]"
expect_out "SO_PEERCRED"
run "$MFAD" --config "$MFA_CONFIG" extra
expect_rc 2
expect_err "unexpected argument"

case_begin bad_config_fails_closed
printf 'store = sqlite:%s/none/mfa.db\nkey_file = %s/missing.key\n' "$T" "$T" > "$T/bad.conf"
run "$MFAD" --config "$T/bad.conf" --socket "$SOCK"
expect_rc 1
expect_err "mfad: cannot start"
[ -e "$SOCK" ] && fail "a socket was left by a failed start"

case_begin refuses_a_path_that_is_not_a_socket
echo keep > "$S/file"
run "$MFAD" --config "$MFA_CONFIG" --socket "$S/file"
expect_rc 1
expect_err "exists and is not a socket"
[ "$(cat "$S/file")" = keep ] || fail "the file was changed"

case_begin starts_with_an_open_socket
start_mfad
[ "$(stat -c %a "$SOCK")" = 666 ] || fail "socket mode $(stat -c %a "$SOCK")"
run "$MFAD" --config "$MFA_CONFIG" --socket "$SOCK"
expect_rc 1
expect_err "another service answers"

case_begin root_right_code_accepted_then_replay_refused
code=$(oathtool --totp -b "$SECRET")
ask alice "$code"
expect_rc 0
expect_out "action ACCEPT"
expect_out "status $OK"
ask alice "$code"
expect_rc 0
expect_out "status $REPLAY"
grep -q '^action \(REFUSE\|RETRY\)' <<< "$OUT" || fail "replay not refused: $OUT"
grep -q "$code" "$S/mfad.log" "$T/audit.json" && fail "a code reached a log"

case_begin root_wrong_code_refused_as_mfa_login_says
ask alice "$(wrong_code "$SECRET")" --password-verified
expect_rc 0
expect_out "status $BAD_CODE"
expect_out "action RETRY"
ask alice "$(wrong_code "$SECRET")"
expect_rc 0
grep -q '^action \(REFUSE\|RETRY\)' <<< "$OUT" || fail "wrong code not refused: $OUT"
"$MFACTL" unlock alice > /dev/null

case_begin nobody_password_verified_is_ignored
# nobody has no factor yet: with a verified password mfa_login reads the
# store and refuses; without one it asks like for anyone.
ask nobody - --password-verified
expect_out "action REFUSE"
expect_out "status $NO_FACTOR"
ask_as_nobody nobody - --password-verified
expect_rc 0
expect_out "action ASK"

case_begin nobody_own_code_accepted
"$MFACTL" enroll nobody --secret "$NOBODY_SECRET" --no-confirm --no-qr > /dev/null
ask_as_nobody nobody "$(oathtool --totp -b "$NOBODY_SECRET")"
expect_rc 0
expect_out "action ACCEPT"

case_begin nobody_asking_for_alice_is_refused_and_changes_nothing
before=$(store_dump)
audit_before=$(wc -l < "$T/audit.json")
ask_as_nobody alice "$(wrong_code "$SECRET")"
expect_rc 0
expect_out "action REFUSE"
expect_out "status $INVALID"
expect_out "text Verification refused."
ask_as_nobody alice "$(oathtool --totp -b "$SECRET")"
expect_out "action REFUSE"
[ "$before" = "$(store_dump)" ] || fail "the store changed"
[ "$audit_before" = "$(wc -l < "$T/audit.json")" ] || fail "the audit trail changed"
grep -q 'uid 65534 asked about user alice: refused, not its own user' "$S/mfad.log" ||
	fail "refusal not logged: $(cat "$S/mfad.log")"

case_begin nobody_flood_is_rate_limited
before=$(store_dump)
busy=0 answered=0
for _ in $(seq 20); do
	ask_as_nobody nobody "$(wrong_code "$NOBODY_SECRET")"
	if grep -q '^text Too many verification requests' <<< "$OUT"; then
		busy=$((busy + 1))
	else
		answered=$((answered + 1))
	fi
done
# At most 10 in 10 s, some of them spent by the cases above.
[ "$answered" -le 10 ] || fail "$answered of 20 answered"
[ "$busy" -ge 10 ] || fail "$busy of 20 rate-limited"
grep -q 'uid 65534 asked about user nobody: refused, over 10 requests' "$S/mfad.log" ||
	fail "rate limit not logged"
# Root is not rate-limited.
ask carol -
expect_out "action ASK"

case_begin survives_garbage_empty_oversized_and_silent_clients
python3 - "$SOCK" <<-'PY' > "$T/py.out" 2>&1 || fail "python client: $(cat "$T/py.out")"
	import socket, sys, time
	def client():
	    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
	    s.settimeout(5)
	    s.connect(sys.argv[1])
	    return s
	for packet in (b"garbage", b"MF\x01\x01\x00", b"", b"MF" + b"\x00" * 5000):
	    s = client()
	    s.send(packet)
	    assert s.recv(8192) == b"", packet[:8]   # closed, no reply
	    s.close()
	s = client()                                     # sends nothing
	t = time.monotonic()
	assert s.recv(8192) == b""
	print("silent client closed after %.1f s" % (time.monotonic() - t))
	s = client()                                     # hangs up at once
	s.close()
	PY
ask alice -
expect_rc 0
expect_out "action ASK"
grep -q 'sent a malformed request' "$S/mfad.log" || fail "garbage not logged"
grep -q 'sent no request within 1 s' "$S/mfad.log" || fail "timeout not logged"

case_begin silent_connections_of_one_uid_are_capped
# nobody holds as many silent connections as it can: mfad keeps 4 and
# closes the rest at once; root is answered meanwhile.
setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 - "$SOCK" > "$T/hold.out" 2>&1 <<-'PY' &
	import socket, sys, time
	held, closed = [], 0
	for _ in range(12):
	    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
	    s.connect(sys.argv[1])
	    held.append(s)
	for s in held:
	    s.setblocking(False)
	# Polled (at most 5 s on a busy machine) until 8 are closed; the 4
	# kept stay open until their 1 s timeout.
	for _ in range(250):
	    closed = 0
	    for s in held:
	        try:
	            closed += s.recv(16) == b""
	        except BlockingIOError:
	            pass
	    if closed >= 8:
	        break
	    time.sleep(0.02)
	print("closed at once: %d" % closed)
	time.sleep(0.5)
	PY
HOLDER=$!
sleep 0.1
ask alice -
expect_out "action ASK"
wait "$HOLDER"
grep -q "closed at once: 8" "$T/hold.out" || fail "cap: $(cat "$T/hold.out")"
grep -q 'uid 65534 holds 4 connections' "$S/mfad.log" || fail "cap not logged"

case_begin split_sees_only_the_end_of_what_was_typed
ask alice 1234-123456 --op split --typed-tail
expect_out "status $OK"
expect_out "offset 5"
ask alice 123456 --op split --typed-tail
expect_out "offset 0"
ask alice 123456 --op split
expect_out "status $BAD_CODE"     # nothing before the code: no password typed
ask nosuchuser 12345678 --op split --typed-tail
expect_out "status $BAD_CODE"     # no factor: all of it was a password
ask alice 123456789012345 --op split
expect_out "status $INVALID"

case_begin inline_enrollment_over_the_wire
ask newbie - --op enroll-begin --password-verified --enroll-inline
expect_out "status $OK"
factor=$(sed -n 's/^factor //p' <<< "$OUT")
secret=$(sed -n 's/^secret //p' <<< "$OUT")
[ ${#factor} = 8 ] || fail "factor id: $OUT"
expect_out "uri otpauth://totp/"
grep -q '^qr [1-9][0-9]* bytes' <<< "$OUT" || fail "no QR code: $OUT"
ask newbie 000000 --op enroll-confirm --factor "$factor" --password-verified --enroll-inline
expect_out "status $BAD_CODE"
expect_out "text that is not the code the app shows"
# Without the verified password (and from any uid but root) nothing.
ask newbie "$(oathtool --totp -b "$secret")" --op enroll-confirm --factor "$factor" --enroll-inline
expect_out "status $INVALID"
ask newbie "$(oathtool --totp -b "$secret")" --op enroll-confirm --factor "$factor" --password-verified --enroll-inline
expect_out "status $OK"
"$MFACTL" list newbie > "$T/list" 2>&1
grep -q "$factor" "$T/list" || fail "not enrolled: $(cat "$T/list")"
ask_as_nobody nobody - --op enroll-begin --password-verified --enroll-inline
expect_out "status $INVALID"

case_begin one_code_raced_by_many_clients_is_accepted_once
# 24 clients at once with one valid code: mfad's workers (4, each its own
# store connection) answer them side by side; exactly one is let in.
"$MFACTL" enroll racer --secret "$NOBODY_SECRET" --no-confirm --no-qr > /dev/null
code=$(oathtool --totp -b "$NOBODY_SECRET")
racers=()
for k in $(seq 24); do
	"$CLIENT" "$SOCK" racer "$code" login --password-verified > "$S/race.$k" 2>&1 &
	racers+=($!)
done
wait "${racers[@]}"
accepted=$(cat "$S"/race.* | grep -c '^action ACCEPT')
answered=$(cat "$S"/race.* | grep -c '^action ')
[ "$answered" = 24 ] || fail "$answered of 24 answered: $(cat "$S"/race.* | sort | uniq -c)"
[ "$accepted" = 1 ] || fail "$accepted accepted"
run "$MFAD" --threads 0 --config "$MFA_CONFIG"
expect_rc 2
expect_err "--threads takes 1..64"

case_begin kill_9_then_restart
{ kill -9 "$MFAD_PID"; wait "$MFAD_PID"; } 2> /dev/null   # bash's "Killed" line too
MFAD_PID=""
ask carol "$(oathtool --totp -b "$CAROL_SECRET")"
expect_rc 3
expect_err "cannot reach mfad at $SOCK: Connection refused"
start_mfad
ask carol "$(oathtool --totp -b "$CAROL_SECRET")"
expect_rc 0
expect_out "action ACCEPT"

case_begin makes_the_socket_directory_as_after_a_reboot
# /run/mfa is gone after a reboot: mfad makes it, reachable by everyone.
"$MFAD" --config "$MFA_CONFIG" --socket "$S/run-mfa/mfad.sock" 2> "$S/dir.log" &
DIR_PID=$!
for _ in $(seq 50); do grep -q 'answering at' "$S/dir.log" && break; sleep 0.1; done
run "$CLIENT" "$S/run-mfa/mfad.sock" carol - login
expect_out "action ASK"
[ "$(stat -c %a "$S/run-mfa")" = 755 ] || fail "directory mode $(stat -c %a "$S/run-mfa")"
kill -TERM "$DIR_PID"; wait "$DIR_PID"

case_begin socket_activation_as_systemd_does
# systemd-socket-activate listens as mfad.socket does and starts mfad at the
# first connection, passing the socket (LISTEN_FDS): that question is
# answered.
ACT=$S/act.sock
systemd-socket-activate --seqpacket -l "$ACT" "$MFAD" --config "$MFA_CONFIG" 2> "$S/act.log" &
ACT_PID=$!
for _ in $(seq 50); do [ -S "$ACT" ] && break; sleep 0.1; done
run "$CLIENT" "$ACT" carol - login
expect_rc 0
expect_out "action ASK"
grep -q "answering at the socket systemd passed" "$S/act.log" || fail "log: $(cat "$S/act.log")"
kill -TERM "$ACT_PID"; wait "$ACT_PID"
# A stream socket passed instead: refused at start, with what to use.
systemd-socket-activate -l "$S/stream.sock" "$MFAD" --config "$MFA_CONFIG" 2> "$S/stream.log" &
ACT_PID=$!
for _ in $(seq 50); do [ -S "$S/stream.sock" ] && break; sleep 0.1; done
timeout 5 python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.recv(1)' \
	"$S/stream.sock" 2> /dev/null
wait "$ACT_PID"
[ $? = 1 ] || fail "mfad on a stream socket did not exit 1"
grep -q "ListenSequentialPacket" "$S/stream.log" || fail "log: $(cat "$S/stream.log")"

case_begin systemd_units_verify_and_are_sandboxed
mkdir -p "$S/units"
sed "s|@SBINDIR@|$(dirname "$MFAD")|" "$ROOT/service/mfad.service" > "$S/units/mfad.service"
cp "$ROOT/service/mfad.socket" "$S/units/"
run systemd-analyze verify --man=no "$S/units/mfad.socket" "$S/units/mfad.service"
expect_rc 0
grep -q "mfad" <<< "$ERR" && fail "verify: $ERR"
# systemd's own rating of the sandbox: 2.0 or better on its 0-10 scale (the unit as shipped: 1.8).
run systemd-analyze security --offline=yes --threshold=20 "$S/units/mfad.service"
expect_rc 0
expect_out "ProtectSystem="

case_begin sighup_reads_the_config_again
# A code four minutes old is just wrong with drift_report off (the default)
# and explained once a reload turned it on; a config that does not work is
# reported and the one in use kept.
old_code=$(oathtool --totp -b -N "@$(( $(date +%s) - 240 ))" "$SECRET")
cp "$MFA_CONFIG" "$S/good.conf"
ask alice "$old_code" --password-verified
expect_out "status $BAD_CODE"
grep -q 'minutes ago' <<< "$OUT" && fail "drift explained before the reload: $OUT"
echo "drift_report = 900" >> "$MFA_CONFIG"
reloads=$(grep -c 'read again' "$S/mfad.log")
kill -HUP "$MFAD_PID"
for _ in $(seq 50); do
	[ "$(grep -c 'read again' "$S/mfad.log")" -gt "$reloads" ] && break
	sleep 0.1
done
ask alice "$old_code" --password-verified
expect_out "minutes ago"
echo "no_such_setting = 1" >> "$MFA_CONFIG"
kill -HUP "$MFAD_PID"
for _ in $(seq 50); do
	grep -q 'keeping the config in use' "$S/mfad.log" && break
	sleep 0.1
done
grep -q 'keeping the config in use' "$S/mfad.log" || fail "bad config not reported: $(tail -n 3 "$S/mfad.log")"
# Still answering, with the config it had (drift still explained).
ask alice "$old_code" --password-verified
expect_out "minutes ago"
cp "$S/good.conf" "$MFA_CONFIG"
"$MFACTL" unlock alice > /dev/null

case_begin sigterm_stops_cleanly
stop_mfad
[ "$MFAD_RC" -eq 0 ] || fail "exit status $MFAD_RC: $(tail -n 20 "$S/mfad.log")"
[ -e "$SOCK" ] && fail "the socket was left behind"
grep -q 'ERROR: \(Address\|Leak\)Sanitizer' "$S/mfad.log" && fail "sanitizer: $(cat "$S/mfad.log")"
true
