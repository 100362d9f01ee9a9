#!/bin/bash
# test_browser.sh - WebAuthn end to end: a real headless Chromium with a CDP
# virtual authenticator (CTAP2 with user verification, and U2F) registers and
# logs in against mfactl's options, and mfactl verifies what the browser made.
# MFACTL names the binary (default build/mfactl under the repository root).
# Needs node and Chromium (apt-get install chromium); installs playwright-core
# from browser/package-lock.json itself when it is missing.
HERE=$(cd "$(dirname "$0")" && pwd)
MFACTL=${MFACTL:-$(cd "$HERE/../.." && pwd)/build/mfactl}
SUITE=webauthn
. "$HERE/../cli/lib.sh"
. "$HERE/browser_env.sh"

# run_in FILE CMD...: like run, with FILE on standard input.
run_in() {
	local in=$1
	shift
	"$@" > "$T/.out" 2> "$T/.err" < "$in"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
}

# flow ARGS...: one browser run; its files go to --out.
flow() {
	run timeout 90 node "$FLOW" --mfactl "$MFACTL" --config "$CFG" --port "$PORT" "$@"
}

# expect_files DIR NAME...: each DIR/NAME exists and is a JSON object.
expect_files() {
	local dir=$1 f
	shift
	for f in "$@"; do
		python3 -c 'import json,sys; assert isinstance(json.load(open(sys.argv[1])), dict)' "$dir/$f" 2> /dev/null ||
			fail "$dir/$f missing or not a JSON object"
	done
}

# expect_meta DIR PROTOCOL UV: meta.json names this origin, RP and authenticator.
expect_meta() {
	local m
	m=$(cat "$1/meta.json" 2> /dev/null) || { fail "no $1/meta.json"; return; }
	[ "$(json_get "['origin']" <<< "$m")" = "http://localhost:$PORT" ] || fail "meta origin: $m"
	[ "$(json_get "['rp_id']" <<< "$m")" = localhost ] || fail "meta rp_id: $m"
	[ "$(json_get "['protocol']" <<< "$m")" = "$2" ] || fail "meta protocol: $m"
	[ "$(json_get "['uv']" <<< "$m")" = "$3" ] || fail "meta uv: $m"
}

case_begin browser_harness_ready
why=$(browser_ready) || fail "$why"
[ -x "$MFACTL" ] || fail "no mfactl at $MFACTL (set MFACTL or build it)"
PORT=$(free_port) || fail "no free port"
# Nothing below can run without these.
[ "$CASE_FAILED" -eq 0 ] || exit 1

case_begin init_with_webauthn_config
CFG=$(write_config "$T" "$PORT")
export MFA_CONFIG=$CFG
run "$MFACTL" --config "$CFG" init
expect_rc 0
[ "$CASE_FAILED" -eq 0 ] || exit 1

case_begin ctap2_uv_register_and_two_logins
flow --user alice --out "$T/ctap2" --protocol ctap2 --uv --logins 2 --label "chromium ctap2"
expect_rc 0
expect_files "$T/ctap2" register-options.json register-response.json login-options-1.json \
	login-response-1.json login-options-2.json login-response-2.json meta.json
expect_meta "$T/ctap2" ctap2 True

case_begin u2f_register_and_login
flow --user bob --out "$T/u2f" --protocol u2f
expect_rc 0
expect_files "$T/u2f" register-options.json register-response.json login-options-1.json \
	login-response-1.json meta.json
expect_meta "$T/u2f" u2f False

case_begin replayed_login_is_refused
for pair in alice:ctap2 bob:u2f; do
	user=${pair%%:*} dir=$T/${pair##*:}
	[ -f "$dir/login-response-1.json" ] || { fail "no login response for $user to replay"; continue; }
	# The very response mfactl accepted, sent again.
	run_in "$dir/login-response-1.json" "$MFACTL" --config "$CFG" webauthn login-finish "$user"
	expect_rc 1
	# And again while a fresh challenge is pending.
	run "$MFACTL" --config "$CFG" webauthn login-begin "$user"
	expect_rc 0
	run_in "$dir/login-response-1.json" "$MFACTL" --config "$CFG" webauthn login-finish "$user"
	expect_rc 1
done
