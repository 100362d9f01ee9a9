#!/bin/bash
# bench_pam.sh - PAM authentications per second, side by side in one run:
# pam_mfa.so (asking mfad, SQLite store), pam_mfa_local.so (the core in the
# process), Debian's pam_google_authenticator.so and pam_oath.so. Each authentication is the whole pam_start ->
# pam_authenticate -> pam_end with a valid TOTP code (bench/bench_pam.c
# says why TOTP, one login per user). It prints numbers and asserts no
# timing; it fails only if a login fails, since a benchmark of refused
# logins is worthless.
#
#   bench/bench_pam.sh [--users N] [--rounds R]    (defaults 2000 and 3)
#
# Each round runs every measurement once, in turn, on state of its own (no
# code is ever used twice); the table shows each measurement's median round,
# which keeps one disturbed run from deciding the numbers.
#
# Needs build/pam_mfa.so, build/pam_mfa_local.so, build/mfad, build/mfactl
# and build/bench_pam: it builds
# nothing. Everything else lives in a mktemp -d directory (under $TMPDIR,
# else /tmp), removed at exit: pam_wrapper reads the service files from
# there, and nss_wrapper gives the benchmark users passwd entries (pam_oath
# wants one for a per-user file; every module runs under both wrappers).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
USERS=2000
ROUNDS=3
WARMUP=20
usage() { echo "usage: $0 [--users N] [--rounds R]" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--users) [ $# -ge 2 ] || usage; USERS=$2; shift 2 ;;
	--rounds) [ $# -ge 2 ] || usage; ROUNDS=$2; shift 2 ;;
	*) usage ;;
	esac
done
case $USERS$ROUNDS in '' | *[!0-9]*) usage ;; esac
if [ "$USERS" -lt 1 ] || [ "$USERS" -gt 100000 ] || [ "$ROUNDS" -lt 1 ] || [ "$ROUNDS" -gt 20 ]; then
	echo "bench_pam: --users 1..100000, --rounds 1..20" >&2
	exit 2
fi

BENCH=$ROOT/build/bench_pam MFACTL=$ROOT/build/mfactl PAM_MFA=$ROOT/build/pam_mfa.so
PAM_LOCAL=$ROOT/build/pam_mfa_local.so MFAD=$ROOT/build/mfad
missing=""
for f in "$BENCH" "$MFACTL" "$PAM_MFA" "$PAM_LOCAL" "$MFAD"; do [ -f "$f" ] || missing="$missing $f"; done
if [ -n "$missing" ]; then
	echo "bench_pam: missing:$missing" >&2
	echo "bench_pam: build them first (make all, then build/bench_pam)" >&2
	exit 2
fi
MULTIARCH=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
for m in pam_google_authenticator.so pam_oath.so pam_permit.so pam_deny.so; do
	[ -f "/lib/$MULTIARCH/security/$m" ] ||
		{ echo "bench_pam: /lib/$MULTIARCH/security/$m missing (make deps)" >&2; exit 2; }
