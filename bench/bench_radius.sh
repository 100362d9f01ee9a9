#!/bin/bash
# bench_radius.sh - Access-Requests per second through one FreeRADIUS 3.2,
# side by side in one run: rlm_mfa (mode = otp) on a SQLite store and on a
# private PostgreSQL 15 (tests/pg/lib.sh; over its Unix socket and over TCP
# on 127.0.0.1), the same radiusd checking a password only (PAP,
# Cleartext-Password from the users file) and Debian's rlm_totp
# (TOTP-Secret from the users file). Every request carries a valid code (or
# the right password) and must be accepted: it prints numbers and asserts
# no timing; it fails only if a request is not accepted, since a benchmark
# of rejects is worthless. The project's goals: rlm_mfa at least 80% of the
# PAP-only rate on SQLite, at least half of it on PostgreSQL.
#
#   bench/bench_radius.sh [--users N] [--rounds R] [--parallel P]
#                                         (defaults 5000, 3 and 64)
#
#   As a Makefile target (beside bench-pam):
#     bench-radius: all
#     	bench/bench_radius.sh
#
# rlm_mfa accepts a TOTP step once per factor, so each round has users of
# its own: N users a round, each sending exactly one request to each server
# with the code of the current 30 s step (plus min(N, 1000) users for an
# untimed warm-up), enrolled by "mfactl import oath" (one transaction per
# 50,000 users) into each of the three stores. The five servers get the
# same requests (the same users, same codes; "hunter2" for PAP) in files of
# 1000, each file one radclient run (-p P, no retries), one run at a time;
# a measurement is N requests over the summed wall time of its runs. A
# round starts only with enough of its 30 s step left for it (codes are
# computed for that step: rlm_totp accepts the current step only). The
# table shows each server's median round.
#
# PostgreSQL: one radiusd, two more rlm_mfa instances (mfa_pg, mfa_pg_tcp)
# and virtual servers beside the others, so that every row shares one
# process, thread pool and CPU accounting. The servers log in as a role
# without DDL rights (mfa_app); the socket and TCP rows use two databases
# of one cluster, as each store accepts a code once. The cluster runs as in
# production, not as the tests run it: fsync, full_page_writes and
# synchronous_commit on (a commit waits for its WAL flush); the output says
# so, and gives the PostgreSQL processes' CPU per request apart.
#
# Needs root (PostgreSQL runs as the postgres user), build/rlm_mfa.so and
# build/mfactl (it builds nothing), freeradius, radclient, PostgreSQL 15's
# server (initdb) and python3 (codes: hmac/hashlib, checked against
# oathtool if it is there). The private raddb comes from
# tests/radius/raddb.sh; all lives in a mktemp -d directory (under $TMPDIR,
# else /tmp; the cluster under /tmp), removed at exit, when radiusd and
# PostgreSQL are stopped too.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
USERS=5000
ROUNDS=3
PARALLEL=64
PER_FILE=1000
usage() { echo "usage: $0 [--users N] [--rounds R] [--parallel P]" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--users) [ $# -ge 2 ] || usage; USERS=$2; shift 2 ;;
	--rounds) [ $# -ge 2 ] || usage; ROUNDS=$2; shift 2 ;;
	--parallel) [ $# -ge 2 ] || usage; PARALLEL=$2; shift 2 ;;
	*) usage ;;
	esac
done
case $USERS$ROUNDS$PARALLEL in '' | *[!0-9]*) usage ;; esac
if [ "$USERS" -lt 100 ] || [ "$USERS" -gt 20000 ] || [ "$ROUNDS" -lt 1 ] || [ "$ROUNDS" -gt 9 ] ||
	[ "$PARALLEL" -lt 1 ] || [ "$PARALLEL" -gt 1000 ]; then
	echo "bench_radius: --users 100..20000, --rounds 1..9, --parallel 1..1000" >&2
	exit 2
fi

MFACTL=$ROOT/build/mfactl
missing=""
for f in "$MFACTL" "$ROOT/build/rlm_mfa.so" /usr/lib/freeradius/rlm_totp.so \
	/usr/share/freeradius/dictionary.rfc2865 /etc/freeradius/3.0/radiusd.conf \
	/usr/lib/postgresql/15/bin/initdb; do
	[ -f "$f" ] || missing="$missing $f"
