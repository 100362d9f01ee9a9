# lib.sh - helpers for the CLI tests: a private installation per test file,
# and one "ok"/"not ok" line per case for tests/run to count.
set -u
MFACTL=${MFACTL:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/asan/mfactl}
T=$(mktemp -d /tmp/mfa-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
export MFA_CONFIG=$T/mfa.conf
cat > "$MFA_CONFIG" <<CONF
store = sqlite:$T/mfa.db
key_file = $T/mfa.key
audit_syslog = no
audit_file = $T/audit.json
CONF

# case NAME: starts a case; later failures in it are recorded.
SUITE=${SUITE:-$(basename "$(dirname "$0")")}
CASE="" CASE_FAILED=0 ANY_FAILED=0
case_begin() { case_end; CASE=$1; CASE_FAILED=0; }
case_end() {
	[ -n "$CASE" ] || return 0
	if [ "$CASE_FAILED" -eq 0 ]; then echo "ok $SUITE/$CASE"; else echo "not ok $SUITE/$CASE"; ANY_FAILED=1; fi
	CASE=""
}
# The exit status says whether any case failed, whatever ran last.
trap 'case_end; rm -rf "$T"; exit "$ANY_FAILED"' EXIT
fail() { echo "  FAILED in $CASE: $*" >&2; CASE_FAILED=1; }

# run CMD...: runs it, keeping stdout in $OUT, stderr in $ERR, status in $RC.
run() {
	"$@" > "$T/.out" 2> "$T/.err" < /dev/null
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
}
expect_rc() { [ "$RC" -eq "$1" ] || fail "exit status $RC, expected $1 (stderr: $ERR)"; }
expect_out() { grep -qF -- "$1" <<< "$OUT" || fail "stdout lacks '$1': $OUT"; }
expect_err() { grep -qF -- "$1" <<< "$ERR" || fail "stderr lacks '$1': $ERR"; }
json_get() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }

# WebAuthn: the software authenticator, and a relying party on localhost.
SOFTAUTHN=${SOFTAUTHN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/softauthn}
WA_ORIGIN=http://localhost:8080
webauthn_config() {
	printf 'webauthn_rp_id = localhost\nwebauthn_origins = %s\n' "$WA_ORIGIN" >> "$MFA_CONFIG"
}
# webauthn_register USER [softauthn create options]: a key in $T/USER.key.
webauthn_register() {
	local user=$1
	shift
	"$MFACTL" webauthn register-begin "$user" > "$T/$user.reg-opts" &&
		"$SOFTAUTHN" create "$T/$user.key" --origin "$WA_ORIGIN" "$@" < "$T/$user.reg-opts" \
			> "$T/$user.reg-resp" &&
		"$MFACTL" webauthn register-finish "$user" < "$T/$user.reg-resp" > /dev/null
}
