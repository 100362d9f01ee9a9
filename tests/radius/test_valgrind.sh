#!/bin/bash
# test_valgrind.sh - radiusd with rlm_mfa.so under valgrind memcheck, under
# load from radclient -p: accepts, wrong codes, replays, a lockout, users
# without a factor, a recovery code, append-mode logins and challenge round
# trips (several at once), a passkey approval (approve = yes), then a clean shutdown (SIGTERM: radiusd detaches
# its modules and exits, valgrind writes its report), and the report must
# show no invalid access and no definitely lost block in our code.
#
# What is ours: a stack frame in a source file of this tree (valgrind prints
# full paths, --fullpath-after=; matched as .../radius_module/rlm_mfa.c:N,
# .../common/verify.c:N and so on, wherever the tree was built), or, for a
# frame without line information, in rlm_mfa.so (the module and libmfa.a
# linked into it). FreeRADIUS, libtalloc, OpenSSL, SQLite and the rest are not
# ours: at exit radiusd leaves blocks allocated that it never frees (its
# own, not the module's; valgrind's exit status counts them too), so the
# check reads the report rather than valgrind's exit status, and fails on
#   - Invalid read/write/free, mismatched free, overlapping copies, and
#     jumps or syscalls on uninitialised memory, whose stack has a frame of
#     ours (a library's own error reached from our code counts: we passed
#     it the memory);
#   - "definitely lost" blocks allocated with a frame of ours on the stack.
# Errors and leaks elsewhere are counted on a "  note:" line, not failed.
# --keep-debuginfo=yes keeps the module's symbols should radiusd dlclose it
# before valgrind prints the leaks.
. "$(dirname "$0")/../cli/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHALLENGE_APPROVE=yes
. "$(dirname "$0")/raddb.sh"
NAME=valgrind_under_load
started=$SECONDS

skip() { echo "skip radius/$NAME: $*"; exit 0; }
for c in freeradius radclient valgrind python3; do
	command -v "$c" > /dev/null || skip "$c is not installed"
done
if [ ! -f "$ROOT/build/rlm_mfa.so" ]; then
	echo "not ok radius/$NAME (build/rlm_mfa.so is missing: run make all)"
	exit 1
fi
"$MFACTL" init > /dev/null

# Secrets and codes: a pam_oath usersfile (one import, one transaction) and
# a few lines of python for the codes (oathtool is a process per code).
cat > "$T/codes.py" <<'PY'
import hashlib, hmac, os, struct, sys, time
def totp(key, step):
    d = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    o = d[-1] & 15
    return "%06d" % ((struct.unpack(">I", d[o:o + 4])[0] & 0x7fffffff) % 1000000)
cmd, d = sys.argv[1], sys.argv[2]
if cmd == "setup":
    # setup DIR NAME...: a 20-byte secret for each
    with open(d + "/users.oath", "w") as f:
        for u in sys.argv[3:]:
            f.write("HOTP/T30/6 %s - %s\n" % (u, os.urandom(20).hex()))
else:
    keys = {l.split()[1]: bytes.fromhex(l.split()[3]) for l in open(d + "/users.oath")}
    step = int(time.time()) // 30
    for u in sys.argv[3:]:
        if cmd == "code":     # code DIR USER...: the current code of each
            print(totp(keys[u], step))
        else:                 # wrong DIR USER...: a code no step within 40 of now has
            near = {totp(keys[u], step + i) for i in range(-40, 41)}
            print(next("%06d" % n for n in range(123456, 10**6, 7919) if "%06d" % n not in near))
PY
users() { local p=$1 n=$2 i; for ((i = 0; i < n; i++)); do printf '%s%03d\n' "$p" "$i"; done; }
mapfile -t OTP < <(users otp 120)
mapfile -t APP < <(users app 20)
mapfile -t CHAL < <(users chal 12)
python3 "$T/codes.py" setup "$T" "${OTP[@]}" "${APP[@]}" "${CHAL[@]}" locked recov
"$MFACTL" import oath "$T/users.oath" > /dev/null
if command -v oathtool > /dev/null; then
	key=$(awk '$2 == "otp000" { print $4 }' "$T/users.oath")
	c1=$(python3 "$T/codes.py" code "$T" otp000)
	c2=$(oathtool --totp "$key")
	c3=$(python3 "$T/codes.py" code "$T" otp000)
	[ "$c1" = "$c2" ] || [ "$c3" = "$c2" ] || { echo "not ok radius/$NAME (codes.py and oathtool disagree)"; exit 1; }
fi
RECOVERY=$("$MFACTL" recovery recov --json | json_get "['codes'][0]")
# vkey: a security key only, approved on the "portal" (approve_tool).
echo "web_url = https://mfa.example.com" >> "$MFA_CONFIG"
webauthn_config
webauthn_register vkey || { echo "not ok radius/$NAME (no security key for vkey)"; exit 1; }