done
for c in freeradius radclient python3; do command -v "$c" > /dev/null || missing="$missing $c"; done
if [ -n "$missing" ]; then
	echo "bench_radius: missing:$missing" >&2
	echo "bench_radius: build first (make all); freeradius, radclient, postgresql: make deps" >&2
	exit 2
fi
[ "$(id -u)" -eq 0 ] || { echo "bench_radius: needs root (PostgreSQL runs as the postgres user)" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/mfa-bench-radius-XXXXXX")
MFA_CONFIG=$T/mfa.conf
. "$ROOT/tests/radius/raddb.sh"
. "$ROOT/tests/pg/lib.sh"
trap 'raddb_stop || true; pg_stop || true; rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
started=$EPOCHREALTIME
WARM=$((USERS < 1000 ? USERS : 1000))
TOTAL=$((WARM + ROUNDS * USERS))
die() { echo "bench_radius: $*" >&2; exit 1; }

cat > "$MFA_CONFIG" <<CONF
store = sqlite:$T/mfa.db
key_file = $T/mfa.key
audit_syslog = no
CONF
MFA_CONFIG=$MFA_CONFIG "$MFACTL" init > /dev/null

# PostgreSQL: databases mfa (socket row) and mfa_tcp (TCP row), each made
# by its owner (mfactl init) and used by the servers as mfa_app. The
# tests' settings trade durability for speed: production's are restored.
pg_start > "$T/pg_start.log" 2>&1 || { cat "$T/pg_start.log" >&2; die "PostgreSQL did not start"; }
pg_psql -qc "CREATE DATABASE mfa_tcp OWNER mfa_owner" > /dev/null || die "CREATE DATABASE failed"
pg_psql -qAt > /dev/null <<'SQL' || die "could not set PostgreSQL's durability settings"
ALTER SYSTEM SET fsync = on;
ALTER SYSTEM SET full_page_writes = on;
ALTER SYSTEM SET synchronous_commit = on;
SELECT pg_reload_conf();
SQL
# pg_reload_conf only signals: wait until the backends see it.
for _ in $(seq 50); do
	PG_SETTINGS=$(pg_psql -qAt -c "SELECT string_agg(name || ' = ' || current_setting(name), ', ' ORDER BY name)
		FROM pg_settings WHERE name IN ('fsync', 'full_page_writes', 'synchronous_commit',
		'wal_sync_method', 'shared_buffers')")
	case $PG_SETTINGS in *'fsync = on, full_page_writes = on'*'synchronous_commit = on'*) break ;; esac
	sleep 0.1
done
case $PG_SETTINGS in
*'fsync = on, full_page_writes = on'*'synchronous_commit = on'*) ;;
*) die "PostgreSQL's settings did not take: $PG_SETTINGS" ;;
esac
PG_VERSION=$(pg_psql -qAt -c "SHOW server_version" | cut -d' ' -f1)
pg_conf() { # FILE URI
	printf 'store = %s\nkey_file = %s\naudit_syslog = no\nstore_timeout = 10\n' "$2" "$T/mfa.key" > "$1"
}
PG_ADMIN=("$T/mfa-pg-admin.conf" "$T/mfa-pg-tcp-admin.conf")
pg_conf "${PG_ADMIN[0]}" "$MFA_PG_URI_SOCK"
pg_conf "${PG_ADMIN[1]}" "${MFA_PG_URI_TCP/\/mfa\?//mfa_tcp?}"
pg_conf "$T/mfa-pg.conf" "$MFA_PG_APP_URI_SOCK"
pg_conf "$T/mfa-pg-tcp.conf" "${MFA_PG_APP_URI_TCP/\/mfa\?//mfa_tcp?}"
for c in "${PG_ADMIN[@]}"; do "$MFACTL" --config "$c" init > /dev/null || die "mfactl init on PostgreSQL failed"; done
pg_grant_app || die "granting mfa_app its rights in database mfa failed"
pg_psql -q -d mfa_tcp > /dev/null <<'SQL' || die "granting mfa_app its rights in database mfa_tcp failed"
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO mfa_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO mfa_app;
SQL