done
for w in libpam_wrapper.so libnss_wrapper.so; do
	[ -f "/usr/lib/$MULTIARCH/$w" ] || { echo "bench_pam: $w missing (make deps)" >&2; exit 2; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/mfa-bench-pam-XXXXXX")
MFAD_PID=""
trap '[ -z "$MFAD_PID" ] || kill "$MFAD_PID" 2> /dev/null; rm -rf "$T"' EXIT
started=$(date +%s.%N)
TOTAL=$((USERS + WARMUP))   # the last WARMUP users warm each run up, untimed

# nss_wrapper's passwd: root (google-authenticator's user=root) and every
# benchmark user, as uid 0 so that pam_oath reads root's files as itself.
{
	echo "root:x:0:0:root:/root:/bin/bash"
	for ((i = 0; i < TOTAL; i++)); do
		printf 'user%05d:x:0:0::/nonexistent:/usr/sbin/nologin\n' "$i"
	done
} > "$T/passwd"
echo "root:x:0:" > "$T/group"

mkdir "$T/svc"
svc() { printf '%s\n' "$2" > "$T/svc/$1"; }
svc other "auth required pam_deny.so"
svc permit "auth required pam_permit.so"

# State for round R in $T/R: tokens for every module with the same secrets
# (R/tok/users.oath: one pam_oath usersfile; R/tok/oath/USER: one per user;
# R/tok/ga/USER), and pam_mfa stores holding them, imported from the
# usersfile before pam_oath touches it: syslog auditing off, on, and off
# again for the run that keeps the module loaded.
for ((r = 1; r <= ROUNDS; r++)); do
	d=$T/$r
	mkdir "$d"
	"$BENCH" setup "$d/tok" --users "$TOTAL"
	for variant in svc nolog syslog kept; do
		audit=no
		[ "$variant" = syslog ] && audit=yes
		printf 'store = sqlite:%s\nkey_file = %s\naudit_syslog = %s\n' \
			"$d/mfa-$variant.db" "$d/mfa-$variant.key" "$audit" > "$d/mfa-$variant.conf"
		MFA_CONFIG=$d/mfa-$variant.conf "$MFACTL" init > /dev/null
		MFA_CONFIG=$d/mfa-$variant.conf "$MFACTL" import oath "$d/tok/users.oath" > /dev/null
		svc "mfa-$variant.$r" "auth required $PAM_LOCAL config=$d/mfa-$variant.conf"
	done
	svc "mfa-svc.$r" "auth required $PAM_MFA socket=$T/mfad.sock"
	svc "ga.$r" "auth required pam_google_authenticator.so secret=$d/tok/ga/\${USER} user=root"
	svc "oath.$r" "auth required pam_oath.so usersfile=$d/tok/users.oath window=1"
	svc "oath-peruser.$r" "auth required pam_oath.so usersfile=$d/tok/oath/\${USER} window=1"
done

# measure NAME SERVICE [ARG...]: one login per user through SERVICE;
# appends "rate cpu_us syslog_lines" to $T/NAME. What modules send to
# syslog goes to $T/syslog.NAME (bench_pam.c: "syslog sink").
measure() {
	local name=$1 service=$2 out
	shift 2
	if ! out=$(env LD_PRELOAD="libpam_wrapper.so libnss_wrapper.so" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$T/svc" NSS_WRAPPER_PASSWD="$T/passwd" \
		NSS_WRAPPER_GROUP="$T/group" \
		"$BENCH" run "$service" --users "$USERS" --warmup "$WARMUP" \
		--syslog "$T/syslog.$name" "$@"); then
		if [ -n "$out" ]; then echo "$out"; fi
		echo "bench_pam: ***** $service: LOGINS FAILED: these numbers are worthless *****" >&2
		exit 1
	fi
	case $out in
	*" ok=$USERS failed=0 "*) ;;
	*) echo "bench_pam: ***** $service: unexpected result: $out *****" >&2; exit 1 ;;
	esac
	sed -n 's/.* rate=\([0-9.]*\) cpu_us=\([0-9.]*\) syslog_lines=\([0-9]*\).*/\1 \2 \3/p' \
		<<< "$out" >> "$T/$name"
}

# mfad_cpu: its CPU time so far, in clock ticks (user + system).
mfad_cpu() { awk '{ print $14 + $15 }' "/proc/$MFAD_PID/stat"; }
# measure_service R: pam_mfa.so asking an mfad on round R's store; mfad's
# CPU time is added to the login's (it does the work).
measure_service() {
	local before after
	"$MFAD" --config "$T/$1/mfa-svc.conf" --socket "$T/mfad.sock" 2> "$T/mfad.log" &
	MFAD_PID=$!
	for _ in $(seq 100); do grep -q 'answering at' "$T/mfad.log" && break; sleep 0.05; done
	before=$(mfad_cpu)
	measure mfa-svc "mfa-svc.$1"
	after=$(mfad_cpu)
	kill "$MFAD_PID"
	wait "$MFAD_PID" 2> /dev/null
	MFAD_PID=""
	# The last line: "rate cpu_us syslog_lines"; mfad's share in µs a login.
	awk -v add="$(( (after - before) * 1000000 / $(getconf CLK_TCK) ))" -v n="$USERS" 		'{ line[NR] = $0 } END { for (i = 1; i < NR; i++) print line[i];
		   split(line[NR], f, " "); printf "%s %.1f %s\n", f[1], f[2] + add / n, f[3] }' 		"$T/mfa-svc" > "$T/mfa-svc.new" && mv "$T/mfa-svc.new" "$T/mfa-svc"
}

for ((r = 1; r <= ROUNDS; r++)); do
	measure permit permit
	measure_service "$r"
	measure mfa "mfa-nolog.$r"
	measure ga "ga.$r"
	measure oath "oath.$r"
	measure oath-peruser "oath-peruser.$r"
	measure mfa-syslog "mfa-syslog.$r"
	measure mfa-kept "mfa-kept.$r" --keep-loaded "$PAM_LOCAL"
