# lib.sh - mfa-web for the tests, after tests/cli/lib.sh: a store, key and
# config that the portal's user (nobody, group nogroup) can reach in $W,
# mfad under pam_wrapper checking passwords with pam_matrix against
# $W/passdb, and helpers that speak to the API with curl, keeping the
# session cookie and CSRF token themselves.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WEB_BIN=${WEB_BIN:-$ROOT/build/asan/mfa-web}
# mfad plain: pam_wrapper loads libpam with RTLD_DEEPBIND, which ASan refuses.
MFAD_BIN=${MFAD_PLAIN:-$ROOT/build/mfad}
MATRIX=/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_matrix.so
PY=/usr/bin/python3
W=$(mktemp -d /tmp/mfa-web-XXXXXX)
chmod 0755 "$W"
mkdir -p "$W/svc" "$W/store"
WEB_PORT=$((20000 + RANDOM % 20000))
WEB_URL=http://127.0.0.1:$WEB_PORT
WEB_LOG=$W/web.log
MFAD_LOG=$W/mfad.log
WEB_PID="" WEB_MFAD_PID=""
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}

# The config every process here reads: the portal drops root for nobody,
# who reaches key and store through the group nogroup.
export MFA_CONFIG=$W/mfa.conf
cat > "$MFA_CONFIG" <<CONF
store = sqlite:$W/store/mfa.db
key_file = $W/mfa.key
group = nogroup
audit_syslog = no
audit_file = $W/store/audit.json
web_user = nobody
web_listen = 127.0.0.1:$WEB_PORT
webauthn_rp_id = localhost
webauthn_origins = http://localhost:$WEB_PORT
web_url = http://localhost:$WEB_PORT
admin_group = mfa-support
CONF

# Passwords for PAM service mfa-web: alice and bob, dave (invited), carol
# (support staff: in the group mfa-support, which only mfa-web's
# nss_wrapper files know).
ALICE_PW='alice-Pa55-word'
BOB_PW='bob-Pa55-word'
CAROL_PW='carol-Pa55-word'
DAVE_PW='dave-Pa55-word'
printf '%s:%s:mfa-web\n' alice "$ALICE_PW" bob "$BOB_PW" carol "$CAROL_PW" dave "$DAVE_PW" > "$W/passdb"
getent passwd root nobody > "$W/passwd"
printf '%s:x:%s:65534::/nonexistent:/usr/sbin/nologin\n' alice 5001 bob 5002 carol 5003 dave 5004 \
	>> "$W/passwd"
{ getent group root nogroup; echo "mfa-support:x:5100:carol"; } > "$W/group"
printf '%s\n' "auth required $MATRIX passdb=$W/passdb" "account required $MATRIX passdb=$W/passdb" \
	> "$W/svc/mfa-web"
printf '%s\n' "auth required pam_deny.so" "account required pam_deny.so" > "$W/svc/other"

web_stop() {
	[ -n "$WEB_PID" ] || return 0
	kill -TERM "$WEB_PID" 2> /dev/null
	wait "$WEB_PID" 2> /dev/null
	WEB_RC=$?
	WEB_PID=""
}
web_mfad_stop() {
	[ -n "$WEB_MFAD_PID" ] || return 0
	kill -TERM "$WEB_MFAD_PID" 2> /dev/null
	wait "$WEB_MFAD_PID" 2> /dev/null
	WEB_MFAD_PID=""
}
_web_exit() {
	web_stop
	web_mfad_stop
	rm -rf "$W"
}
_web_cur=$(trap -p EXIT)
eval "_web_cur=($_web_cur)"
# shellcheck disable=SC2064 # the current trap's text, taken now
trap "_web_exit; ${_web_cur[2]:-}" EXIT

# web_mfad_start: mfad for the portal's password checks, at $W/mfad.sock.
web_mfad_start() {
	local before
	before=$(grep -c 'answering at' "$MFAD_LOG" 2> /dev/null)
	env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$W/svc" \
		"$MFAD_BIN" --config "$MFA_CONFIG" --socket "$W/mfad.sock" 2>> "$MFAD_LOG" &
	WEB_MFAD_PID=$!
	for _ in $(seq 100); do
		[ "$(grep -c 'answering at' "$MFAD_LOG")" -gt "${before:-0}" ] && return 0
		kill -0 "$WEB_MFAD_PID" 2> /dev/null || break
		sleep 0.1
	done
	echo "mfad did not start: $(tail -n 5 "$MFAD_LOG")" >&2
	return 1
}