# tokens.py: secrets, the files that enroll them, and request files.
#   setup TOTAL DIR    DIR/keys (hex), DIR/users.oath (pam_oath usersfile for
#                      mfactl import), DIR/authorize (users file for radiusd)
#   reqs DIR pap|otp FIRST COUNT PER_FILE STEP OUT
#                      OUT.000, OUT.001...: one request per user from FIRST,
#                      with "hunter2" or the TOTP code of STEP
#   code DIR I STEP    user I's code for STEP
cat > "$T/tokens.py" <<'PY'
import base64, hashlib, hmac, os, struct, sys

def totp(key, step):
    d = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    o = d[-1] & 15
    return "%06d" % ((struct.unpack(">I", d[o:o + 4])[0] & 0x7fffffff) % 1000000)

def keys(d):
    with open(d + "/keys") as f:
        return [bytes.fromhex(line) for line in f]

cmd = sys.argv[1]
if cmd == "setup":
    n, d = int(sys.argv[2]), sys.argv[3]
    ks = [os.urandom(20) for _ in range(n)]
    with open(d + "/keys", "w") as f:
        f.writelines(k.hex() + "\n" for k in ks)
    with open(d + "/users.oath", "w") as f:
        f.writelines("HOTP/T30/6 user%06d - %s\n" % (i, k.hex()) for i, k in enumerate(ks))
    with open(d + "/authorize", "w") as f:
        f.writelines('user%06d\tCleartext-Password := "hunter2", TOTP-Secret := "%s"\n\n'
                     % (i, base64.b32encode(k).decode()) for i, k in enumerate(ks))
elif cmd == "reqs":
    d, kind, first, count, per, step, out = sys.argv[2:9]
    first, count, per, step = int(first), int(count), int(per), int(step)
    ks = keys(d) if kind == "otp" else None
    for n, start in enumerate(range(first, first + count, per)):
        with open("%s.%03d" % (out, n), "w") as f:
            for i in range(start, min(first + count, start + per)):
                pw = totp(ks[i], step) if kind == "otp" else "hunter2"
                f.write('Message-Authenticator = 0x00, User-Name = "user%06d", '
                        'User-Password = "%s"\n\n' % (i, pw))
elif cmd == "code":
    print(totp(keys(sys.argv[2])[int(sys.argv[3])], int(sys.argv[4])))
PY
python3 "$T/tokens.py" setup "$TOTAL" "$T"
if command -v oathtool > /dev/null; then
	step=$(($(date +%s) / 30))
	[ "$(python3 "$T/tokens.py" code "$T" 0 "$step")" = \
		"$(oathtool --totp --now "@$((step * 30 + 1))" "$(head -n 1 "$T/keys")")" ] ||
		die "tokens.py and oathtool disagree about a code"
fi
# mfactl reads a usersfile of up to 4 MiB: 50,000 lines (of 64 bytes) at a time.
split -l 50000 "$T/users.oath" "$T/users.oath."
for f in "$T"/users.oath.*; do
	for c in "$MFA_CONFIG" "${PG_ADMIN[@]}"; do "$MFACTL" --config "$c" import oath "$f" > /dev/null; done
done

# radiusd: raddb.sh's servers, with every user in the users file (password
# and TOTP-Secret), and rlm_mfa on PostgreSQL: over the socket on
# P_TOTP + 1, over TCP on P_TOTP + 2.
raddb_bench() {
	local name conf port
	raddb_make "$1"
	cp "$T/authorize" "$RADDB/mods-config/files/authorize"
	P_PG=$((P_TOTP + 1)) P_PG_TCP=$((P_TOTP + 2))
	for name in mfa_pg mfa_pg_tcp; do
		conf=$T/mfa-pg.conf port=$P_PG
		[ "$name" = mfa_pg ] || conf=$T/mfa-pg-tcp.conf port=$P_PG_TCP
		printf 'mfa %s {\n\tconfig = %s\n\tmode = otp\n}\n' "$name" "$conf" >> "$RADDB/mods-enabled/mfa"
		cat >> "$RADDB/radiusd.conf" <<-CONF
		server $name {
			listen {
				type = auth
				ipaddr = 127.0.0.1
				port = $port
			}
			authorize {
				$name
			}
			authenticate {
				Auth-Type $name {
					$name
				}
			}
		}
		CONF
	done
}
ok=""
for _ in 1 2 3; do
	raddb_bench $((30000 + RANDOM % 20000))
	if raddb_start; then ok=1; break; fi
	raddb_stop || true