# reqs FILE USER... <<< LINES: one request a user, User-Password from stdin.
reqs() {
	local f=$1 u pw
	shift
	: > "$f"
	for u in "$@"; do
		read -r pw
		printf 'User-Name = "%s", User-Password = "%s"\n\n' "$u" "$pw" >> "$f"
	done
}
# load FILE PORT: the requests in FILE 16 at a time; OUT has the summary.
load() { with_ma "$1" && run radclient -q -s -p 16 -r 1 -t 20 -f "$1" "127.0.0.1:$2" auth "$RADIUS_SECRET"; }
count() { sed -n "s/^[[:space:]]*$1[[:space:]]*:[[:space:]]*\([0-9]*\).*/\1/p" <<< "$OUT"; }
expect_counts() {  # ACCEPTED REJECTED WHAT
	[ "$(count Accepted)" = "$1" ] && [ "$(count Rejected)" = "$2" ] && [ "$(count Lost)" = 0 ] ||
		fail "$3: expected $1 accepted, $2 rejected: $OUT $ERR"
}

base=$((30000 + RANDOM % 20000))
raddb_make "$base"
VGLOG=$T/valgrind.log
VG_RC=""
vg_stop() {
	[ -n "$RADIUSD_PID" ] || return 0
	kill -TERM "$RADIUSD_PID" 2> /dev/null
	for _ in $(seq 600); do kill -0 "$RADIUSD_PID" 2> /dev/null || break; sleep 0.1; done
	if kill -0 "$RADIUSD_PID" 2> /dev/null; then
		kill -9 "$RADIUSD_PID" 2> /dev/null
		VG_RC=killed
	fi
	wait "$RADIUSD_PID" 2> /dev/null
	rc=$?
	[ -n "$VG_RC" ] || VG_RC=$rc
	RADIUSD_PID=""
}
trap 'vg_stop; case_end; rm -rf "$T"; exit "$ANY_FAILED"' EXIT

case_begin "$NAME"
if ! freeradius -C -d "$RADDB" -n radiusd > "$T/radlog/check.log" 2>&1; then
	fail "radiusd -C failed: $(tail -n 20 "$T/radlog/check.log")"
	exit 1
fi
: > "$T/radlog/radius.log"
valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
	--keep-debuginfo=yes --fullpath-after= --num-callers=40 --child-silent-after-fork=yes \
	--log-file="$VGLOG" freeradius -f -d "$RADDB" -n radiusd > "$T/radlog/stdout.log" 2>&1 &
RADIUSD_PID=$!
for _ in $(seq 600); do
	[ -n "$(ss -lunH "src 127.0.0.1 and sport = :$P_CHALLENGE" 2> /dev/null)" ] && break
	kill -0 "$RADIUSD_PID" 2> /dev/null || break
	sleep 0.1
done
if [ -z "$(ss -lunH "src 127.0.0.1 and sport = :$P_CHALLENGE" 2> /dev/null)" ]; then
	# valgrind got radiusd going ("Command:" in its log) and radiusd died:
	# our module may be why. Valgrind itself failing, or radiusd too slow
	# under it to listen within 60 s, is a broken setup: a failure too.
	if grep -q "^==[0-9]*== Command: " "$VGLOG" 2> /dev/null && ! kill -0 "$RADIUSD_PID" 2> /dev/null; then
		vg_stop
		fail "radiusd under valgrind exited at start-up ($VG_RC): $(tail -n 5 "$T/radlog/radius.log" "$T/radlog/stdout.log"; grep -A 8 "Invalid\|Process terminating" "$VGLOG" | head -n 30)"
		exit 1
	fi
	why=$(grep -h -iE "error|fatal|unrecognised|not supported|cannot|failed" "$VGLOG" \
		"$T/radlog/stdout.log" 2> /dev/null | head -n 1)
	[ -n "$why" ] || why=$(tail -n 1 "$T/radlog/stdout.log" 2> /dev/null)
	kill -0 "$RADIUSD_PID" 2> /dev/null && why="not listening after 60 s${why:+; $why}"
	vg_stop
	fail "radiusd does not run under valgrind here: ${why:-valgrind exited}"
	exit 1
fi
up=$((SECONDS - started))

