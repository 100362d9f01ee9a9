#!/bin/bash
# bench_web.sh - mfa-web sign-ins per second through the real path: the
# password by PAM through mfad (pam_wrapper and pam_matrix, as
# tests/web/lib.sh sets them up), then the user's current TOTP code checked
# by the core; one sign-in per user (a code is good once), each from an
# address of its own (behind_proxy: X-Forwarded-For), THREADS at a time over
# kept-alive connections (bench/bench_web.py). Then GET /api/me requests per
# second with ab. It prints numbers and the CPU time mfa-web and mfad spent
# on each; it asserts no timing, and fails only if a sign-in or a request
# fails.
#
#   bench/bench_web.sh [--users N] [--threads T]    (defaults 1000 and 8)
#
# Needs build/mfa-web, build/mfad, build/mfactl (make all), oathtool, ab and
# pam_wrapper (make deps); runs as root (mfa-web drops to nobody).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
USERS=1000 THREADS=8 ME_REQUESTS=20000 ME_CONC=20
usage() { echo "usage: $0 [--users N] [--threads T]" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--users) [ $# -ge 2 ] || usage; USERS=$2; shift 2 ;;
	--threads) [ $# -ge 2 ] || usage; THREADS=$2; shift 2 ;;
	*) usage ;;
	esac
done
case $USERS$THREADS in '' | *[!0-9]*) usage ;; esac
# Each sign-in takes two places in the rate limits' fixed table (8192, one
# minute: web/limit.c), which refuses a key when every place it may take is
# busy: past about 1,000 sign-ins a minute some would be refused with 429.
if [ "$USERS" -lt 1 ] || [ "$USERS" -gt 1000 ] || [ "$THREADS" -lt 1 ] || [ "$THREADS" -gt 256 ]; then
	echo "bench_web: --users 1..1000 (the rate limits' table), --threads 1..256" >&2
	exit 2
fi
MFACTL=$ROOT/build/mfactl
missing=""
for f in "$ROOT/build/mfa-web" "$ROOT/build/mfad" "$MFACTL"; do [ -x "$f" ] || missing="$missing $f"; done
if [ -n "$missing" ]; then
	echo "bench_web: missing:$missing (make all builds them)" >&2
	exit 2
fi
for t in oathtool ab; do
	command -v "$t" > /dev/null || { echo "bench_web: $t missing (make deps)" >&2; exit 2; }
done

# The plain builds, not the tests' ASan one.
WEB_BIN=$ROOT/build/mfa-web MFAD_PLAIN=$ROOT/build/mfad
. "$ROOT/tests/web/lib.sh"
echo "web_behind_proxy = yes" >> "$MFA_CONFIG"
"$MFACTL" init > /dev/null
TCK=$(getconf CLK_TCK)

# USERS users, each with a random secret (imported as an oath usersfile),
# a password for PAM, and the codes of the next STEPS TOTP steps.
STEPS=$((10 + USERS / 500))
python3 - "$USERS" "$W/users.oath" "$W/passdb" <<'PY'
import os, sys
n, oath, passdb = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(oath, "w") as o, open(passdb, "a") as p:
    for i in range(n):
        o.write("HOTP/T30/6 user%05d - %s\n" % (i, os.urandom(20).hex()))
        p.write("user%05d:pw-%05d-%s:mfa-web\n" % (i, i, os.urandom(6).hex()))
PY
"$MFACTL" import oath "$W/users.oath" > /dev/null
first=$(($(date +%s) / 30))
paste -d ' ' <(awk '{ print $2 }' "$W/users.oath") \
	<(grep '^user' "$W/passdb" | cut -d: -f2) <(awk '{ print $4 }' "$W/users.oath") |
	while read -r user pw hex; do
		# shellcheck disable=SC2046 # one code a word
		echo "$user $pw $first" $(oathtool --totp -N "@$((first * 30))" -w "$((STEPS - 1))" "$hex")
	done > "$W/codes"

web_mfad_start || { echo "bench_web: mfad did not start" >&2; exit 1; }
# shellcheck disable=SC2119 # no options
web_start || { echo "bench_web: mfa-web did not start" >&2; exit 1; }
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

web0=$(cpu "$WEB_PID") mfad0=$(cpu "$WEB_MFAD_PID")
if ! out=$(python3 "$ROOT/bench/bench_web.py" "$WEB_URL" "$W/codes" "$THREADS"); then
	echo "$out"
	tail -n 5 "$WEB_LOG" "$MFAD_LOG"
	echo "bench_web: ***** SIGN-INS FAILED: these numbers are worthless *****" >&2
	exit 1
fi
web1=$(cpu "$WEB_PID") mfad1=$(cpu "$WEB_MFAD_PID")
seconds=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<< "$out")
cookie=$(sed -n 's/^cookie=//p' <<< "$out")
awk -v n="$USERS" -v s="$seconds" -v t="$THREADS" -v tck="$TCK" -v w="$((web1 - web0))" \
	-v m="$((mfad1 - mfad0))" 'BEGIN {
	printf "%.0f sign-ins/s (%d users, one sign-in each, %d at a time: password by PAM through mfad, then a TOTP code)\n", n / s, n, t
	printf "  CPU a sign-in: mfa-web %.0f us, mfad %.0f us\n", w / tck / n * 1e6, m / tck / n * 1e6
}'

web0=$(cpu "$WEB_PID")
if ! timeout 300 ab -q -k -c "$ME_CONC" -n "$ME_REQUESTS" -C "$cookie" \
	-H "X-Forwarded-For: 10.255.255.1" "$WEB_URL/api/me" > "$W/ab.me" 2>&1 ||
	! grep -q '^Failed requests: *0$' "$W/ab.me" || grep -q '^Non-2xx' "$W/ab.me"; then
	cat "$W/ab.me"
	echo "bench_web: ***** GET /api/me FAILED: these numbers are worthless *****" >&2
	exit 1
fi
web1=$(cpu "$WEB_PID")
awk -v n="$ME_REQUESTS" -v c="$ME_CONC" -v tck="$TCK" -v w="$((web1 - web0))" '
	/^Requests per second:/ { rate = $4 }
	END {
		printf "%.0f requests/s GET /api/me (signed in, %d at a time, kept alive)\n", rate, c
		printf "  CPU a request: mfa-web %.0f us\n", w / tck / n * 1e6
	}' "$W/ab.me"
web_stop
