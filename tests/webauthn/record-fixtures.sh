#!/bin/bash
# record-fixtures.sh - records real Chromium WebAuthn ceremonies, verified by
# mfactl on the way, as test fixtures:
#   tests/data/webauthn/chromium-ctap2/  CTAP2 with user verification, 2 logins
#   tests/data/webauthn/chromium-u2f/    U2F (CTAP1), 1 login
#   tests/data/webauthn/chromium-packed/ CTAP2 asked for "direct": packed x5c
#   tests/data/webauthn/chromium-fido-u2f/ U2F asked for "direct": fido-u2f
# Each holds register-options.json, register-response.json,
# login-options-K.json, login-response-K.json and meta.json (origin, rp_id, ...).
# A directory is replaced only when its whole recording succeeded.
# MFACTL names the binary (default build/mfactl); PORT fixes the origin's port
# (default: a free one in 20000-60000); FIXTURE_DIR replaces tests/data/webauthn.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/browser_env.sh"
MFACTL=${MFACTL:-$REPO_ROOT/build/mfactl}
DATA=${FIXTURE_DIR:-$REPO_ROOT/tests/data/webauthn}

die() { echo "record-fixtures: $*" >&2; exit 1; }

[ -x "$MFACTL" ] || die "no mfactl at $MFACTL (set MFACTL or build it)"
why=$(browser_ready) || die "$why"
PORT=${PORT:-$(free_port)} || die "no free port"

T=$(mktemp -d /tmp/mfa-webauthn-rec-XXXXXX)
trap 'rm -rf "$T"' EXIT
CFG=$(write_config "$T" "$PORT")
"$MFACTL" --config "$CFG" init > "$T/init.log" 2>&1 || die "mfactl init failed: $(cat "$T/init.log")"

# record NAME USER FLOW-ARGS...
record() {
	local name=$1 user=$2 dest=$DATA/chromium-$1
	shift 2
	echo "recording $name ($*) as $user on http://localhost:$PORT"
	timeout 90 node "$FLOW" --mfactl "$MFACTL" --config "$CFG" --port "$PORT" \
		--user "$user" --out "$T/$name" "$@" || die "recording $name failed; $dest left as it was"
	mkdir -p "$DATA"
	rm -rf "$dest"
	cp -r "$T/$name" "$dest"
	echo "wrote $dest:"
	(cd "$dest" && for f in *; do printf '  %-26s %6d bytes\n' "$f" "$(stat -c %s "$f")"; done)
}

record ctap2 alice --protocol ctap2 --uv --logins 2
record u2f bob --protocol u2f
record packed carol --protocol ctap2 --uv --attestation direct
record fido-u2f dave --protocol u2f --attestation direct