done
[ -n "$ok" ] || die "radiusd did not start (see above)"

# radclient with the RFC 2865, 2869 (Message-Authenticator, which the
# client requires) and internal dictionaries only: it starts in a few ms
# instead of ~20.
mkdir "$T/dict"
printf '$INCLUDE /usr/share/freeradius/dictionary.%s\n' rfc2865 rfc2869 freeradius.internal \
	> "$T/dict/dictionary"
RADCLIENT=(radclient -D "$T/dict" -q -s -p "$PARALLEL" -r 1 -t 5)
CLK_TCK=$(getconf CLK_TCK)
now_us() { local t=$EPOCHREALTIME; echo "${t/[.,]/}"; }
radiusd_ticks() { awk '{ print $14 + $15 }' "/proc/$RADIUSD_PID/stat"; }
# postgres_ticks: CPU of the postmaster, its live children and those it
# reaped (cutime, cstime); the fields after the command's ")".
postgres_ticks() {
	local pm c
	pm=$(head -n 1 "$MFA_PG_DIR/data/postmaster.pid")
	{
		sed 's/.*) //' "/proc/$pm/stat" | awk '{ print $12 + $13 + $14 + $15 }'
		for c in $(pgrep -P "$pm"); do sed 's/.*) //' "/proc/$c/stat" 2> /dev/null | awk '{ print $12 + $13 }'; done
	} | awk '{ s += $1 } END { print s }'
}

# wait_for_step NEED: returns once at least NEED seconds of the current
# 30 s step are left, then STEP is that step.
wait_for_step() {
	local t left_us
	t=$(now_us)
	left_us=$((30000000 - t % 30000000))
	if [ "$left_us" -lt $(($1 * 1000000)) ]; then
		sleep "$(printf '%d.%06d' $(((left_us + 100000) / 1000000)) $(((left_us + 100000) % 1000000)))"
	fi
	STEP=$(($(now_us) / 30000000))
}

# summary WORD TEXT: the number radclient -s printed after WORD (0 if none).
summary() {
	local v
	v=$(sed -n "s/^[[:space:]]*$1[[:space:]]*:[[:space:]]*\([0-9]*\).*/\1/p" <<< "$2")
	echo "${v:-0}"
}

# send NAME PORT PREFIX COUNT [TIMED]: PREFIX.* to 127.0.0.1:PORT, one
# radclient run a file; every one of the COUNT requests must be accepted.
# With TIMED, appends "rate cpu_us_per_request postgres_cpu_us_per_request"
# to $T/res.NAME.
send() {
	local name=$1 port=$2 prefix=$3 count=$4 timed=${5:-} f out rc t0 t1 c0 c1 g0 g1
	local wall=0 acc=0 rej=0 lost=0 runs=0 worst=0
	: > "$T/radclient.err"
	g0=$(postgres_ticks)
	c0=$(radiusd_ticks)
	for f in "$prefix".*; do
		t0=$(now_us)
		rc=0
		out=$("${RADCLIENT[@]}" -f "$f" "127.0.0.1:$port" auth "$RADIUS_SECRET" 2>> "$T/radclient.err") || rc=$?
		t1=$(now_us)
		wall=$((wall + t1 - t0))
		runs=$((runs + 1))
		acc=$((acc + $(summary Accepted "$out")))
		rej=$((rej + $(summary Rejected "$out")))
		lost=$((lost + $(summary Lost "$out")))
		[ "$rc" -eq 0 ] || worst=$rc
	done
	c1=$(radiusd_ticks)
	g1=$(postgres_ticks)
	# radclient exits 1 for a reject or a lost request; anything else is
	# its own failure.
	if [ "$acc" -ne "$count" ] || [ "$worst" -ne 0 ]; then
		echo "bench_radius: ***** $LABEL, $name: $acc of $count requests accepted ($rej rejected," \
			"$lost lost; radclient exit status $worst): these numbers are worthless *****" >&2
		[ $(($(now_us) / 30000000)) -eq "$STEP" ] ||
			echo "bench_radius: the 30 s step changed during the round: fewer --users?" >&2
		echo "bench_radius: radclient said:" >&2
		tail -n 5 "$T/radclient.err" >&2
		echo "bench_radius: radius.log's last errors and warnings:" >&2
		grep -E ': (Error|WARNING|Warning):' "$T/radlog/radius.log" | tail -n 5 >&2
		exit 1
	fi
	[ -n "$timed" ] || return 0
	awk -v n="$count" -v us="$wall" -v ticks=$((c1 - c0)) -v pg=$((g1 - g0)) -v hz="$CLK_TCK" \
		'BEGIN { printf "%.1f %.1f %.1f\n", n * 1e6 / us, ticks * 1e6 / hz / n, pg * 1e6 / hz / n }' \
		>> "$T/res.$name"
	echo "$runs" > "$T/runs"
}

