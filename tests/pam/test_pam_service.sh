#!/bin/bash
# test_pam_service.sh - pam_mfa.so and mfad together, where they differ from
# the module with the core inside: a caller that is not root (a screen
# locker runs PAM as the user), mfad stopped and started again, and mfad
# killed (-9) under load. Users carol and dave exist for mfad through
# nss_wrapper (uids 4242, 4243); the callers run as those uids.
# backends: sqlite pg
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../service/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLIENT=$ROOT/build/pam_client
CAROL=KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU
ALICE=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
HSECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
# Service files where the test users can read them.
SVC=$MFAD_DIR/svc
mkdir -p "$SVC"
echo "auth required pam_deny.so" > "$SVC/other"
printf 'root:x:0:0:root:/root:/bin/sh\ncarol:x:4242:4242::/nonexistent:/bin/sh\ndave:x:4243:4243::/nonexistent:/bin/sh\n' > "$MFAD_DIR/passwd"
printf 'root:x:0:\ncarol:x:4242:\ndave:x:4243:\n' > "$MFAD_DIR/group"
# mfad with the test users (ASan must not insist on coming first).
start() {
	LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD=$MFAD_DIR/passwd NSS_WRAPPER_GROUP=$MFAD_DIR/group \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 mfad_start mfa "$MFA_CONFIG"
}
echo "auth required $ROOT/build/pam_mfa.so socket=$(mfad_sock mfa)" > "$SVC/lock"
# pam_as UID CLIENT-ARGS...: pam_client under pam_wrapper as UID (root: 0).
pam_as() {
	local uid=$1
	shift
	run setpriv --reuid="$uid" --regid="$uid" --clear-groups env LD_PRELOAD=libpam_wrapper.so \
		PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$SVC" "$CLIENT" "$@"
}
totp() { oathtool --totp -b "$1"; }

"$MFACTL" init > /dev/null
for u in carol:$CAROL alice:$ALICE; do
	"$MFACTL" enroll "${u%%:*}" --secret "${u#*:}" --no-confirm --no-qr > /dev/null
done
start || { echo "not ok $SUITE/mfad_starts"; exit 1; }