# web_start [OPTIONS...]: mfa-web in the background, until it serves.
web_start() {
	local before
	before=$(grep -c 'serving' "$WEB_LOG" 2> /dev/null)
	if [ -n "${WEB_NSS:-}" ]; then
		# The group mfa-support from $W/group: nss_wrapper loads libc with
		# RTLD_DEEPBIND, which ASan refuses, so the plain build.
		LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD=$W/passwd NSS_WRAPPER_GROUP=$W/group \
			"$ROOT/build/mfa-web" --config "$MFA_CONFIG" --socket "$W/mfad.sock" "$@" \
			2>> "$WEB_LOG" &
	else
			"$WEB_BIN" --config "$MFA_CONFIG" --socket "$W/mfad.sock" "$@" 2>> "$WEB_LOG" &
	fi
	WEB_PID=$!
	for _ in $(seq 100); do
		[ "$(grep -c 'serving' "$WEB_LOG")" -gt "${before:-0}" ] && return 0
		kill -0 "$WEB_PID" 2> /dev/null || break
		sleep 0.1
	done
	echo "mfa-web did not start: $(tail -n 5 "$WEB_LOG")" >&2
	WEB_PID=""
	return 1
}
# web_restart_with [CONFIG LINES...]: mfa-web again, on mfa.conf plus those
# lines (WEB_URL is changed by the caller for https).
web_restart_with() {
	web_stop
	{ cat "$MFA_CONFIG"; printf '%s\n' "$@"; } > "$W/extra.conf"
	chgrp nogroup "$W/extra.conf"
	MFA_CONFIG=$W/extra.conf web_start
}
# The software authenticator, and the origin the portal's config names.
SOFTAUTHN=$ROOT/build/softauthn
ORIGIN=http://localhost:$WEB_PORT
# passkey_add KEY LABEL: the signed-in user registers a new key (softauthn,
# kept in the file KEY) on the portal.
passkey_add() {
	req POST /api/factors/passkey/begin '{}'
	expect_status 200
	jget options > "$W/opts"
	"$SOFTAUTHN" create "$1" --origin "$ORIGIN" --rp-id localhost < "$W/opts" \
		> "$W/reg" || fail "softauthn create failed: $BODY"
	req POST /api/factors/passkey/finish "{\"label\":\"$2\",\"response\":$(cat "$W/reg")}"
	expect_status 200
}
# passkey_sign KEY BEGIN_PATH: the options a passkey step's begin gives,
# signed by the key in the file KEY, in $W/assert.
passkey_sign() {
	req POST "$2" '{}'
	expect_status 200
	jget options > "$W/opts"
	"$SOFTAUTHN" get "$1" --origin "$ORIGIN" < "$W/opts" > "$W/assert" ||
		fail "softauthn get failed: $BODY"
}
# wait_for_log PATTERN N: until mfa-web's log has N lines with PATTERN, at
# most 10 s (a reload is logged by its own thread, some time after SIGHUP).
wait_for_log() {
	local _
	for _ in $(seq 100); do
		[ "$(grep -c -- "$1" "$WEB_LOG")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
# web_stops_clean: stops mfa-web; fails unless it exited 0 with no
# sanitizer report in its log.
web_stops_clean() {
	web_stop
	[ "${WEB_RC:-1}" -eq 0 ] || fail "exit status $WEB_RC"
	web_clean || fail "sanitizer report: $(grep -A5 'Sanitizer\|runtime error' "$WEB_LOG" | head -20)"
}
web_clean() { ! grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error' "$WEB_LOG"; }

# The browser's state: its session cookie, its known-device cookie (kept
# across sign-ins, as a browser keeps it) and the CSRF token it was given.
COOKIE="" DEVICE="" CSRF=""
# req METHOD PATH [JSON [CURL OPTIONS...]]: STATUS, BODY and HEADERS of the
# answer; a Set-Cookie replaces COOKIE (or DEVICE, for the known-device
# cookie), a session's csrf replaces CSRF.
req() {
	local method=$1 path=$2 body=${3:-} set dev jar
	shift 3 2> /dev/null || shift $#
	local args=(-s -o "$W/.body" -D "$W/.headers" -w '%{http_code}' -X "$method")
	jar=$COOKIE
	[ -n "$DEVICE" ] && jar=${jar:+$jar; }$DEVICE
	[ -n "$jar" ] && args+=(-H "Cookie: $jar")
	if [ "$method" = POST ]; then
		args+=(-H "Content-Type: application/json" --data-binary "${body:-{\}}")
		[ -n "$CSRF" ] && args+=(-H "X-CSRF-Token: $CSRF")
	fi
	STATUS=$(curl "${args[@]}" "$@" "$WEB_URL$path")
	BODY=$(cat "$W/.body")
	HEADERS=$(tr -d '\r' < "$W/.headers")
	set=$(sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' <<< "$HEADERS" | grep -v '^\(__Host-\)\?mfa-device=')
	dev=$(sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' <<< "$HEADERS" | grep '^\(__Host-\)\?mfa-device=')
	[ -n "$dev" ] && DEVICE=$dev
	if [ -n "$set" ]; then
		case $set in *=) COOKIE="" ;; *) COOKIE=$set ;; esac
	fi
	local c
	c=$(jget session.csrf)
	[ -n "$c" ] && CSRF=$c
	return 0
}
# jget PATH: a value of BODY's JSON (dots between keys, numbers index lists).
jget() {
	"$PY" -c '
import json, sys
try:
    v = json.loads(sys.argv[1])
    for k in sys.argv[2].split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    print(v if not isinstance(v, (dict, list)) else json.dumps(v))
except Exception:
    pass' "$BODY" "$1"
}
expect_status() { [ "$STATUS" = "$1" ] || fail "HTTP $STATUS, expected $1: $BODY"; }
expect_body() { grep -qF -- "$1" <<< "$BODY" || fail "answer lacks '$1': $BODY"; }
expect_header() { grep -qiF -- "$1" <<< "$HEADERS" || fail "headers lack '$1': $HEADERS"; }
# signin USER PASSWORD [CURL OPTIONS...]: the password step, in a browser
# signed out (its known-device cookie kept).
signin() {
	COOKIE="" CSRF=""
	req POST /api/signin "{\"user\":\"$1\",\"password\":\"$2\"}" "${@:3}"
}
# totp SECRET [OFFSET_STEPS]: the code of now (or steps later), by oathtool.
totp() { oathtool --totp -b -N "@$(( $(date +%s) + 30 * ${2:-0} ))" "$1"; }