# round LABEL FIRST COUNT [TIMED]: users FIRST.. send to each server once.
round() {
	local first=$2 count=$3 timed=${4:-} t0
	LABEL=$1
	rm -f "$T"/req.*
	wait_for_step "$NEED"
	t0=$(now_us)
	python3 "$T/tokens.py" reqs "$T" otp "$first" "$count" "$PER_FILE" "$STEP" "$T/req.otp"
	python3 "$T/tokens.py" reqs "$T" pap "$first" "$count" "$PER_FILE" "$STEP" "$T/req.pap"
	send "mfa" "$P_OTP" "$T/req.otp" "$count" "$timed"
	send "pap" "$P_PAP" "$T/req.pap" "$count" "$timed"
	send "totp" "$P_TOTP" "$T/req.otp" "$count" "$timed"
	send "pg" "$P_PG" "$T/req.otp" "$count" "$timed"
	send "pgtcp" "$P_PG_TCP" "$T/req.otp" "$count" "$timed"
	# A round of USERS would take about as long per user: the next round
	# wants twice that left in its step, and 10 s at least.
	NEED=$((($(now_us) - t0) * 2 * USERS / count / 1000000 + 1))
	[ "$NEED" -ge 10 ] || NEED=10
	if [ "$NEED" -gt 29 ]; then
		# The warm-up also opens each thread's PostgreSQL connections
		# (SCRAM) and prepares statements: the first timed round tells.
		[ "$LABEL" = warmup ] || die "a round would take $((NEED / 2)) s, too much of a 30 s step: fewer --users"
		NEED=29
	fi
}

NEED=10
round warmup 0 "$WARM"
for ((r = 0; r < ROUNDS; r++)); do
	round "round $((r + 1))" $((WARM + r * USERS)) "$USERS" timed
done

# An untimed radclient run, for its start-up time (the median of five).
head -n 2 "$T/req.pap.000" > "$T/one"
startup_ms=$(for _ in 1 2 3 4 5; do
	t0=$(now_us)
	"${RADCLIENT[@]}" -f "$T/one" "127.0.0.1:$P_PAP" auth "$RADIUS_SECRET" > /dev/null
	echo $(($(now_us) - t0))
done | sort -n | sed -n 3p | awk '{ printf "%.1f", $1 / 1000 }')

median() { sort -n "$T/res.$1" | sed -n "$(((ROUNDS + 1) / 2))p"; }
declare -A RATE CPU PGCPU
for name in mfa pap totp pg pgtcp; do read -r RATE[$name] CPU[$name] PGCPU[$name] <<< "$(median "$name")"; done