case_begin module_links_only_libpam_and_libc
needed=$(readelf -d "$ROOT/build/pam_mfa.so" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
[ "$needed" = "libc.so.6 libpam.so.0 " ] || fail "pam_mfa.so needs: $needed"

case_begin caller_not_root_logs_in_with_its_own_code
pam_as 4242 lock carol "$(totp "$CAROL")"
expect_out "result: PAM_SUCCESS"
grep -q '"source":"pam:lock uid 4242"' "$T/audit.json" || fail "audit: $(tail -n 2 "$T/audit.json")"

case_begin caller_not_root_is_refused_for_another_user
# carol holds alice's valid code: refused, and the code stays unused.
code=$(totp "$ALICE")
pam_as 4242 lock alice "$code"
expect_out "result: PAM_AUTH_ERR"
expect_out "error: Verification refused."
grep -q "uid 4242 asked about user alice: refused, not its own user" "$MFAD_DIR/mfa.log" ||
	fail "not logged: $(tail -n 3 "$MFAD_DIR/mfa.log")"
pam_as 0 lock alice "$code"
expect_out "result: PAM_SUCCESS"
# ... and for a name with no passwd entry alike.
pam_as 4243 lock carol 123456
expect_out "error: Verification refused."

case_begin a_service_not_run_by_root_is_not_believed
# Someone who could bind a socket where the module looks answers "accept"
# to everything: pam_mfa.so neither believes it nor tells it the code.
mkdir "$MFAD_DIR/nobody"
chown nobody "$MFAD_DIR/nobody"
echo "auth required $ROOT/build/pam_mfa.so socket=$MFAD_DIR/nobody/fake.sock" > "$SVC/fake"
setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 - "$MFAD_DIR/nobody/fake.sock" \
	> "$MFAD_DIR/fake.out" 2>&1 <<-'PY' &
	import socket, struct, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
	s.bind(sys.argv[1]); s.listen(8); s.settimeout(15)
	num = lambda tag, v: bytes([tag]) + struct.pack(">HI", 4, v)
	accept = b"MF\x01\x02" + num(1, 0) + num(2, 2) + num(4, 0)   # status OK, action ACCEPT
	c, _ = s.accept()                  # the module's one connection
	c.settimeout(2)
	try:
	    got = len(c.recv(16384))
	except socket.timeout:
	    got = 0
	try:
	    c.send(accept)
	except OSError:
	    pass
	print("bytes received: %d" % got)
	PY
FAKE=$!
for _ in $(seq 50); do [ -S "$MFAD_DIR/nobody/fake.sock" ] && break; sleep 0.1; done
pam_as 0 fake alice 123456
expect_out "result: PAM_AUTHINFO_UNAVAIL"
expect_out "error: Verification is unavailable: ask your administrator."
expect_err "runs as uid 65534, not root: not asked"
wait "$FAKE"
grep -q "bytes received: 0" "$MFAD_DIR/fake.out" || fail "the code was sent to it: $(cat "$MFAD_DIR/fake.out")"

case_begin stopped_service_refuses_then_accepts_when_started
mfad_stop mfa
pam_as 4242 lock carol "$(totp "$CAROL")"
expect_out "result: PAM_AUTHINFO_UNAVAIL"
expect_out "error: Verification is unavailable: ask your administrator."
expect_err "cannot reach mfad at $(mfad_sock mfa)"
expect_err "is mfad running?"
start || fail "mfad restarts"
pam_as 0 lock alice "$(oathtool --totp -b "$ALICE" -N "now + 30 seconds")"
expect_out "result: PAM_SUCCESS"

case_begin a_hung_service_refuses_within_the_timeout
# mfad stopped (SIGSTOP) answers nothing: the module gives up after
# timeout= seconds, not never (bounded: the run itself is limited too).
echo "auth required $ROOT/build/pam_mfa.so socket=$(mfad_sock mfa) timeout=1" > "$SVC/lock1"
kill -STOP "${MFAD_PIDS[mfa]}"
run timeout 20 env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$SVC" \
	"$CLIENT" lock1 alice 123456
kill -CONT "${MFAD_PIDS[mfa]}"
expect_out "result: PAM_AUTHINFO_UNAVAIL"
expect_out "error: Verification is unavailable: ask your administrator."
expect_err "gave no answer"

case_begin kill_9_under_load_accepts_no_code_twice
# Two loaders log in hotpuser with the same HOTP codes 0..N-1 at once,
# while mfad is killed -9 and started again: each code is accepted at most
# once, and every acceptance is in the store and the audit trail.
N=300
"$MFACTL" enroll hotpuser --type hotp --secret "$HSECRET" --no-confirm --no-qr > /dev/null
echo "auth required $ROOT/build/pam_mfa.so socket=$(mfad_sock mfa) max_tries=1" > "$SVC/load"
before=$(grep -c '"user":"hotpuser".*"outcome":"accepted"' "$T/audit.json")
# Only the clients load pam_wrapper (not timeout), and the second starts
# once the first logs in: pam_wrapper processes starting at once can pick
# the same /tmp/pam.X, and the first to exit removes it under the other
# (seen: "pam_start: failed to initialize handlers" at run 201 of 300).
for k in 1 2; do
	seen=$(grep -c '"user":"hotpuser"' "$T/audit.json")
	timeout 120 env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$SVC" \
		"$CLIENT" --repeat "$N" --hotp "$HSECRET" load hotpuser @hotp > "$T/load$k" 2>&1 &
	eval "LOADER$k=\$!"
	for _ in $(seq 100); do
		[ "$(grep -c '"user":"hotpuser"' "$T/audit.json")" -gt "$seen" ] && break
		sleep 0.05
	done
done
for _ in $(seq 50); do   # until the loaders are well under way
	[ "$(grep -c '"user":"hotpuser"' "$T/audit.json")" -ge 40 ] && break
	sleep 0.05
done
mfad_stop mfa KILL
start || fail "mfad restarts after kill -9"
wait "$LOADER1" "$LOADER2"
accepted=0
for k in 1 2; do
	line=$(grep '^runs: ' "$T/load$k") || { fail "loader $k: $(tail -n 3 "$T/load$k")"; continue; }
	runs=$(sed 's/runs: \([0-9]*\),.*/\1/' <<< "$line")
	failed=$(sed 's/.*failed: \([0-9]*\).*/\1/' <<< "$line")
	[ "$runs" = "$N" ] || fail "loader $k ran $runs of $N"
	accepted=$((accepted + runs - failed))
done
audited=$(( $(grep -c '"user":"hotpuser".*"outcome":"accepted"' "$T/audit.json") - before ))
[ "$accepted" -ge 1 ] || fail "nothing accepted: the test proved nothing"
[ "$accepted" -le "$N" ] || fail "$accepted acceptances of $N codes: some code twice"
[ "$accepted" = "$audited" ] || fail "$accepted acceptances, $audited audited"
grep -q 'cannot reach mfad\|gave no answer' "$T/load1" "$T/load2" ||
	fail "the kill was not seen by any login (it proved nothing)"
counter=$("$MFACTL" list hotpuser --json | json_get "['factors'][0]['counter']")
[ "$counter" -le "$N" ] || fail "counter $counter after $N codes"
echo "  $accepted of $N codes accepted once, $audited audited, counter $counter" >&2
mfad_clean mfa || fail "sanitizer: $(grep -A5 Sanitizer "$MFAD_DIR/mfa.log" | head)"