# 1. otp: 120 valid codes at once, then the same again (replays), then a
#    wrong code each for 60 of them; users without a factor; a lockout.
reqs "$T/ok" "${OTP[@]}" < <(python3 "$T/codes.py" code "$T" "${OTP[@]}")
load "$T/ok" "$P_OTP"
expect_counts 120 0 "valid codes"
load "$T/ok" "$P_OTP"
expect_counts 0 120 "replayed codes"
reqs "$T/wrong" "${OTP[@]:0:60}" < <(python3 "$T/codes.py" wrong "$T" "${OTP[@]:0:60}")
for i in $(seq 0 19); do printf 'User-Name = "nofactor%02d", User-Password = "123456"\n\n' "$i"; done >> "$T/wrong"
w=$(python3 "$T/codes.py" wrong "$T" locked)
for _ in 1 2 3 4 5 6 7; do printf 'User-Name = "locked", User-Password = "%s"\n\n' "$w"; done >> "$T/wrong"
# Hostile: no password, too long, a NUL, a recovery-shaped wrong code.
printf 'User-Name = "otp000"\n\n' >> "$T/wrong"
printf 'User-Name = "otp001", User-Password = "%s"\n\n' "$(head -c 120 /dev/zero | tr '\0' 7)" >> "$T/wrong"
printf 'User-Name = "otp002", User-Password = "12\\0003456"\n\n' >> "$T/wrong"
printf 'User-Name = "recov", User-Password = "AAAA-BBBB-CCCC"\n\n' >> "$T/wrong"
load "$T/wrong" "$P_OTP"
expect_counts 0 91 "wrong codes, no factor, lockout, hostile"
outcomes() { grep -c "\"user\":\"$1[^\"]*\".*\"outcome\":\"$2\"" "$T/audit.json"; }
[ "$(outcomes otp accepted)" = 120 ] || fail "audit: $(outcomes otp accepted) of 120 accepted"
[ "$(outcomes otp replayed)" = 120 ] || fail "audit: $(outcomes otp replayed) of 120 replays"
[ "$(outcomes otp rejected)" -ge 60 ] || fail "audit: $(outcomes otp rejected) of 60 wrong codes"
[ "$(outcomes nofactor no_factor)" = 20 ] || fail "audit: $(outcomes nofactor no_factor) of 20 without a factor"
[ "$(outcomes locked locked)" -ge 1 ] || fail "audit: no lockout"
# A recovery code, then the same one again.
printf 'User-Name = "recov", User-Password = "%s"\n\n' "$RECOVERY" > "$T/recovery"
load "$T/recovery" "$P_OTP"
expect_counts 1 0 "recovery code"
load "$T/recovery" "$P_OTP"
expect_counts 0 1 "recovery code again"

# 2. append: password and code as one, at once; then wrong passwords.
reqs "$T/append" "${APP[@]}" < <(python3 "$T/codes.py" code "$T" "${APP[@]}" | sed 's/^/hunter2/')
load "$T/append" "$P_APPEND"
expect_counts 20 0 "append"
reqs "$T/append" "${APP[@]:0:5}" < <(python3 "$T/codes.py" code "$T" "${APP[@]:0:5}" | sed 's/^/badpass/')
load "$T/append" "$P_APPEND"
expect_counts 0 5 "append, wrong password"

# 3. challenge: every user's password at once (a radclient each), then
#    every answer at once with its State; a used State again; a wrong
#    password gets no challenge.
for u in "${CHAL[@]}"; do
	printf 'Message-Authenticator = 0x00, User-Name = "%s", User-Password = "hunter2"\n' "$u" |
		radclient -x -r 1 -t 20 "127.0.0.1:$P_CHALLENGE" auth "$RADIUS_SECRET" > "$T/c1.$u" 2>&1 &
done
wait_load() { local p; for p in $(jobs -p); do [ "$p" = "$RADIUSD_PID" ] || wait "$p"; done; }
wait_load
for u in "${CHAL[@]}"; do
	state=$(sed -n 's/^[[:space:]]*State = \(0x[0-9a-f]*\).*/\1/p' "$T/c1.$u" | head -n 1)
	[ -n "$state" ] || { fail "no challenge for $u: $(cat "$T/c1.$u")"; continue; }
	echo "$state" > "$T/state.$u"
	printf 'Message-Authenticator = 0x00, User-Name = "%s", User-Password = "%s", State = %s\n' "$u" \
		"$(python3 "$T/codes.py" code "$T" "$u")" "$state" |
		radclient -x -r 1 -t 20 "127.0.0.1:$P_CHALLENGE" auth "$RADIUS_SECRET" > "$T/c2.$u" 2>&1 &
done
wait_load
n=$(cat "$T"/c2.* | grep -c "Received Access-Accept")
[ "$n" = "${#CHAL[@]}" ] || fail "challenge answers: $n of ${#CHAL[@]} accepted: $(grep -h Received "$T"/c2.*)"
u=${CHAL[0]}
if [ -f "$T/state.$u" ]; then
	radius "$P_CHALLENGE" "User-Name = $u, User-Password = 000000, State = $(cat "$T/state.$u")"
	grep -q "Received Access-Reject" <<< "$OUT" || fail "a used State was not refused: $OUT"
	grep -q "\"user\":\"$u\".*\"outcome\":\"bad_challenge\".*\"detail\":\"challenge unknown or already used\"" \
		"$T/audit.json" || fail "the used State was not audited as a bad challenge"