done

# median NAME: the median round's "rate cpu_us syslog_lines" (by rate; the
# lower middle one for an even number of rounds).
median() { sort -n "$T/$1" | sed -n "$(((ROUNDS + 1) / 2))p"; }
declare -A RATE CPU LOG
for name in permit mfa-svc mfa ga oath oath-peruser mfa-syslog mfa-kept; do
	read -r RATE[$name] CPU[$name] LOG[$name] <<< "$(median "$name")"
done

fs=$(df -PT "$T" | awk 'NR == 2 { print $2 }')
row() {
	printf '%-58s %8.0f %12.0f %11.1f\n' "$1" "${RATE[$2]}" "${CPU[$2]}" \
		"$(awk -v l="${LOG[$2]}" -v n="$USERS" 'BEGIN { print l / n }')"
}
echo "bench_pam: $USERS users, each logging in once per module and round: pam_start ->"
echo "  pam_authenticate -> pam_end with a valid TOTP code (SHA1, 6 digits, 30 s, window"
echo "  +-1 step, reuse refused by every module); one process, through pam_wrapper and"
if [ "$ROUNDS" -eq 1 ]; then rounds="one round"; else rounds="median of $ROUNDS rounds"; fi
echo "  nss_wrapper; $rounds; $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)),"
echo "  load average $(cut -d' ' -f1-3 /proc/loadavg); state files on $fs."
printf '%-58s %8s %12s %11s\n' "module" "auth/s" "CPU us/auth" "syslog/auth"
row "pam_mfa.so asking mfad, SQLite store, syslog auditing off" mfa-svc
row "pam_google_authenticator.so, a file per user" ga
row "pam_oath.so, one usersfile ($TOTAL users)" oath
row "pam_oath.so, a usersfile per user" oath-peruser
row "  pam_mfa_local.so (core in the process), syslog off" mfa
row "  pam_mfa_local.so, syslog auditing on" mfa-syslog
row "  pam_mfa_local.so, syslog off, module kept loaded" mfa-kept
row "  floor: pam_permit.so (PAM and the wrappers alone)" permit
awk -v mfa="${RATE[mfa-svc]}" -v local="${RATE[mfa]}" -v ga="${RATE[ga]}" -v one="${RATE[oath]}" \
	-v per="${RATE[oath-peruser]}" -v floor="${RATE[permit]}" 'BEGIN {
	best = ga; name = "pam_google_authenticator"
	if (one > best) { best = one; name = "pam_oath, one usersfile" }
	if (per > best) { best = per; name = "pam_oath, a usersfile per user" }
	printf "ratio pam_mfa / best peer: %.2f (best peer: %s); pam_mfa_local / best peer: %.2f\n",
	       mfa / best, name, local / best
	printf "goal pam_mfa >= best peer: %s (aim: 2x, %s)\n", (mfa >= best) ? "met" : "NOT met",
	       (mfa >= 2 * best) ? "met" : "not met"
	printf "ceiling: a module costing nothing (the floor) is %.1fx the best peer here\n", floor / best
}'
echo "notes: pam_mfa.so's CPU per login adds mfad's (measured from /proc) to the client's."
echo "  syslog auditing is off in pam_mfa's main rows (audit_syslog = no, no audit_file);"
echo "  google-authenticator logs each success (no option turns that off); pam_oath logs"
echo "  nothing. Every module's syslog() goes to a file sink in the benchmark process: one"
echo "  formatted line and one write(2), as a local syslog daemon costs (without it, on a"
echo "  machine without /dev/log, glibc writes google-authenticator's lines to the console)."
echo "  google-authenticator and pam_oath fsync their rewritten file once a login; pam_mfa's"
echo "  syncs are SQLite's. pam_oath reads and rewrites its whole usersfile at each login:"
echo "  with one usersfile its rate falls as users grow, with a file per user it does not."
echo "  \"kept loaded\": bench_pam holds pam_mfa_local.so open, so libpam's dlopen and dlclose at"
echo "  each login no longer load and unload it and its libraries (SQLite and others)."
awk -v t0="$started" -v t1="$(date +%s.%N)" 'BEGIN { printf "bench_pam: %.0f s in all\n", t1 - t0 }'
