#!/bin/bash
# test_webauthn.sh - mfactl webauthn end to end, with the software
# authenticator in the browser's place; every refusal changes nothing.
# backends: sqlite pg
. "$(dirname "$0")/lib.sh"
"$MFACTL" init > /dev/null

# begin: mfactl webauthn STEP USER, options in $T/opts.
begin() { run "$MFACTL" webauthn "$1" "$2"; printf '%s\n' "$OUT" > "$T/opts"; }
# finish STEP USER FILE [mfactl options]: the response in FILE on stdin.
finish() {
	local step=$1 user=$2 file=$3
	shift 3
	"$MFACTL" webauthn "$step" "$user" "$@" < "$file" > "$T/.out" 2> "$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
}
# sign USER [softauthn get options]: a fresh assertion in $T/assert.
sign() {
	local user=$1
	shift
	begin login-begin "$user"
	"$SOFTAUTHN" get "$T/$user.key" --origin "$WA_ORIGIN" "$@" < "$T/opts" > "$T/assert" ||
		fail "softauthn get failed"
}

case_begin off_until_configured
run "$MFACTL" webauthn register-begin alice
expect_rc 2
expect_err "set webauthn_rp_id"
webauthn_config

case_begin register_with_label
begin register-begin alice
expect_rc 0
[ "$(json_get '["rp"]["id"]' <<< "$OUT")" = localhost ] || fail "rp id: $OUT"
[ "$(json_get '["attestation"]' <<< "$OUT")" = none ] || fail "attestation: $OUT"
"$SOFTAUTHN" create "$T/alice.key" --origin "$WA_ORIGIN" --fmt packed-self --alg eddsa \
	< "$T/opts" > "$T/reg" || fail "softauthn create failed"
finish register-finish alice "$T/reg" --label "YubiKey 5"
expect_rc 0
expect_out "Registered security key"
expect_out "EdDSA, self attestation"
run "$MFACTL" list alice
expect_out "webauthn"
expect_out "YubiKey 5"
run "$MFACTL" export alice
expect_out '"credential_id"'
expect_out '"attestation": "self"'
grep -q '"event":"webauthn-register","user":"alice"' "$T/audit.json" ||
	fail "registration not audited"

case_begin registration_answered_twice
finish register-finish alice "$T/reg"
expect_rc 1
expect_out "unknown or already used"

case_begin login_and_replay
sign alice
finish login-finish alice "$T/assert"
expect_rc 0
expect_out "accepted: alice signed in with security key"
finish login-finish alice "$T/assert" --json
expect_rc 1
[ "$(json_get '["accepted"]' <<< "$OUT")" = False ] || fail "json: $OUT"
expect_out "already used"

case_begin flipped_signature_refused
sign alice
"$SOFTAUTHN" flip signature 9 < "$T/assert" > "$T/bad" || fail "flip failed"
finish login-finish alice "$T/bad"
expect_rc 1
expect_out "signature does not verify"
# The untouched assertion still works: the refusal used nothing up.
finish login-finish alice "$T/assert"
expect_rc 0

case_begin counter_going_back_is_refused
sign alice --counter 1
finish login-finish alice "$T/assert"
expect_rc 1
expect_out "may have been cloned"
grep -q '"outcome":"cloned"' "$T/audit.json" || fail "clone not audited"

case_begin bad_input_changes_nothing
counters() { store_sql "select count(*), sum(counter) from factors" "select count(*), sum(counter) from mfa_factors"; }
before=$(counters)
for body in '' '{' '[]' '{"type":"public-key"}'; do
	printf '%s' "$body" > "$T/bad"
	finish login-finish alice "$T/bad"
	expect_rc 2
done
expect_err "mfactl:"
head -c 70000 /dev/zero | tr '\0' ' ' > "$T/big"
finish login-finish alice "$T/big"
expect_rc 2
expect_err "at most"
run "$MFACTL" webauthn sing-in alice
expect_rc 2
expect_err "is not register-begin"
run "$MFACTL" webauthn login-begin alice --label x
expect_rc 2
[ "$(counters)" = "$before" ] ||
	fail "the store changed"

case_begin other_users_key_refused
webauthn_register bob || fail "bob's registration failed"
begin login-begin bob
"$SOFTAUTHN" get "$T/alice.key" --origin "$WA_ORIGIN" < "$T/opts" > "$T/assert" 2> /dev/null &&
	fail "softauthn signed for a credential not in allowCredentials"
sign alice
finish login-finish bob "$T/assert"
expect_rc 1

case_begin removed_key_cannot_log_in
id=$(store_sql "select id from factors where user = 'alice'" "select id from mfa_factors where username = 'alice'")
run "$MFACTL" rename alice "$id" "old key"
expect_rc 0
sign alice
run "$MFACTL" remove alice "$id"
expect_rc 0
finish login-finish alice "$T/assert"
expect_rc 1
run "$MFACTL" webauthn login-begin alice
expect_rc 2
expect_err "has no security key"