fi
radius "$P_CHALLENGE" "User-Name = ${CHAL[1]}, User-Password = wrong"
grep -q "Received Access-Reject" <<< "$OUT" || fail "a wrong password was not refused: $OUT"
# A passkey approval: asked again before it is given, accepted after, once.
radius "$P_CHALLENGE" "User-Name = vkey, User-Password = hunter2"
state=$(reply_state)
text=$(sed -n 's/^[[:space:]]*Reply-Message = "\(.*\)"$/\1/p' <<< "$OUT" | head -n 1)
[ -n "$state" ] || fail "no approval challenge for vkey: $OUT"
for answer in '""' '""' approve '""' '""'; do
	if [ "$answer" = approve ]; then
		"$ROOT/build/approve_tool" vkey "$text" 2> /dev/null || fail "approve_tool failed"
		continue
	fi
	radius "$P_CHALLENGE" "User-Name = vkey, User-Password = $answer, State = $state"
done
grep -q "Received Access-Reject" <<< "$OUT" || fail "an approval used twice: $OUT"
[ "$(grep -c '"user":"vkey".*"outcome":"consumed"' "$T/audit.json")" = 1 ] || fail "the approval was not consumed once"

kill -0 "$RADIUSD_PID" 2> /dev/null || fail "radiusd died under load"
loaded=$((SECONDS - started))

# 4. SIGTERM: radiusd exits, valgrind writes the report.
vg_stop
[ "$VG_RC" = 0 ] || [ "$VG_RC" = 99 ] ||
	fail "radiusd under valgrind ended with $VG_RC: $(tail -n 5 "$T/radlog/radius.log" "$VGLOG")"
grep -q "LEAK SUMMARY\|All heap blocks were freed" "$VGLOG" ||
	fail "valgrind wrote no leak report (no clean exit?): $(tail -n 5 "$VGLOG")"

# The report, one record a block (blocks end at an empty "==PID== " line):
# "ours" if a frame is in one of our source files or in rlm_mfa.so.
python3 - "$VGLOG" $(cd "$ROOT" && ls radius_module/*.c common/*.c) > "$T/vg.verdict" <<'PY'
import re, sys
log, sources = sys.argv[1], ["/" + s + ":" for s in sys.argv[2:]]
blocks, cur = [], []
for line in open(log, errors="replace"):
    m = re.match(r"==\d+== ?(.*)", line.rstrip("\n"))
    if not m:
        continue
    text = m.group(1)
    if re.match(r"Thread \d+:$", text):   # which thread: not part of the record
        continue
    if text.strip() == "":
        if cur:
            blocks.append(cur)
        cur = []
    else:
        cur.append(text)
if cur:
    blocks.append(cur)
BAD = re.compile(r"^(Invalid (read|write|free)|Mismatched free|Source and destination overlap|"
                 r"Conditional jump or move depends on uninitialised|Use of uninitialised value|"
                 r"Syscall param .* uninitialised)")
LOST = re.compile(r"are definitely lost in loss record")
ours_n = other_err = other_lost = 0
for b in blocks:
    head = b[0].strip()
    frames = [l for l in b[1:] if re.match(r"\s+(at|by) 0x", l)]
    ours = any("rlm_mfa.so" in l or any(s in l for s in sources) for l in frames)
    if BAD.match(head) or LOST.search(head):
        if ours:
            ours_n += 1
            print("OURS: " + "\n      ".join(b[:16]))
        elif LOST.search(head):
            other_lost += 1
        else:
            other_err += 1
summary = [l for b in blocks for l in b if re.search(r"ERROR SUMMARY|definitely lost:|indirectly lost:", l)]
print("COUNTS ours=%d other_errors=%d other_definitely_lost_records=%d" % (ours_n, other_err, other_lost))
for l in summary:
    print("SUMMARY " + l.strip())
PY
if grep -q '^OURS' "$T/vg.verdict"; then
	kept=${TMPDIR:-/tmp}/mfa-radius-valgrind.log
	cp "$VGLOG" "$kept" 2> /dev/null || kept="(not kept)"
	fail "valgrind found errors in our code (the whole report: $kept):
$(grep -v '^COUNTS\|^SUMMARY' "$T/vg.verdict" | head -n 60)"
fi
echo "  note: $(sed -n 's/^COUNTS //p' "$T/vg.verdict"); valgrind exit $VG_RC; $(sed -n 's/^SUMMARY //p' "$T/vg.verdict" | tr '\n' ';' | sed 's/;$//')"
echo "  note: radiusd up after ${up} s, load done at ${loaded} s, report at $((SECONDS - started)) s"
