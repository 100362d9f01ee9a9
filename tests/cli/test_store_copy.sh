#!/bin/bash
# test_store_copy.sh - mfactl store copy into a SQLite store (from SQLite, and
# from PostgreSQL on the second pass, tests/run): the target is
# made by mfactl init, holds the same factors after the copy, and takes
# codes with their replay state; bad targets are refused, nothing made.
# backends: sqlite pg
. "$(dirname "$0")/lib.sh"
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
webauthn_config
"$MFACTL" init > /dev/null || fail "init"
# The target: the same config but its store.
TARGET=sqlite:$T/target.db
TCONF=$T/target.conf
sed "s|^store = .*|store = $TARGET|" "$MFA_CONFIG" > "$TCONF"

case_begin copy_to_a_new_store
"$MFACTL" enroll alice --secret "$SECRET" --no-confirm > /dev/null || fail "enroll alice"
code=$(oathtool --totp -b "$SECRET")
run "$MFACTL" verify alice "$code"
expect_rc 0
run "$MFACTL" recovery alice --json
rc1=$(json_get "['codes'][0]" <<< "$OUT")
rc2=$(json_get "['codes'][1]" <<< "$OUT")
run "$MFACTL" verify alice "$rc1"
expect_rc 0
webauthn_register bob || fail "bob's registration failed"
run "$MFACTL" --config "$TCONF" init
expect_rc 0
expect_out "key file: kept"
run "$MFACTL" store copy --to "$TARGET"
expect_rc 0
expect_out "copied 2 users, 2 factors, 10 recovery codes, 0 challenges to $TARGET"
grep -q '"event":"store-copy","user":"","source":"cli","outcome":"ok","detail":"2 users, 2 factors, 10 recovery codes, 0 challenges to sqlite:' "$T/audit.json" ||
	fail "no store-copy audit event: $(tail -1 "$T/audit.json")"
"$MFACTL" list --json > "$T/source.json"
run "$MFACTL" --config "$TCONF" list --json
expect_rc 0
[ "$OUT" = "$(cat "$T/source.json")" ] || fail "the lists differ: $OUT"
grep -q webauthn <<< "$OUT" || fail "no security key: $OUT"

case_begin codes_on_the_target
run "$MFACTL" --config "$TCONF" verify alice "$code"
expect_rc 1
expect_out "already used"
run "$MFACTL" --config "$TCONF" verify alice "$rc1"
expect_rc 1
run "$MFACTL" --config "$TCONF" verify alice "$rc2"
expect_rc 0
expect_out "Recovery code accepted: 8 left"
run "$MFACTL" --config "$TCONF" verify alice "$(oathtool --totp -b -N "@$(($(date +%s) + 30))" "$SECRET")"
expect_rc 0

case_begin copy_again_is_the_same
"$MFACTL" --config "$TCONF" unlock alice > /dev/null
run "$MFACTL" store copy --to "$TARGET" --json
expect_rc 0
[ "$(json_get "['users'], d['factors'], d['recovery_codes'], d['challenges']" <<< "$OUT")" = "(2, 2, 10, 0)" ] ||
	fail "json: $OUT"
run "$MFACTL" --config "$TCONF" list --json
[ "$OUT" = "$(cat "$T/source.json")" ] || fail "the lists differ after a re-run: $OUT"
# The target is the source's again: rc2, used only there, works once more.
run "$MFACTL" --config "$TCONF" verify alice "$rc2"
expect_rc 0

case_begin bad_targets_are_refused
before=$(ls "$T")
run "$MFACTL" store copy --to mysql://db/mfa
expect_rc 2
expect_err "not supported"
expect_err "nothing was copied"
run "$MFACTL" store copy --to sqlite:relative.db
expect_rc 2
run "$MFACTL" store copy --to "sqlite:$T/none.db"
expect_rc 2
expect_err "run 'mfactl init' with store = sqlite:$T/none.db"
run "$MFACTL" store copy --to "$(sed -n 's/^store = //p' "$MFA_CONFIG")"
expect_rc 2
expect_err "is the configured store itself"
[ "$before" = "$(ls "$T")" ] || fail "files made: $(ls "$T")"
run "$MFACTL" store copy
expect_rc 2
expect_err "usage: mfactl store copy --to URI"
run "$MFACTL" store move --to "$TARGET"
expect_rc 2
expect_err "usage: mfactl store copy --to URI"
run "$MFACTL" list --to "$TARGET"
expect_rc 2
expect_err "list does not take --to"

case_begin target_with_other_users_is_refused
"$MFACTL" --config "$TCONF" enroll zed --secret "$SECRET" --no-confirm > /dev/null || fail "enroll zed"
"$MFACTL" --config "$TCONF" list --json > "$T/target.json"
run "$MFACTL" store copy --to "$TARGET"
expect_rc 2
expect_err "the target holds users this store does not (e.g. zed; 1 in all): copy into an empty store"
run "$MFACTL" --config "$TCONF" list --json
[ "$OUT" = "$(cat "$T/target.json")" ] || fail "the target changed: $OUT"