fs=$(df -PT "$T" | awk 'NR == 2 { print $2 }')
row() { printf '%-58s %8.0f %14.0f\n' "$1" "${RATE[$2]}" "${CPU[$2]}"; }
if [ "$ROUNDS" -eq 1 ]; then rounds="one round"; else rounds="median of $ROUNDS rounds"; fi
echo "bench_radius: $USERS users a round, each sending one Access-Request to each server per"
echo "  round with a valid TOTP code (SHA1, 6 digits, 30 s) or password; one radiusd"
pool() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p" "$RADDB/radiusd.conf" | head -n 1; }
echo "  ($(freeradius -v 2> /dev/null | sed -n '1s/.*\(FreeRADIUS Version [0-9.]*\).*/\1/p'), threads $(pool start_servers)..$(pool max_servers)) on 127.0.0.1, radclient -p $PARALLEL, files of"
echo "  $PER_FILE requests, one run at a time; $rounds; $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)),"
echo "  load average $(cut -d' ' -f1-3 /proc/loadavg); state files on $fs."
echo "  PostgreSQL $PG_VERSION on the same host, data on $(df -PT "$MFA_PG_DIR" | awk 'NR == 2 { print $2 }'): $PG_SETTINGS."
printf '%-58s %8s %14s\n' "module" "req/s" "radiusd us/req"
row "rlm_mfa, mode = otp, SQLite store, syslog auditing off" mfa
row "PAP only (rlm_files + rlm_pap, no second factor)" pap
row "rlm_totp (rlm_files + rlm_totp, no replay protection)" totp
row "rlm_mfa, mode = otp, PostgreSQL store, Unix socket" pg
row "rlm_mfa, mode = otp, PostgreSQL store, TCP 127.0.0.1" pgtcp
awk -v mfa="${RATE[mfa]}" -v pap="${RATE[pap]}" -v cm="${CPU[mfa]}" -v cp="${CPU[pap]}" 'BEGIN {
	printf "ratio rlm_mfa / PAP-only: %.2f in requests/s; radiusd CPU per request %.1fx PAP-only\n",
	       mfa / pap, cm / cp
	printf "goal rlm_mfa >= 80%% of the PAP-only rate: %s\n", (mfa >= 0.8 * pap) ? "met" : "NOT met"
}'
awk -v pg="${RATE[pg]}" -v tcp="${RATE[pgtcp]}" -v pap="${RATE[pap]}" -v mfa="${RATE[mfa]}" 'BEGIN {
	printf "ratio PostgreSQL / PAP-only: %.2f (Unix socket), %.2f (TCP); PostgreSQL / SQLite: %.2f, %.2f\n",
	       pg / pap, tcp / pap, pg / mfa, tcp / mfa
	printf "goal PostgreSQL >= 50%% of the PAP-only rate (socket): %s\n", (pg >= 0.5 * pap) ? "met" : "NOT met"
}'
printf 'PostgreSQL server CPU per request (all its processes): %.0f us (socket), %.0f us (TCP)\n' \
	"${PGCPU[pg]}" "${PGCPU[pgtcp]}"
echo "notes: rlm_mfa in otp mode: authorize only sets Auth-Type; authenticate verifies"
echo "  (mfa_verify: one write transaction, writers in radiusd queued on a mutex; replay,"
echo "  clock offset and lockout state written back); no audit_file; each radiusd thread"
echo "  running it has a core context and SQLite connection of its own. PAP-only and rlm_totp"
echo "  look the user up in a users file of $TOTAL entries (hashed by name) and write nothing;"
echo "  rlm_totp tries the current step only and accepts a code again and again."
echo "  On PostgreSQL mfa_verify is one transaction of eight statements in four round trips:"
echo "  BEGIN, advisory lock on the user, read user, read factors and look for a case twin"
echo "  (otp mode checks no password first) in one pipeline; update factor; write the user's"
echo "  row (each login here is the user's first); COMMIT, which waits for the WAL flush; as"
echo "  role mfa_app, a connection per radiusd thread and instance; writers of different"
echo "  users do not wait for each other."
echo "  \"radiusd us/req\": user+system CPU of the whole radiusd process over a measurement,"
echo "  per request (1/$CLK_TCK s ticks). The rates include radclient itself, on the same"
runs=$(cat "$T/runs")
echo "  cores (it polls while it waits), and its start-up: $startup_ms ms a run, $runs run$([ "$runs" -eq 1 ] || echo s) a measurement."
awk -v t0="${started/[.,]/}" -v t1="$(now_us)" 'BEGIN { printf "bench_radius: %.0f s in all\n", (t1 - t0) / 1e6 }'
