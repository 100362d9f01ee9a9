#!/bin/bash
# record-softauthn-fixtures.sh - records ceremonies of the software
# authenticator (tests/softauthn) that Chromium's virtual authenticator
# cannot give, verified by mfactl on the way, as test fixtures:
#   tests/data/webauthn/softauthn-cred-protect/    packed x5c, credProtect 2 in authData
#   tests/data/webauthn/softauthn-hmac-secret/     packed x5c, hmac-secret
#   tests/data/webauthn/softauthn-cred-blob/       packed self, credBlob
#   tests/data/webauthn/softauthn-min-pin-length/  packed x5c, minPinLength 6
#   tests/data/webauthn/softauthn-rs256-3072/      RS256 3072 bits, packed self
#   tests/data/webauthn/softauthn-rs256-4096/      RS256 4096 bits, packed x5c
#   tests/data/webauthn/softauthn-rs256-8192/      RS256 8192 bits, refused
# Same layout as record-fixtures.sh (meta.json says "refused": the message
# when the registration must fail). A directory is replaced only when its
# whole recording went as expected. MFACTL and SOFTAUTHN name the binaries
# (default build/mfactl, build/softauthn); FIXTURE_DIR replaces tests/data/webauthn.
set -u
REPO_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MFACTL=${MFACTL:-$REPO_ROOT/build/mfactl}
SOFTAUTHN=${SOFTAUTHN:-$REPO_ROOT/build/softauthn}
DATA=${FIXTURE_DIR:-$REPO_ROOT/tests/data/webauthn}
ORIGIN=http://localhost:8080

die() { echo "record-softauthn-fixtures: $*" >&2; exit 1; }

[ -x "$MFACTL" ] || die "no mfactl at $MFACTL (set MFACTL or build it)"
[ -x "$SOFTAUTHN" ] || die "no softauthn at $SOFTAUTHN (make build/softauthn)"
T=$(mktemp -d /tmp/mfa-softauthn-rec-XXXXXX)
trap 'rm -rf "$T"' EXIT
cat > "$T/mfa.conf" << CONF
store = sqlite:$T/mfa.db
key_file = $T/mfa.key
audit_syslog = no
webauthn_rp_id = localhost
webauthn_origins = $ORIGIN
CONF
mfactl() { "$MFACTL" --config "$T/mfa.conf" "$@"; }
mfactl init > "$T/init.log" 2>&1 || die "mfactl init failed: $(cat "$T/init.log")"
"$SOFTAUTHN" ca "$T/ca" || die "softauthn ca failed"

# record NAME USER REFUSED SOFTAUTHN-CREATE-ARGS...: REFUSED is "" or the
# message register-finish must fail with.
record() {
	local name=$1 user=$2 refused=$3 out=$T/$1 dest=$DATA/softauthn-$1
	shift 3
	echo "recording $name (softauthn create $*) as $user"
	mkdir -p "$out"
	mfactl webauthn register-begin "$user" > "$out/register-options.json" ||
		die "$name: register-begin failed"
	"$SOFTAUTHN" create "$T/$user.key" --origin "$ORIGIN" "$@" < "$out/register-options.json" \
		> "$out/register-response.json" || die "$name: softauthn create failed"
	if [ -n "$refused" ]; then
		mfactl webauthn register-finish "$user" < "$out/register-response.json" > "$T/finish" 2>&1 &&
			die "$name: registered, but should be refused"
		grep -qF "$refused" "$T/finish" || die "$name: refused otherwise: $(cat "$T/finish")"
	else
		mfactl webauthn register-finish "$user" < "$out/register-response.json" > "$T/finish" 2>&1 ||
			die "$name: register-finish failed: $(cat "$T/finish")"
		mfactl webauthn login-begin "$user" > "$out/login-options-1.json" ||
			die "$name: login-begin failed"
		# No userHandle, as from a key without discoverable credentials: it
		# is outside the signature, and tied to this recording's key file.
		"$SOFTAUTHN" get "$T/$user.key" --origin "$ORIGIN" < "$out/login-options-1.json" |
			jq 'del(.response.userHandle)' > "$out/login-response-1.json" &&
			[ "${PIPESTATUS[0]}" = 0 ] || die "$name: softauthn get failed"
		mfactl webauthn login-finish "$user" < "$out/login-response-1.json" > "$T/finish" 2>&1 ||
			die "$name: login-finish failed: $(cat "$T/finish")"
	fi
	jq -n --arg origin "$ORIGIN" --arg user "$user" --arg args "${*//$T\/ca/CADIR}" --arg refused "$refused" \
		--argjson at "$(date +%s)" \
		'{origin: $origin, rp_id: "localhost", user: $user, recorded_at: $at,
		  authenticator: ("softauthn create " + $args)} +
		 (if $refused == "" then {} else {refused: $refused} end)' > "$out/meta.json" ||
		die "$name: cannot write meta.json"
	mkdir -p "$DATA"
	rm -rf "$dest"
	cp -r "$out" "$dest"
	echo "wrote $dest"
}

CA=(--ca "$T/ca")
record cred-protect erin "" --fmt packed "${CA[@]}" --cred-protect 2
record hmac-secret frank "" --fmt packed "${CA[@]}" --hmac-secret
record cred-blob grace "" --fmt packed-self --cred-blob
record min-pin-length heidi "" --fmt packed "${CA[@]}" --min-pin-length 6
record rs256-3072 ivan "" --alg rs256 --rsa-bits 3072 --fmt packed-self
record rs256-4096 judy "" --alg rs256 --rsa-bits 4096 --fmt packed "${CA[@]}"
record rs256-8192 mike "RS256 keys must be 2048 to 4096 bits" --alg rs256 --rsa-bits 8192 --fmt none
